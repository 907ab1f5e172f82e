import path from 'node:path';
import { Context } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { createMailer, type Mailer } from '../channels/email/mailer.js';
import { CaseClient } from '../client/cases.js';
import { recordInvoice, recordPayment, upsertDebtor, type DebtorProfile } from '../db/billing.js';
import { migrateToLatest, openDatabase, type Database } from '../db/database.js';
import { loadCaseSnapshot } from '../db/snapshot.js';
import { startSmtpOutbox, type SmtpOutbox } from '../dev/smtp-outbox.js';
import { caseWorkflowId, type CaseOutcome } from '../domain/case.js';
import {
  contactWindowFor,
  defaultContactPolicyConfig,
  isPublicHoliday,
  parseTime,
  toLocal,
} from '../domain/contact-policy/index.js';
import { days } from '../domain/dates.js';
import { assess } from '../domain/segmentation/assess.js';
import { addSearchAttributes } from '../runtime/temporal.js';
import { testActivityDeps } from './setup/activities.js';
import { eventTime, runsOf } from './setup/activity-calls.js';
import { caseWorkersFor } from './setup/harness.js';

/**
 * Random debtors, random events over 30 simulated days, one time-skipping server for all runs
 * (its clock only moves forward; every run has its own debtor). After each run, every e-mail the
 * product sent is checked against the contact policy, the consents, payments and disputes.
 */

const taskQueue = 'property-workflow-tests';
const HOUR = 3_600_000;
const RUN_DAYS = 30;
const NUM_RUNS = Number(process.env.MAHNWERK_PROPERTY_RUNS ?? 10);
let env: TestWorkflowEnvironment;
let db: Database;
let outbox: SmtpOutbox;
let mailer: Mailer;
let cases: CaseClient;
let plain: Client;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: path.resolve('scripts/test-server.sh') } },
  });
  await addSearchAttributes(env.connection, 'default');
  cases = new CaseClient(env.client, taskQueue);
  plain = new Client({ connection: env.connection, namespace: 'default' });
  db = openDatabase({ url: undefined });
  await migrateToLatest(db);
  outbox = await startSmtpOutbox({ port: 0 });
  mailer = createMailer({ smtpUrl: outbox.url, from: 'Creditor <billing@creditor.test>' });
});

afterAll(async () => {
  mailer?.close();
  await outbox?.close();
  await db?.destroy();
  await env?.teardown();
});

type Activities = ReturnType<typeof createActivities>;

/**
 * The real activities. One adaptation to the test server: activities read the wall clock, which on
 * a time-skipping server lags the workflows' clock by the skipped time; the outbox row's `sent_at`
 * (the contact history the caps are computed from) is set to the simulated instant of the send, as
 * it is in production where both clocks agree.
 */
async function withWorker(run: () => Promise<void>): Promise<void> {
  const real: Activities = createActivities(testActivityDeps(db, mailer));
  const activities: Activities = {
    ...real,
    async sendMessage(input) {
      const result = await real.sendMessage(input);
      if (result.outcome === 'sent') {
        await db
          .updateTable('outbox')
          .set({ sent_at: new Date(Context.current().info.currentAttemptScheduledTimestampMs) })
          .where('idempotency_key', '=', input.idempotencyKey)
          .execute();
      }
      return result;
    },
  };
  const workers = await caseWorkersFor(env.nativeConnection, taskQueue, activities);
  await workers.runUntil(run);
}

// --- history ------------------------------------------------------------------------------------

interface Send {
  at: number;
  channel: string;
  step: string;
  outcome: string;
}

/** Every sendMessage call of the case (all runs), with its simulated schedule time and outcome. */
async function sendsOf(debtorId: string): Promise<Send[]> {
  const sends: Send[] = [];
  for (const events of await runsOf(env, debtorId)) {
    for (const e of events) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name !== 'sendMessage') continue;
      const payload = scheduled.input?.payloads?.[0];
      const input = payload ? defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload) : {};
      const completed = events.find(
        (c) => Number(c.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1) === Number(e.eventId),
      );
      const resultPayload = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      const result = resultPayload
        ? defaultPayloadConverter.fromPayload<Record<string, unknown>>(resultPayload)
        : undefined;
      sends.push({
        at: eventTime(e),
        channel: String(input.channel),
        step: String(input.stepLabel),
        outcome: String(result?.outcome ?? 'none'),
      });
    }
  }
  return sends;
}

