import { sql, type RawBuilder } from 'kysely';
import type { AgentKpiRow, KpiAggregateRow } from '../domain/kpis/figures.js';
import type { Database } from './database.js';

/**
 * Strategy KPIs as SQL aggregates over the facts (cases, payments, case events, outbox, agent tasks,
 * portal events). Definitions: README "KPIs". A case is the debtor's case row; every fact counts
 * from the case's opening on. Live queries: the tables carry indexes on the debtor and time columns.
 */

export const KPI_GROUPS = ['segment', 'strategyVersion', 'variant', 'channel', 'cohort'] as const;
export type KpiGroup = (typeof KPI_GROUPS)[number];

export interface KpiFilter {
  groupBy: KpiGroup;
  /** Cases opened on or after this instant. */
  from?: Date | undefined;
  /** Cases opened before this instant. */
  to?: Date | undefined;
  currency?: string | undefined;
  /** Only the cases of this experiment (its results per variant). */
  experimentId?: string | undefined;
  /** "Now" for maturity (recovery at N days) and the age of open cases. */
  asOf: Date;
}

const GROUP_COLUMN: Record<Exclude<KpiGroup, 'channel'>, RawBuilder<unknown>> = {
  segment: sql`c.segment`,
  strategyVersion: sql`c.strategy_version`,
  variant: sql`c.variant`,
  cohort: sql`c.cohort`,
};

/** The bucket of a days-past-due figure: 0 current, 1 = 1–30, 2 = 31–60, 3 = 61–90, 4 = over 90. */
const bucket = (dpd: RawBuilder<unknown>) =>
  sql`(case when ${dpd} <= 0 then 0 when ${dpd} <= 30 then 1 when ${dpd} <= 60 then 2 when ${dpd} <= 90 then 3 else 4 end)`;

/**
 * Recovered within N days of the opening: the payments of those days, up to what the case's claim
 * recorded as paid; rows without a claim (older than 0075) count the invoices' allocations.
 */
const recoveredWithin = (days: number) => {
  const within = sql`p.paid_at < b.opened_at + make_interval(days => ${days})`;
  return sql`(case when b.claim_paid is null
                   then coalesce(sum(a.amount) filter (where ${within}), 0)
                   else least(coalesce(sum(p.amount) filter (where ${within}), 0), b.claim_paid) end)::bigint`;
};

