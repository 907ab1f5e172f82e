import { Client } from '@temporalio/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordPayment, type DebtorProfile } from '../db/billing.js';
import { caseWorkflowId, type CaseOutcome } from '../domain/case.js';
import {
  contactWindowFor,
  defaultContactPolicyConfig,
  isPublicHoliday,
  parseTime,
  toLocal,
} from '../domain/contact-policy/index.js';
import { days } from '../domain/dates.js';
import { REASSESS_EVERY_DAYS } from '../domain/strategies/defaults.js';
import { activityCalls } from './setup/activity-calls.js';
import { eventually } from './setup/eventually.js';
import { caseWorld } from './setup/time-skipping.js';

/**
 * Random debtors, random events over a simulated year (RUN_DAYS), one time-skipping server for all runs
 * (caseWorld gives each test its own, and the runs share one test: its clock only moves forward;
 * every run has its own debtor). After each run, every e-mail the
 * product sent is checked against the contact policy, the consents, payments and disputes; at
 * checkpoints at most CHECK_EVERY_DAYS apart, the case is closed or has a next decision dated at most
 * REASSESS_EVERY_DAYS ahead (no case dead-ends).
 */

const HOUR = 3_600_000;
/** A year per run: long enough for every strategy to reach its next stages. Few runs keep CI near a minute. */
const RUN_DAYS = Number(process.env.MAHNWERK_PROPERTY_DAYS ?? 365);
const NUM_RUNS = Number(process.env.MAHNWERK_PROPERTY_RUNS ?? 3);
/** Seeded, so CI runs the same sequences; a failure prints its seed and path to replay it. */
const SEED = Number(process.env.MAHNWERK_PROPERTY_SEED ?? 20261201);
const CHECK_EVERY_DAYS = 7;
const { world, withWorker, sleepUntil, openCase, mailsTo } = caseWorld('property-workflow-tests', {
  sentAtOnTestClock: true,
});

// --- history ------------------------------------------------------------------------------------

interface Send {
  at: number;
  channel: string;
  step: string;
  outcome: string;
}

/** Every sendMessage call of the case (all runs), with its simulated schedule time and outcome. */
async function sendsOf(debtorId: string): Promise<Send[]> {
  return (await activityCalls(world.env, debtorId, 'sendMessage')).map((c) => ({
    at: c.at,
    channel: String(c.input.channel),
    step: String(c.input.stepLabel),
    outcome: String(c.result?.outcome ?? 'none'),
  }));
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
  /** Checkpoints where the open case had no next decision within REASSESS_EVERY_DAYS. */
  stalls: string[];
  log: string[];
}

/** Undefined when the case is closed or decides within REASSESS_EVERY_DAYS; else what was seen. */
async function stall(id: string, tz: string): Promise<string | undefined> {
  const handle = world.env.client.workflow.getHandle(caseWorkflowId(id));
  const read = async (): Promise<string | undefined> => {
    if ((await handle.describe()).status.name !== 'RUNNING') return undefined;
    const state = await world.cases.state(id);
    const now = await world.env.currentTimeMs();
    if (state.closedAt) return undefined;
    const next = state.nextDecisionAt;
    if (next && Date.parse(next) <= now + days(REASSESS_EVERY_DAYS)) return undefined;
    return `at ${fmt(now, tz)}: open (${state.status}, step ${state.currentStep}), next decision ${next ?? 'none'}`;
  };
  // A moment for the worker to finish a workflow task the clock has just woken.
  return eventually(read, (seen) => seen === undefined, 2_000);
}

let runNumber = 0;