// --- the generated scenario ---------------------------------------------------------------------

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'America/Los_Angeles',
  'Asia/Tokyo',
  'Asia/Kolkata',
  'Australia/Sydney',
  'Pacific/Auckland',
  'UTC',
] as const;

const profileArb = fc.record({
  timezone: fc.constantFrom(...ZONES),
  country: fc.constantFrom('DE', 'US', null),
  locale: fc.constantFrom('de' as const, 'en' as const),
  hasEmail: fc.constantFrom(true, true, true, false),
  emailConsent: fc.constantFrom(true, true, true, false),
  phone: fc.boolean(),
  smsConsent: fc.boolean(),
  callConsent: fc.boolean(),
  digitalAffinity: fc.constantFrom('high' as const, 'medium' as const, 'low' as const, undefined),
  customerValue: fc.constantFrom('A' as const, 'B' as const, 'C' as const, undefined, undefined, undefined),
  onTimeRate: fc.constantFrom(undefined, 95, 85, 60, 30),
  brokenPromises: fc.constantFrom(0, 0, 0, 1, 2),
  amount: fc.oneof(
    { arbitrary: fc.integer({ min: 500, max: 2500 }), weight: 1 },
    { arbitrary: fc.integer({ min: 2501, max: 100_000 }), weight: 3 },
    { arbitrary: fc.integer({ min: 500_000, max: 900_000 }), weight: 1 },
  ),
  pastDueDays: fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 60 }), weight: 4 },
    { arbitrary: fc.integer({ min: 90, max: 120 }), weight: 1 },
  ),
});
type Profile = typeof profileArb extends fc.Arbitrary<infer T> ? T : never;

const eventArb = fc.oneof(
  fc.record({ kind: fc.constant('pay' as const), percent: fc.integer({ min: 5, max: 95 }) }),
  fc.record({ kind: fc.constant('pay-full' as const) }),
  fc.record({
    kind: fc.constant('promise' as const),
    inDays: fc.integer({ min: 1, max: 25 }),
    partial: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('dispute' as const), resolveAfterHours: fc.integer({ min: 1, max: 240 }) }),
  fc.record({ kind: fc.constant('opt-out' as const) }),
);
const timedEventsArb = fc.array(
  fc.record({
    // Half of the events in the first two days, where the first contacts and segment changes meet.
    atMinutes: fc.oneof(
      fc.integer({ min: 1, max: 2 * 24 * 60 }),
      fc.integer({ min: 1, max: RUN_DAYS * 24 * 60 - 1 }),
    ),
    event: eventArb,
  }),
  { maxLength: 6 },
);

type Action =
  | { at: number; kind: 'pay'; percent: number }
  | { at: number; kind: 'pay-full' }
  | { at: number; kind: 'promise'; inDays: number; partial: boolean }
  | { at: number; kind: 'dispute' }
  | { at: number; kind: 'resolve' }
  | { at: number; kind: 'opt-out' };

function actionsOf(events: Timed[]): Action[] {
  const actions: Action[] = [];
  for (const { atMinutes, event } of events) {
    const at = atMinutes * 60_000;
    if (event.kind === 'dispute') {
      actions.push({ at, kind: 'dispute' });
      const resolveAt = at + event.resolveAfterHours * HOUR;
      if (resolveAt < days(RUN_DAYS)) actions.push({ at: resolveAt, kind: 'resolve' });
    } else if (event.kind === 'pay') {
      actions.push({ at, kind: 'pay', percent: event.percent });
    } else if (event.kind === 'promise') {
      actions.push({ at, kind: 'promise', inDays: event.inDays, partial: event.partial });
    } else {
      actions.push({ at, kind: event.kind });
    }
  }
  return actions.sort((a, b) => a.at - b.at);
}
type Timed = typeof timedEventsArb extends fc.Arbitrary<(infer T)[]> ? T : never;

function debtorProfile(p: Profile, email: string): DebtorProfile {
  return {
    name: 'Property Debtor',
    locale: p.locale,
    timezone: p.timezone,
    country: p.country ?? undefined,
    email: p.hasEmail ? email : undefined,
    phone: p.phone ? '+4915100000000' : undefined,
    consents: { email: p.emailConsent, sms: p.smsConsent, call: p.callConsent },
    digitalAffinity: p.digitalAffinity,
    customerValue: p.customerValue,
    paymentHistory: {
      onTimeRate: p.onTimeRate === undefined ? undefined : p.onTimeRate / 100,
      brokenPromises: p.brokenPromises,
    },
  };
}

// --- what happened, in simulated time -----------------------------------------------------------