export async function kpiAggregates(db: Database, filter: KpiFilter): Promise<KpiAggregateRow[]> {
  const asOf = filter.asOf.toISOString();
  const isMatured = (days: number) =>
    sql`(c.opened_at + make_interval(days => ${days}) <= ${asOf}::timestamptz)`;
  const perChannel = filter.groupBy === 'channel';
  // Channel rows: a case counts under every channel that reached it (a message, a call, a portal
  // visit through a link it carried); contacts, costs and the funnel are that channel's own.
  const scope = perChannel
    ? sql`select c.*, t.channel as key, t.emails, t.sms_messages, t.sms_segments, t.letters,
                 t.call_attempts, t.call_conversations, t.portal_opened, t.portal_started, t.portal_paid
          from case_facts c join touch t on t.debtor_id = c.debtor_id`
    : sql`select c.*, ${GROUP_COLUMN[filter.groupBy as Exclude<KpiGroup, 'channel'>]} as key,
                 coalesce(t.emails, 0) as emails, coalesce(t.sms_messages, 0) as sms_messages,
                 coalesce(t.sms_segments, 0) as sms_segments, coalesce(t.letters, 0) as letters,
                 coalesce(t.call_attempts, 0) as call_attempts,
                 coalesce(t.call_conversations, 0) as call_conversations,
                 coalesce(t.portal_opened, 0) as portal_opened, coalesce(t.portal_started, 0) as portal_started,
                 coalesce(t.portal_paid, 0) as portal_paid
          from case_facts c left join (
            select debtor_id, sum(emails) as emails, sum(sms_messages) as sms_messages,
                   sum(sms_segments) as sms_segments, sum(letters) as letters,
                   sum(call_attempts) as call_attempts, sum(call_conversations) as call_conversations,
                   max(portal_opened) as portal_opened, max(portal_started) as portal_started,
                   max(portal_paid) as portal_paid
            from touch group by debtor_id
          ) t on t.debtor_id = c.debtor_id`;

  const result = await sql<KpiAggregateRow>`
    with base as (
      select c.debtor_id, c.segment, c.strategy_version, coalesce(c.strategy_variant, 'none') as variant,
             c.currency, c.status, c.open_amount, c.claim_paid, c.opened_at, c.closed_at,
             c.days_past_due_at_open as dpd_open,
             to_char(c.opened_at at time zone 'UTC', 'IYYY-"W"IW') as cohort,
             floor(extract(epoch from (coalesce(c.closed_at, ${asOf}::timestamptz) - c.opened_at)) / 86400)::int as age_days
      from cases c
      where c.currency is not null
        and c.opened_at <= ${asOf}::timestamptz
        ${filter.from ? sql`and c.opened_at >= ${filter.from.toISOString()}::timestamptz` : sql``}
        ${filter.to ? sql`and c.opened_at < ${filter.to.toISOString()}::timestamptz` : sql``}
        ${filter.currency ? sql`and c.currency = ${filter.currency}` : sql``}
        ${filter.experimentId ? sql`and c.experiment_id = ${filter.experimentId}` : sql``}
    ),
    pay as (
      -- What payments settled of the claim (principal, interest, fees): a surplus stays a credit
      -- and is not recovered. Rows from before the claim (0075) count the invoices' allocations.
      select b.debtor_id, coalesce(b.claim_paid, sum(a.amount), 0)::bigint as recovered,
             ${recoveredWithin(30)} as recovered30, ${recoveredWithin(60)} as recovered60,
             ${recoveredWithin(90)} as recovered90
      from base b
      join payments p on p.debtor_id = b.debtor_id and p.currency = b.currency and p.paid_at >= b.opened_at
      cross join lateral (
        select coalesce(sum((e ->> 'amount')::bigint), 0) as amount from jsonb_array_elements(p.allocations) e
      ) a
      group by b.debtor_id, b.claim_paid
    ),
    ev as (
      select b.debtor_id,
             count(*) filter (where e.type = 'promise-made') as promises_made,
             count(*) filter (where e.type = 'promise-kept') as promises_kept,
             count(*) filter (where e.type = 'promise-broken') as promises_broken,
             count(*) filter (where e.type = 'plan-completed') as plans_completed,
             count(*) filter (where e.type = 'plan-broken') as plans_broken,
             bool_or(e.type = 'dispute-opened') as disputed,
             bool_or(e.type = 'opted-out' and e.data ->> 'channel' = 'email') as opted_out_email,
             bool_or(e.type = 'opted-out' and e.data ->> 'channel' = 'sms') as opted_out_sms
      from base b join case_events e on e.debtor_id = b.debtor_id and e.at >= b.opened_at
      group by b.debtor_id
    ),
    touch as (
      select debtor_id, channel, sum(emails)::bigint as emails, sum(sms_messages)::bigint as sms_messages,
             sum(sms_segments)::bigint as sms_segments, sum(letters)::bigint as letters,
             sum(call_attempts)::bigint as call_attempts, sum(call_conversations)::bigint as call_conversations,
             max(portal_opened) as portal_opened, max(portal_started) as portal_started,
             max(portal_paid) as portal_paid
      from (
        select b.debtor_id, o.channel,
               count(*) filter (where o.channel = 'email') as emails,
               count(*) filter (where o.channel = 'sms') as sms_messages,
               coalesce(sum(coalesce(o.segments, 1)) filter (where o.channel = 'sms'), 0) as sms_segments,
               count(*) filter (where o.channel = 'letter') as letters,
               0 as call_attempts, 0 as call_conversations, 0 as portal_opened, 0 as portal_started, 0 as portal_paid
        from base b join outbox o on o.debtor_id = b.debtor_id and o.sent_at >= b.opened_at
        group by b.debtor_id, o.channel
        union all
        select b.debtor_id, 'call', 0, 0, 0, 0, count(*), count(*) filter (where t.call_result = 'conversation'), 0, 0, 0
        from base b
        join agent_tasks t on t.debtor_id = b.debtor_id and t.call_result is not null and t.closed_at >= b.opened_at
        group by b.debtor_id
        union all
        select b.debtor_id, coalesce(pe.channel, 'unknown'), 0, 0, 0, 0, 0, 0,
               max(case when pe.type = 'opened' then 1 else 0 end),
               max(case when pe.type = 'payment-started' then 1 else 0 end),
               max(case when pe.type = 'paid' then 1 else 0 end)
        from base b join portal_events pe on pe.debtor_id = b.debtor_id and pe.at >= b.opened_at
        group by b.debtor_id, coalesce(pe.channel, 'unknown')
      ) u
      group by debtor_id, channel
    ),
    case_facts as (
      -- Placed: the whole claim (principal, interest, fees) = what was recovered + what is open.
      select b.*, coalesce(p.recovered, b.claim_paid, 0) as recovered,
             coalesce(p.recovered30, 0) as recovered30,
             coalesce(p.recovered60, 0) as recovered60, coalesce(p.recovered90, 0) as recovered90,
             coalesce(p.recovered, b.claim_paid, 0) + b.open_amount as placed,
             coalesce(ev.promises_made, 0) as promises_made, coalesce(ev.promises_kept, 0) as promises_kept,
             coalesce(ev.promises_broken, 0) as promises_broken,
             coalesce(ev.plans_completed, 0) as plans_completed, coalesce(ev.plans_broken, 0) as plans_broken,
             coalesce(ev.disputed, false) as disputed,
             coalesce(ev.opted_out_email, false) as opted_out_email,
             coalesce(ev.opted_out_sms, false) as opted_out_sms,
             exists (select 1 from touch t where t.debtor_id = b.debtor_id and t.emails > 0) as emailed,
             exists (select 1 from touch t where t.debtor_id = b.debtor_id and t.sms_messages > 0) as texted,
             ${bucket(sql`b.dpd_open`)} as bucket_open,
             ${bucket(sql`(b.dpd_open + b.age_days)`)} as bucket_end
      from base b left join pay p on p.debtor_id = b.debtor_id left join ev on ev.debtor_id = b.debtor_id
    ),
    scoped as (${scope})
    select c.key as "group", c.currency,
           count(*)::int as "casesOpened",
           sum(c.placed)::bigint as "amountPlaced",
           sum(c.recovered)::bigint as "amountRecovered",
           count(*) filter (where ${isMatured(30)})::int as "matured30",
           coalesce(sum(c.placed) filter (where ${isMatured(30)}), 0)::bigint as "placed30",
           coalesce(sum(c.recovered30) filter (where ${isMatured(30)}), 0)::bigint as "recovered30",
           count(*) filter (where ${isMatured(60)})::int as "matured60",
           coalesce(sum(c.placed) filter (where ${isMatured(60)}), 0)::bigint as "placed60",
           coalesce(sum(c.recovered60) filter (where ${isMatured(60)}), 0)::bigint as "recovered60",
           count(*) filter (where ${isMatured(90)})::int as "matured90",
           coalesce(sum(c.placed) filter (where ${isMatured(90)}), 0)::bigint as "placed90",
           coalesce(sum(c.recovered90) filter (where ${isMatured(90)}), 0)::bigint as "recovered90",
           percentile_cont(0.5) within group (
             order by case when c.status = 'paid' and c.closed_at is not null
                           then extract(epoch from (c.closed_at - c.opened_at)) / 86400 end
           )::float8 as "medianDaysToPay",
           sum(c.promises_made)::int as "promisesMade",
           sum(c.promises_kept)::int as "promisesKept",
           sum(c.promises_broken)::int as "promisesBroken",
           sum(c.plans_completed)::int as "plansCompleted",
           sum(c.plans_broken)::int as "plansBroken",
           count(*) filter (where c.disputed)::int as "casesDisputed",
           count(*) filter (where c.emailed)::int as "casesEmailed",
           count(*) filter (where c.emailed and c.opted_out_email)::int as "casesOptedOutEmail",
           count(*) filter (where c.texted)::int as "casesTexted",
           count(*) filter (where c.texted and c.opted_out_sms)::int as "casesOptedOutSms",
           sum(c.emails)::int as "emails",
           sum(c.sms_messages)::int as "smsMessages",
           sum(c.sms_segments)::int as "smsSegments",
           sum(c.letters)::int as "letters",
           sum(c.call_attempts)::int as "callAttempts",
           sum(c.call_conversations)::int as "callConversations",
           sum(c.portal_opened)::int as "portalOpened",
           sum(c.portal_started)::int as "portalPaymentStarted",
           sum(c.portal_paid)::int as "portalPaid",
           ${rollCounts()}
    from scoped c
    group by c.key, c.currency
    order by c.key, c.currency
  `.execute(db);
  return result.rows;
}