async function runScenario(p: Profile, timed: Timed[]): Promise<void> {
  const id = `prop-${++runNumber}-${Date.now().toString(36)}`;
  const email = `${id}@example.com`;
  const debtor = debtorProfile(p, email);
  const actions = actionsOf(timed);
  const start = await world.env.currentTimeMs();
  const now = () => world.env.currentTimeMs();
  const seen: Observed = {
    disputes: [],
    promises: [],
    optedOutAt: Infinity,
    paidAt: Infinity,
    stalls: [],
    log: [],
  };
  let open = p.amount;
  let payments = 0;

  const handle = await openCase(id, debtor, p.amount, p.pastDueDays);
  seen.log.push(`${id}: ${(await handle.describe()).type}`);

  /** Moves the clock to `at`, checking for a stall at least every CHECK_EVERY_DAYS. */
  const advanceTo = async (at: number) => {
    for (let t = await now(); t < at; t = await now()) {
      await sleepUntil(Math.min(at, t + days(CHECK_EVERY_DAYS)));
      const stalled = await stall(id, p.timezone);
      if (stalled) seen.stalls.push(stalled);
    }
  };

  const pay = async (amount: number) => {
    const paymentId = `${id}-p${++payments}`;
    const { openAmount } = await recordPayment(world.db, id, {
      paymentId,
      amount,
      currency: 'EUR',
      paidAt: new Date(await now()).toISOString(),
    });
    open = openAmount;
    if (open <= 0) seen.paidAt = Math.min(seen.paidAt, await now());
    await world.cases.paymentRecorded(id);
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
    await advanceTo(start + action.at);
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
        if (await update('promise', () => world.cases.promiseToPay(id, { date, amount, source: 'api' }))) {
          const from = await now();
          const until = Date.parse((await world.cases.state(id)).promisedUntil ?? '');
          const last = seen.promises.at(-1);
          if (last && last[1] > from) last[1] = from;
          if (!Number.isNaN(until)) seen.promises.push([from, until]);
        }
        break;
      }
      case 'dispute':
        if (
          await update('dispute', () =>
            world.cases.openDispute(id, { reason: 'amount wrong', source: 'api' }),
          )
        ) {
          seen.disputes.push([await now(), Infinity]);
        }
        break;
      case 'resolve': {
        const at = await now();
        // The case knows one dispute state: a second dispute while disputed changes nothing, and
        // one resolve ends them all.
        if (await update('resolve', () => world.cases.resolveDispute(id, 'resume'))) {
          for (const dispute of seen.disputes) if (dispute[1] === Infinity) dispute[1] = at;
        }
        break;
      }
      case 'opt-out':
        await world.db
          .updateTable('contact_points')
          .set({ opted_out_at: new Date(await now()) })
          .where('debtor_id', '=', id)
          .where('channel', '=', 'email')
          .execute();
        seen.optedOutAt = Math.min(seen.optedOutAt, await now());
        await world.cases.contactDataChanged(id);
        break;
    }
  }
  await advanceTo(start + days(RUN_DAYS));

  // Close the case so that the shared server has no timers left: pay the rest, or cancel.
  if ((await handle.describe()).status.name === 'RUNNING') {
    const disputed = seen.disputes.some(([, to]) => to === Infinity);
    if (open > 0 && !disputed) await pay(open);
    else await world.cases.cancel(id, 'property run over');
  }
  // A plain client: the time-skipping client's result() unlocks time skipping, and the test server
  // then jumps to the 10-year run timeout it keeps for every closed workflow.
  const plain = new Client({
    connection: world.env.connection,
    namespace: 'default',
    dataConverter: world.dataConverter,
  });
  const outcome = (await plain.workflow.getHandle(caseWorkflowId(id)).result()) as CaseOutcome;
  seen.log.push(
    `  closed: ${outcome.status} at +${((Date.parse(outcome.closedAt) - start) / days(1)).toFixed(2)} d`,
  );

  const sends = await sendsOf(id);
  const violations = [...check(p, debtor, sends, seen), ...seen.stalls.map((s) => `dead end ${s}`)];
  const sent = sends.filter((s) => s.outcome === 'sent');
  const outboxRows = await world.db
    .selectFrom('outbox')
    .select(['status'])
    .where('debtor_id', '=', id)
    .where('status', '=', 'sent')
    .execute();
  if (outboxRows.length !== sent.length) {
    violations.push(`history shows ${sent.length} sent, the outbox table ${outboxRows.length}`);
  }
  const mails = mailsTo(email).length;
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
  it('random debtors and events over 365 simulated days: no e-mail outside the window, above the cap, without consent, after payment or while disputed; never an open case without a next decision within 7 days', async () => {
    await withWorker(async () => {
      await fc.assert(
        fc.asyncProperty(profileArb, timedEventsArb, async (p, timed) => runScenario(p, timed)),
        {
          numRuns: NUM_RUNS,
          // A run takes seconds: report the first counterexample instead of shrinking for an hour.
          endOnFailure: true,
          seed: SEED,
        },
      );
    });
  }, 1_200_000);
});