interface Observed {
  /** [from, to): the case was disputed (from the accepted update to the resolve call). */
  disputes: [number, number][];
  /** [from, to): a promise paused outreach. */
  promises: [number, number][];
  optedOutAt: number;
  paidAt: number;
  log: string[];
}

let runNumber = 0;

async function runScenario(p: Profile, timed: Timed[]): Promise<void> {
  const id = `prop-${++runNumber}-${Date.now().toString(36)}`;
  const email = `${id}@example.com`;
  const debtor = debtorProfile(p, email);
  const actions = actionsOf(timed);
  const start = await env.currentTimeMs();
  const now = () => env.currentTimeMs();
  const handle = env.client.workflow.getHandle(caseWorkflowId(id));
  const seen: Observed = { disputes: [], promises: [], optedOutAt: Infinity, paidAt: Infinity, log: [] };
  let open = p.amount;
  let payments = 0;

  await upsertDebtor(db, id, debtor);
  const dueDate = new Date(start - days(p.pastDueDays)).toISOString().slice(0, 10);
  await recordInvoice(db, id, 'inv-1', {
    currency: 'EUR',
    amountDue: p.amount,
    dueDate,
    issuedAt: '2026-01-01T08:00:00Z',
  });
  const { snapshot } = await loadCaseSnapshot(db, id, new Date(start));
  const assessment = assess(snapshot);
  await cases.invoiceRecorded(
    id,
    { invoiceId: 'inv-1', amountDue: p.amount, currency: 'EUR' },
    { assessment, daysPastDue: snapshot.daysPastDue, amountDue: p.amount },
  );
  seen.log.push(`${id}: ${assessment.segment}`);

  const pay = async (amount: number) => {
    const paymentId = `${id}-p${++payments}`;
    const { openAmount } = await recordPayment(db, id, {
      paymentId,
      amount,
      currency: 'EUR',
      paidAt: new Date(await now()).toISOString(),
    });
    open = openAmount;
    if (open <= 0) seen.paidAt = Math.min(seen.paidAt, await now());
    await cases.paymentRecorded(id, { paymentId, amount, currency: 'EUR' });
  };
  const update = async (what: string, call: () => Promise<unknown>): Promise<boolean> => {
    try {
      await call();
      seen.log.push(`  ${what}: accepted`);
      return true;
    } catch (error) {
      seen.log.push(`  ${what}: rejected (${error instanceof Error ? error.message : String(error)})`);
      return false;
    }
  };

  for (const action of actions) {
    await env.sleep(Math.max(0, start + action.at - (await now())));
    seen.log.push(`  +${(action.at / days(1)).toFixed(2)} d ${action.kind}`);
    switch (action.kind) {
      case 'pay':
        if (open > 0) await pay(Math.max(1, Math.floor((open * action.percent) / 100)));
        break;
      case 'pay-full':
        if (open > 0) await pay(open);
        break;
      case 'promise': {
        const date = toLocal((await now()) + days(action.inDays), p.timezone).date;
        const amount = action.partial ? Math.max(1, Math.floor(open / 2)) : undefined;
        if (await update('promise', () => cases.promiseToPay(id, { date, amount, source: 'api' }))) {
          const from = await now();
          const until = Date.parse((await cases.state(id)).promisedUntil ?? '');
          const last = seen.promises.at(-1);
          if (last && last[1] > from) last[1] = from;
          if (!Number.isNaN(until)) seen.promises.push([from, until]);
        }
        break;
      }
      case 'dispute':
        if (await update('dispute', () => cases.openDispute(id, { reason: 'amount wrong', source: 'api' }))) {
          seen.disputes.push([await now(), Infinity]);
        }
        break;
      case 'resolve': {
        const at = await now();
        // The case knows one dispute state: a second dispute while disputed changes nothing, and
        // one resolve ends them all.
        if (await update('resolve', () => cases.resolveDispute(id, 'resume'))) {
          for (const dispute of seen.disputes) if (dispute[1] === Infinity) dispute[1] = at;
        }
        break;
      }
      case 'opt-out':
        await db
          .updateTable('contact_points')
          .set({ opted_out_at: new Date(await now()) })
          .where('debtor_id', '=', id)
          .where('channel', '=', 'email')
          .execute();
        seen.optedOutAt = Math.min(seen.optedOutAt, await now());
        await cases.contactDataChanged(id);
        break;
    }
  }
  await env.sleep(Math.max(0, start + days(RUN_DAYS) - (await now())));

  // Close the case so that the shared server has no timers left: pay the rest, or cancel.
  if ((await handle.describe()).status.name === 'RUNNING') {
    const disputed = seen.disputes.some(([, to]) => to === Infinity);
    if (open > 0 && !disputed) await pay(open);
    else await cases.cancel(id, 'property run over');
  }
  // A plain client: the time-skipping client's result() unlocks time skipping, and the test server
  // then jumps to the 10-year run timeout it keeps for every closed workflow.
  const outcome = (await plain.workflow.getHandle(caseWorkflowId(id)).result()) as CaseOutcome;
  seen.log.push(
    `  closed: ${outcome.status} at +${((Date.parse(outcome.closedAt) - start) / days(1)).toFixed(2)} d`,
  );

  const sends = await sendsOf(id);
  const violations = check(p, debtor, sends, seen);
  const sent = sends.filter((s) => s.outcome === 'sent');
  const outboxRows = await db
    .selectFrom('outbox')
    .select(['status'])
    .where('debtor_id', '=', id)
    .where('status', '=', 'sent')
    .execute();
  if (outboxRows.length !== sent.length) {
    violations.push(`history shows ${sent.length} sent, the outbox table ${outboxRows.length}`);
  }
  const mails = outbox.messages().filter((m) => m.to.includes(email)).length;
  if (mails !== sent.length) violations.push(`history shows ${sent.length} sent, SMTP received ${mails}`);
  for (const s of sends) {
    seen.log.push(
      `  ${s.step} by ${s.channel}: ${s.outcome} at ${fmt(s.at, p.timezone)} (+${((s.at - start) / days(1)).toFixed(2)} d)`,
    );
  }
  if (process.env.MAHNWERK_PROPERTY_LOG) console.log(seen.log.join('\n'));
  expect(violations, seen.log.join('\n')).toEqual([]);
}