/**
 * A case's days past due grow by one a day while it is open, so from where it started and how long
 * it has been open follows every bucket it passed. Its stay in bucket b is over once it rolled past
 * b, or closed while in b (cured when it closed as paid).
 */
function rollCounts(): RawBuilder<unknown> {
  const known = sql`c.dpd_open is not null`;
  const closed = sql`c.closed_at is not null`;
  const paid = sql`c.closed_at is not null and c.status = 'paid'`;
  const parts = [1, 2, 3].map(
    (b) => sql`
      count(*) filter (where ${known} and c.bucket_open <= ${sql.lit(b)}
        and (c.bucket_end > ${sql.lit(b)} or (${closed} and c.bucket_end = ${sql.lit(b)})))::int as ${sql.ref(`left${b}`)},
      count(*) filter (where ${known} and c.bucket_open <= ${sql.lit(b)} and c.bucket_end > ${sql.lit(b)})::int as ${sql.ref(`rolled${b}`)},
      count(*) filter (where ${known} and c.bucket_open <= ${sql.lit(b)} and c.bucket_end = ${sql.lit(b)} and ${paid})::int as ${sql.ref(`cured${b}`)}`,
  );
  return sql.join([
    ...parts,
    sql`count(*) filter (where ${known} and c.bucket_end = 4 and ${closed})::int as "left4",
        count(*) filter (where ${known} and c.bucket_end = 4 and ${paid})::int as "cured4"`,
  ]);
}

