import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { createActivities, type Policies } from '../activities/index.js';
import { createMailer } from '../channels/email/mailer.js';
import { LinkSigner } from '../channels/links.js';
import { createSmsSender } from '../channels/sms/sender.js';
import { CaseClient } from '../client/cases.js';
import { PayloadKeyRing } from '../crypto/key-ring.js';
import { loadMasterKeys } from '../crypto/master-keys.js';
import { EncryptionCodec, encryptedDataConverter } from '../crypto/payload-codec.js';
import { recordInvoice, recordPayment, upsertDebtor, type DebtorProfile } from '../db/billing.js';
import type { ContactChannel } from '../db/schema.js';
import { lastCaseEventId, listCaseEvents, redateCaseEventsAfter } from '../db/case-events.js';
import { markAddress } from '../db/contact-points.js';
import { migrateToLatest, openDatabase, type Database } from '../db/database.js';
import { redateSentMessage } from '../db/outbox.js';
import { loadCaseSnapshot } from '../db/snapshot.js';
import { startSmsSink } from '../dev/sms-sink.js';
import { startSmtpOutbox } from '../dev/smtp-outbox.js';
import { caseWorkflowId } from '../domain/case.js';
import { addDays, toLocal, zonedTimeToEpoch } from '../domain/contact-policy/index.js';
import { assess } from '../domain/segmentation/assess.js';
import type { Channel, SegmentId } from '../domain/segmentation/types.js';
import { addSearchAttributes } from '../runtime/temporal.js';
import { createCaseWorkers, type Activities } from '../worker/worker.js';
import type { DebtorRow } from './debtor.js';
import { profileOf } from './debtor.js';
import type { ScriptedEvent } from './script.js';

const DAY_MS = 86_400_000;
const TASK_QUEUE = 'simulation';
const TEST_SERVER = fileURLToPath(new URL('../scripts/test-server.sh', import.meta.url));
const PUBLIC_URL = 'https://mahnwerk.simulation.invalid';
const CREDITOR = {
  name: 'Creditor (simulation)',
  email: 'billing@creditor.invalid',
  phone: '+49 30 0',
  address: ['Musterstraße 1', '10115 Berlin'],
  country: 'DE',
};

/** One line of a journey: what the case did or decided, on which simulated day. */
export interface JourneyEntry {
  /** Whole days since the case opened. */
  day: number;
  at: string;
  /** Date and time in the debtor's time zone. */
  localTime: string;
  /** The timeline's event type (`contact-sent`, `segment-changed`, …). */
  type: string;
  segment: SegmentId;
  summary: string;
  step?: string;
  channel?: string;
}

export interface Journey {
  debtorId: string;
  openedAt: string;
  days: number;
  entries: JourneyEntry[];
  /** What the case says at the end: a final status, or what it waits for next. */
  final: { status: string; segment: SegmentId; next?: string | undefined; nextAt?: string | undefined };
}

export interface JourneyOptions {
  debtor: DebtorRow;
  events: readonly ScriptedEvent[];
  days: number;
  /** YYYY-MM-DD: the case opens at 09:00 debtor time that day (today or later). */
  openOn: string;
  policies: Policies;
  workflowBundle: WorkflowBundle;
  /** Called after each simulated day boundary that was passed; for a progress line. */
  onDay?: (day: number) => void;
}

/**
 * Runs the real case workflows and activities on Temporal's time-skipping test server, with an
 * in-memory database and loopback stand-ins for e-mail and SMS (nothing leaves the machine), through
 * `days` simulated days and the scripted events; returns the case's timeline as a journey.
 */