const fmt = (at: number, tz: string): string => {
  const l = toLocal(at, tz);
  return `${l.date} ${l.time} (weekday ${l.weekday}) ${tz}`;
};

function check(p: Profile, debtor: DebtorProfile, sends: Send[], seen: Observed): string[] {
  const violations: string[] = [];
  const caps = defaultContactPolicyConfig.caps;
  const window = contactWindowFor(p.country);
  const perDay = new Map<string, number>();
  for (const s of sends) {
    if (s.outcome !== 'sent' && s.outcome !== 'already-sent') continue;
    const what = `${s.step} by ${s.channel} at ${fmt(s.at, p.timezone)}`;
    const l = toLocal(s.at, p.timezone);
    const inWindow =
      window.days.includes(l.weekday) &&
      l.secondOfDay >= parseTime(window.start) &&
      l.secondOfDay < parseTime(window.end) &&
      !(window.holidays && p.country && isPublicHoliday(l.date, p.country));
    if (!inWindow) violations.push(`${what}: outside the contact window ${window.start}–${window.end}`);
    if (s.channel !== 'email') violations.push(`${what}: only e-mail can be sent`);
    if (!debtor.email || !p.emailConsent) violations.push(`${what}: no e-mail address with consent`);
    if (s.at >= seen.optedOutAt) violations.push(`${what}: after the opt-out`);
    if (s.at >= seen.paidAt) violations.push(`${what}: after the case was paid`);
    for (const [from, to] of seen.disputes) {
      if (s.at >= from && s.at < to) violations.push(`${what}: while disputed`);
    }
    for (const [from, to] of seen.promises) {
      if (s.at >= from && s.at < to) violations.push(`${what}: while a promise to pay held`);
    }
    perDay.set(l.date, (perDay.get(l.date) ?? 0) + 1);
  }
  for (const [date, count] of perDay) {
    if (count > Math.min(caps.email.maxPerDay, caps.overall.maxPerDay)) {
      violations.push(`${count} e-mails on ${date} (cap ${caps.email.maxPerDay} a day)`);
    }
  }
  return violations;
}

describe('contact policy holds in whole workflows (property, time-skipping)', () => {
  it('random debtors and events over 30 simulated days: no e-mail outside the window, above the cap, without consent, after payment or while disputed', async () => {
    await withWorker(async () => {
      await fc.assert(
        fc.asyncProperty(profileArb, timedEventsArb, async (p, timed) => runScenario(p, timed)),
        {
          numRuns: NUM_RUNS,
          // A run takes seconds: report the first counterexample instead of shrinking for an hour.
          endOnFailure: true,
          ...(process.env.MAHNWERK_PROPERTY_SEED ? { seed: Number(process.env.MAHNWERK_PROPERTY_SEED) } : {}),
        },
      );
    });
  }, 1_200_000);
});