/** Per agent and case currency: tasks answered in the period, promises taken and kept. */
export async function agentKpis(
  db: Database,
  filter: Pick<KpiFilter, 'from' | 'to' | 'currency'>,
): Promise<AgentKpiRow[]> {
  const result = await sql<AgentKpiRow>`
    with done as (
      select t.outcome_by as agent_id, t.debtor_id, t.closed_at, t.outcome, c.currency, c.open_amount
      from agent_tasks t join cases c on c.debtor_id = t.debtor_id
      where t.status = 'done' and t.outcome_by is not null and c.currency is not null
        ${filter.from ? sql`and t.closed_at >= ${filter.from.toISOString()}::timestamptz` : sql``}
        ${filter.to ? sql`and t.closed_at < ${filter.to.toISOString()}::timestamptz` : sql``}
        ${filter.currency ? sql`and c.currency = ${filter.currency}` : sql``}
    ),
    promises as (
      select d.agent_id, d.currency,
             coalesce((d.outcome ->> 'amount')::bigint, d.open_amount + paid.since) as promised,
             paid.by_date
      from done d
      cross join lateral (
        select coalesce(sum(p.amount), 0) as since,
               coalesce(sum(p.amount) filter (
                 where p.paid_at < ((d.outcome ->> 'date')::date + 1)::timestamp at time zone 'UTC'), 0) as by_date
        from payments p where p.debtor_id = d.debtor_id and p.paid_at >= d.closed_at
      ) paid
      where d.outcome ->> 'kind' = 'promise'
    ),
    per_agent as (
      select agent_id, currency, count(*) as tasks_done, 0 as taken, 0 as promised, 0 as kept, 0 as amount_kept
      from done group by agent_id, currency
      union all
      select agent_id, currency, 0, count(*), sum(promised),
             count(*) filter (where by_date >= promised), coalesce(sum(promised) filter (where by_date >= promised), 0)
      from promises group by agent_id, currency
    )
    select a.id as "agentId", a.name as "agentName", x.currency,
           sum(x.tasks_done)::int as "tasksDone", sum(x.taken)::int as "promisesTaken",
           sum(x.promised)::bigint as "amountPromised", sum(x.kept)::int as "promisesKept",
           sum(x.amount_kept)::bigint as "amountKept"
    from per_agent x join agents a on a.id = x.agent_id
    group by a.id, a.name, x.currency
    order by a.name, x.currency
  `.execute(db);
  return result.rows;
}