export async function simulateJourney(options: JourneyOptions): Promise<Journey> {
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    const db = openDatabase({ url: undefined });
    cleanups.push(() => db.destroy());
    await migrateToLatest(db);
    // Payloads are encrypted as in the product, with a key that lives as long as the simulation.
    const dataConverter = encryptedDataConverter(
      new EncryptionCodec(
        new PayloadKeyRing(loadMasterKeys({ keys: undefined, keyFile: undefined }, undefined), db),
      ),
    );
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      client: { dataConverter },
      server: { executable: { type: 'existing-path', path: TEST_SERVER } },
    });
    cleanups.push(() => env.teardown());
    await addSearchAttributes(env.connection, 'default');
    const outbox = await startSmtpOutbox({ port: 0 });
    cleanups.push(() => outbox.close());
    const account = { accountSid: `AC${'0'.repeat(32)}`, authToken: 'simulation', from: '+15005550006' };
    const sink = await startSmsSink({ port: 0, ...account });
    cleanups.push(() => sink.close());
    const mailer = createMailer({ smtpUrl: outbox.url, from: `${CREDITOR.name} <${CREDITOR.email}>` });
    cleanups.push(() => mailer.close());

    const activities = onSimulatedClock(
      db,
      () => env.currentTimeMs(),
      createActivities({
        db,
        mailer,
        sms: createSmsSender({ ...account, apiBaseUrl: sink.url }),
        config: { creditor: CREDITOR, http: { publicUrl: PUBLIC_URL }, portalLinkDays: 30 },
        links: new LinkSigner(randomBytes(32).toString('hex')),
        policies: options.policies,
      }),
    );
    const workers = await createCaseWorkers({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      workflowBundle: options.workflowBundle,
      activities,
      channelRates: { email: 1000, sms: 1000, letter: 1000 },
      dataConverter,
    });
    const cases = new CaseClient(env.client, TASK_QUEUE, db);

    const { debtor } = options;
    const profile = profileOf(debtor);
    const openedAt = zonedTimeToEpoch(options.openOn, '09:00', profile.timezone);
    const now = await env.currentTimeMs();
    if (openedAt < now) throw new Error(`the simulation cannot open a case in the past (${options.openOn})`);
    await env.sleep(openedAt - now);
    const currency = debtor.currency ?? 'EUR';

    const script = [...options.events].sort((a, b) => a.day - b.day);
    let opening: { segment: SegmentId } | undefined;
    let final: Awaited<ReturnType<typeof finalState>> | undefined;
    await workers.runUntil(async () => {
      const mark = await lastCaseEventId(db);
      opening = await openCase(db, cases, debtor.debtorId, profile, debtor, openedAt, options.policies);
      // What billing recorded for the opening happened at the opening, not at the wall clock's now.
      await redateCaseEventsAfter(db, mark, new Date(openedAt));
      // A day at a time: short calls to the test server (a long one can outlast the gRPC keepalive)
      // and a progress report per simulated day.
      const skipTo = async (day: number) => {
        for (;;) {
          const now = await env.currentTimeMs();
          const target = Math.min(openedAt + day * DAY_MS, now + DAY_MS);
          if (target <= now) return;
          await env.sleep(target - now);
          options.onDay?.(Math.floor((target - openedAt) / DAY_MS));
        }
      };
      for (const event of script.filter((e) => e.day <= options.days)) {
        await skipTo(event.day);
        const mark = await lastCaseEventId(db);
        await applyEvent(db, cases, debtor.debtorId, profile, currency, event, await env.currentTimeMs());
        await redateCaseEventsAfter(db, mark, new Date(await env.currentTimeMs()));
      }
      await skipTo(options.days);
      // Queried while the workers run: an open case answers its state query only through a worker.
      final = await finalState(env, cases, debtor.debtorId);
    });

    if (!opening || !final) throw new Error('the case did not open');
    const entries = journeyEntries(
      await listCaseEvents(db, debtor.debtorId, 10_000),
      openedAt,
      profile.timezone,
      opening.segment,
    );
    return {
      debtorId: debtor.debtorId,
      openedAt: new Date(openedAt).toISOString(),
      days: options.days,
      entries,
      final: { ...final, segment: entries.at(-1)?.segment ?? opening.segment },
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

/** Records the debtor and the invoice as billing would, and opens the case in its segment's workflow. */
async function openCase(
  db: Database,
  cases: CaseClient,
  debtorId: string,
  profile: DebtorProfile,
  debtor: DebtorRow,
  now: number,
  policies: Policies,
): Promise<{ segment: SegmentId }> {
  const currency = debtor.currency ?? 'EUR';
  await upsertDebtor(db, debtorId, profile);
  for (const point of debtor.contactPoints) {
    if (!point.optedOut && !point.invalid) continue;
    const contact = contactPointOf(profile, point.channel);
    if (!contact) continue;
    await markAddress(db, {
      ...contact,
      set: point.optedOut ? { opted_out_at: new Date(now) } : { invalid_at: new Date(now) },
      unless: point.optedOut ? 'opted_out_at' : 'invalid_at',
      event: () => ({
        source: 'system',
        type: point.optedOut ? 'opted-out' : 'contact-invalid',
        summary: `${point.channel} ${point.optedOut ? 'opted out' : 'invalid'} before the case opened`,
      }),
    });
  }
  const dueDate = addDays(toLocal(now, profile.timezone).date, -debtor.daysPastDue);
  await recordInvoice(db, debtorId, 'simulated-invoice', {
    currency,
    amountDue: debtor.openAmount,
    dueDate,
    issuedAt: new Date(now - (debtor.daysPastDue + 30) * DAY_MS).toISOString(),
  });
  const facts = await loadCaseSnapshot(db, debtorId, new Date(now));
  const assessment = assess(facts.snapshot, policies.segmentation);
  await cases.invoiceRecorded(
    debtorId,
    { invoiceId: 'simulated-invoice', amountDue: debtor.openAmount, currency },
    {
      assessment,
      overdueSince: facts.oldestDueDate,
      openAmount: debtor.openAmount,
      strategy: policies.strategies[assessment.segment],
      facts,
    },
  );
  return { segment: assessment.segment };
}

async function applyEvent(
  db: Database,
  cases: CaseClient,
  debtorId: string,
  profile: DebtorProfile,
  currency: string,
  event: ScriptedEvent,
  now: number,
): Promise<void> {
  switch (event.kind) {
    case 'payment': {
      const payment = { paymentId: `simulated-payment-day-${event.day}`, amount: event.amount, currency };
      await recordPayment(db, debtorId, { ...payment, paidAt: new Date(now).toISOString() });
      await cases.paymentRecorded(debtorId);
      return;
    }
    case 'promise':
      await ignoreRejection(() =>
        cases.promiseToPay(debtorId, {
          date: addDays(toLocal(now, profile.timezone).date, event.inDays),
          source: 'api',
        }),
      );
      return;
    case 'dispute':
      await ignoreRejection(() => cases.openDispute(debtorId, { reason: 'simulated', source: 'api' }));
      return;
    case 'dispute-resolved':
      await ignoreRejection(() => cases.resolveDispute(debtorId, 'resume'));
      return;
    case 'opt-out': {
      const contact = contactPointOf(profile, event.channel);
      if (!contact) return;
      await markAddress(db, {
        ...contact,
        set: { opted_out_at: new Date(now) },
        unless: 'opted_out_at',
        event: () => ({ source: 'debtor', type: 'opted-out', summary: `Opted out of ${event.channel}` }),
      });
      await cases.contactDataChanged(debtorId);
      return;
    }
  }
}

/** A scripted event the case refuses (a closed case, a promise too far out) is part of the journey. */
async function ignoreRejection(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch {
    // The refusal shows in the journey by what does not happen; the workflow recorded nothing.
  }
}

/** The stored contact point of a channel; letters have none (they go to the postal address). */
function contactPointOf(
  profile: DebtorProfile,
  channel: Channel,
): { channel: ContactChannel; address: string } | undefined {
  if (channel === 'letter') return undefined;
  const address = channel === 'email' ? profile.email : profile.phone;
  return address ? { channel, address } : undefined;
}

async function finalState(
  env: TestWorkflowEnvironment,
  cases: CaseClient,
  debtorId: string,
): Promise<{ status: string; next?: string | undefined; nextAt?: string | undefined }> {
  const description = await env.client.workflow.getHandle(caseWorkflowId(debtorId)).describe();
  if (description.status.name !== 'RUNNING') return { status: description.status.name.toLowerCase() };
  const state = await cases.state(debtorId);
  return { status: state.status, next: state.nextStep ?? undefined, nextAt: state.nextStepAt ?? undefined };
}

/**
 * Every activity dates what it recorded at the simulated instant it was scheduled for. A local
 * activity runs inside its workflow task, while the test server's clock stands still: its instant
 * is the server's now (the SDK dates it by the worker's own clock).
 */
function onSimulatedClock(
  db: Database,
  serverNow: () => Promise<number>,
  activities: Activities,
): Activities {
  const wrapped: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, activity] of Object.entries(activities) as [
    string,
    (...a: never[]) => Promise<unknown>,
  ][]) {
    wrapped[name] = async (...args) => {
      const mark = await lastCaseEventId(db);
      const result = await activity(...args);
      const { isLocal, currentAttemptScheduledTimestampMs } = Context.current().info;
      const at = new Date(isLocal ? await serverNow() : currentAttemptScheduledTimestampMs);
      await redateCaseEventsAfter(db, mark, at);
      const key = sentMessageKey(name, args, result);
      if (key) await redateSentMessage(db, key, at);
      return result;
    };
  }
  return wrapped as unknown as Activities;
}

function sentMessageKey(name: string, args: readonly unknown[], result: unknown): string | undefined {
  if (name !== 'sendMessage') return undefined;
  const input = args[0] as { idempotencyKey?: unknown } | undefined;
  const outcome = (result as { outcome?: unknown } | undefined)?.outcome;
  return outcome === 'sent' && typeof input?.idempotencyKey === 'string' ? input.idempotencyKey : undefined;
}

const SEGMENT_CHANGE = /→ ([a-z-]+)/;

function journeyEntries(
  events: readonly { at: Date; type: string; summary: string; data: Record<string, unknown> }[],
  openedAt: number,
  timezone: string,
  openingSegment: SegmentId,
): JourneyEntry[] {
  let segment = openingSegment;
  return events.map((event) => {
    const at = event.at.getTime();
    if (event.type === 'segment-changed') {
      const to = typeof event.data.to === 'string' ? event.data.to : SEGMENT_CHANGE.exec(event.summary)?.[1];
      if (to) segment = to as SegmentId;
    }
    const local = toLocal(at, timezone);
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return {
      day: Math.floor((at - openedAt) / DAY_MS),
      at: new Date(at).toISOString(),
      localTime: `${local.date} ${local.time}`,
      type: event.type,
      segment,
      summary: event.summary,
      ...(text(event.data.step) && { step: text(event.data.step) }),
      ...(text(event.data.channel) && { channel: text(event.data.channel) }),
    };
  });
}
