import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import type { createActivities, SendMessageInput } from '../activities/index.js';
import type { CaseSnapshot } from '../db/snapshot.js';
import { WorkflowUpdateStage } from '@temporalio/client';
import { caseWorkflowId, stateAfterSend, type CaseInput } from '../domain/case.js';
import { days } from '../domain/dates.js';
import { toLocal } from '../domain/contact-policy/index.js';
import { defaultPolicies } from '../config/policy-file.js';
import { addSearchAttributes } from '../runtime/temporal.js';
import {
  caseStateQuery,
  invoiceRecordedSignal,
  paymentRecordedSignal,
  promiseToPayUpdate,
  resolveDisputeUpdate,
  resumeUpdate,
} from '../workflows/messages.js';
import { eventually } from './setup/eventually.js';
import type { HistoryEvent } from './setup/histories.js';
import { rejectionOf } from './setup/updates.js';
import { sharedBundle, zoneAtHour } from './setup/harness.js';

/**
 * The fast tier: the real workflow code on the time-skipping server with typed stand-ins for the
 * activities (no database, no SMTP), for validators, handlers and step order. The end-to-end tier
 * (workflow.segments*.test.ts) runs the same workflows with the real activities.
 */
type Activities = ReturnType<typeof createActivities>;
type CaseReport = Parameters<Activities['reportCase']>[0];

/**
 * A self-service debtor with an e-mail address, 20 days past due, in the US: contact is allowed
 * every day there and on holidays, so which days the steps fall on does not depend on the date the
 * time-skipping server's clock starts at (the wall clock's).
 */
function debtorFacts(openAmount: number, timezone: string): CaseSnapshot {
  return {
    snapshot: {
      debtorId: 'fast',
      locale: 'de',
      timezone,
      country: 'US',
      flags: [],
      customerValue: null,
      digitalAffinity: 'high',
      preferredChannel: null,
      paymentHistory: { onTimeRate: 0.95 },
      openAmount,
      currency: 'EUR',
      daysPastDue: 20,
      openInvoiceCount: openAmount > 0 ? 1 : 0,
      contactPoints: [{ channel: 'email', consent: true, optedOut: false, invalid: false }],
      brokenPromisesInCase: 0,
      portalVisits: 0,
    },
    history: [],
    paidTotal: 0,
    claimWithdrawn: false,
  };
}

/** An event's kind, with the activity or marker it is about: `activityTaskScheduled:sendMessage`. */
function kindOf(event: HistoryEvent): string {
  const [attribute, value] =
    Object.entries(event).find(([key, v]) => key.endsWith('EventAttributes') && v) ?? [];
  const about = value as { activityType?: { name?: string }; markerName?: string } | undefined;
  const detail = about?.activityType?.name ?? about?.markerName;
  return `${attribute?.replace('EventAttributes', '')}${detail ? `:${detail}` : ''}`;
}

/** Stand-ins that record what the workflow asked for; `openAmount` is the debtor's balance. */
function standIns() {
  let releasePolicies = () => {};
  const policiesRead = new Promise<void>((resolve) => (releasePolicies = resolve));
  const calls = {
    /** Policies are read at once unless a test holds them back. */
    holdPolicies: false,
    releasePolicies: () => releasePolicies(),
    sends: [] as { input: SendMessageInput; at: number }[],
    reports: [] as CaseReport[],
    /** How often the workflow read the facts, and how often it had when each report came. */
    reads: 0,
    readsAtReport: [] as number[],
    /** Per read, whether it asked for the database's urgent lane. */
    urgentReads: [] as (boolean | undefined)[],
    openAmount: 9900,
    /** The debtor's zone in the facts read; runCase sets it. */
    timezone: 'UTC',
  };
  const facts = () => debtorFacts(calls.openAmount, calls.timezone);
  const activities = {
    async loadPolicies() {
      if (calls.holdPolicies) await policiesRead;
      return defaultPolicies();
    },
    async loadCaseSnapshot({ urgent }: Parameters<Activities['loadCaseSnapshot']>[0]) {
      calls.reads++;
      calls.urgentReads.push(urgent);
      return facts();
    },
    async reportCase(report: CaseReport) {
      calls.readsAtReport.push(calls.reads);
      calls.reports.push(report);
    },
    async sendMessage({
      report,
      ...input
    }: Parameters<Activities['sendMessage']>[0]): ReturnType<Activities['sendMessage']> {
      if (calls.openAmount <= 0) return { outcome: 'skipped', reason: 'paid' };
      // The simulated moment of the send: the time-skipping server's clock, not the wall clock.
      calls.sends.push({ input, at: Context.current().info.currentAttemptScheduledTimestampMs });
      if (!report) return { outcome: 'sent' };
      // As the real send does: the step's report with the facts read after it, the wait from now.
      const { nextAfterMs, ...stored } = report;
      const at = Context.current().info.currentAttemptScheduledTimestampMs;
      const after = facts();
      const state = stateAfterSend(stored.state, after.snapshot, at, nextAfterMs);
      calls.readsAtReport.push(calls.reads);
      calls.reports.push({ ...stored, state });
      return { outcome: 'sent', reported: { facts: after, at } };
    },
    async createAgentTask() {},
    async withdrawAgentTask() {},
  } satisfies Partial<Activities>;
  return { calls, activities };
}

describe('case workflow logic with stand-in activities (fast tier)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: path.resolve('scripts/test-server.sh') } },
    });
    await addSearchAttributes(env.connection, 'default');
  });
  afterAll(async () => {
    await env?.teardown();
  });

  /** A zone where it is about noon now: a case opened there may contact at once. */
  async function middayZone(): Promise<string> {
    return zoneAtHour(await env.currentTimeMs(), [11, 12, 13]);
  }

  async function runCase(
    name: string,
    test: (ctx: ReturnType<typeof standIns> & { id: string }) => Promise<void>,
    options: {
      holdPolicies?: boolean;
      /** Started as billing starts a case (signal-with-start of the invoice), with these facts. */
      openingFacts?: unknown;
    } = {},
  ) {
    const ctx = { ...standIns(), id: name };
    ctx.calls.holdPolicies = options.holdPolicies ?? false;
    ctx.calls.timezone = await middayZone();
    const taskQueue = `fast-${name}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await sharedBundle(),
      activities: ctx.activities,
    });
    // Sends run on the channel queues in production; here one worker takes them all.
    const email = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: `${taskQueue}-email`,
      activities: ctx.activities,
    });
    await worker.runUntil(
      email.runUntil(async () => {
        const input: CaseInput = { debtorId: name, strategyVersion: 'self-service-v1' };
        const start = { workflowId: caseWorkflowId(name), taskQueue, args: [input] };
        if ('openingFacts' in options) {
          const openingFacts = options.openingFacts as CaseInput['openingFacts'];
          await env.client.workflow.signalWithStart('selfServiceOutreach', {
            ...start,
            args: [{ ...input, openingFacts }],
            signal: invoiceRecordedSignal,
          });
        } else await env.client.workflow.start('selfServiceOutreach', start);
        try {
          await test(ctx);
        } finally {
          // A case left running without its worker would hold the time-skipping server's clock
          // and every later test's sleep with it, also when this test failed.
          await env.client.workflow
            .getHandle(caseWorkflowId(name))
            .terminate('test over')
            .catch(() => undefined);
        }
      }),
    );
  }

  it('sends the self-service steps in order, each at least its cadence after the one before', async () => {
    await runCase('order', async ({ calls }) => {
      await env.sleep(days(12));
      expect(calls.sends.map((s) => s.input.stepLabel)).toEqual([
        'Portal link',
        'E-mail reminder',
        'SMS nudge',
      ]);
      // Without a phone the SMS nudge goes by e-mail; self-service speaks in its friendly tone.
      expect(calls.sends.map((s) => s.input.channel)).toEqual(['email', 'email', 'email']);
      expect(calls.sends.map((s) => s.input.tone)).toEqual(['friendly', 'friendly', 'friendly']);
      // Reminder 5 days after the portal link, the nudge 4 days after the reminder (or later: windows).
      const [link, reminder, nudge] = calls.sends.map((s) => s.at);
      expect(reminder! - link!).toBeGreaterThanOrEqual(days(5));
      expect(nudge! - reminder!).toBeGreaterThanOrEqual(days(4));
      expect(calls.reports[0]?.events.map((e) => e.type)).toEqual(['case-opened']);
    });
  });

  it('a lean case reads, assesses and reports once before it acts, and a send step costs few events', async () => {
    // Opened inside the debtor's contact window (runCase's noon zone): at night it defers and reads again.
    await runCase('lean', async ({ id, calls }) => {
      // The portal link goes at once, the e-mail reminder 5 days later.
      await env.sleep(days(6));
      const history = await env.client.workflow.getHandle(caseWorkflowId(id)).fetchHistory();
      const kinds = (history.events ?? []).map(kindOf);
      const firstSend = kinds.indexOf('activityTaskScheduled:sendMessage');
      const opening = kinds.slice(0, firstSend);
      // Policies, facts and the report run as local activities: one marker each, no scheduled activity.
      expect(opening.filter((k) => k.startsWith('activityTaskScheduled'))).toEqual([]);
      expect(opening.filter((k) => k === 'markerRecorded:core_local_activity')).toHaveLength(3);
      expect(firstSend + 1).toBeLessThanOrEqual(15);
      const fired = kinds.indexOf('timerFired');
      const nextTimer = kinds.indexOf('timerStarted', fired);
      expect(kinds.slice(fired, nextTimer + 1).filter((k) => k.startsWith('activityTaskScheduled'))).toEqual([
        'activityTaskScheduled:sendMessage',
      ]);
      expect(nextTimer - fired + 1).toBeLessThanOrEqual(11);
      // One report per decision: the opening's, and one after each send.
      expect(calls.reports.map((r) => r.state.currentStep)).toEqual(['assessing', 'portal-link', 'reminder']);
    });
  });

  it('a case billing starts opens on the facts billing read, without reading them again', async () => {
    await runCase(
      'carried-facts',
      async ({ calls }) => {
        await env.sleep(days(1));
        // The opening's report came before any read, with the balance billing's facts carried.
        expect(calls.readsAtReport[0]).toBe(0);
        expect(calls.reports[0]).toMatchObject({ state: { openAmount: 4200, currentStep: 'assessing' } });
        expect(calls.sends.map((s) => s.input.stepLabel)).toEqual(['Portal link']);
      },
      { openingFacts: debtorFacts(4200, await middayZone()) },
    );
  });

  it('a case billing starts at night waits for the morning on those facts, without reading them', async () => {
    const night = zoneAtHour(await env.currentTimeMs(), [1, 2, 3]);
    const facts = debtorFacts(4200, night);
    await runCase(
      'carried-facts-night',
      async ({ calls }) => {
        await env.sleep(days(1));
        expect(calls.sends.map((s) => s.input.stepLabel)).toEqual(['Portal link']);
        expect(toLocal(calls.sends[0]!.at, night).hour).toBeGreaterThanOrEqual(6);
        // The opening, the deferral and the send reported on the facts billing carried.
        expect(calls.reads).toBe(0);
        expect(calls.reports.length).toBeGreaterThanOrEqual(3);
      },
      { openingFacts: facts },
    );
  });

  it('a signal before the opening (a payment) makes it read the facts billing carried again', async () => {
    await runCase(
      'carried-facts-changed',
      async ({ id, calls }) => {
        const handle = env.client.workflow.getHandle(caseWorkflowId(id));
        await handle.signal(paymentRecordedSignal);
        // The workflow has taken the payment's signal (a task completed after it) while its
        // policies are still being read.
        await eventually(
          async () => (await handle.fetchHistory()).events?.map(kindOf) ?? [],
          (kinds) => {
            const payment = kinds.lastIndexOf('workflowExecutionSignaled');
            return kinds.indexOf('workflowTaskCompleted', payment) > payment && payment > 1;
          },
        );
        calls.releasePolicies();
        await env.sleep(days(1));
        expect(calls.readsAtReport[0]).toBe(1);
        expect(calls.reports[0]).toMatchObject({ state: { openAmount: 9900 } });
      },
      { openingFacts: debtorFacts(4200, await middayZone()), holdPolicies: true },
    );
  });

  it('answers a payment in the urgent lane, an opening and billing’s invoices in the bulk lane', async () => {
    await runCase('lanes', async ({ id, calls }) => {
      const handle = env.client.workflow.getHandle(caseWorkflowId(id));
      await env.sleep(days(1));
      const opening = calls.urgentReads.length;
      await handle.signal(invoiceRecordedSignal);
      await eventually(
        async () => calls.urgentReads.length,
        (reads) => reads > opening,
      );
      calls.openAmount = 0;
      await handle.signal(paymentRecordedSignal);
      await eventually(
        async () => calls.reports.at(-1)?.state.status,
        (status) => status === 'paid',
      );
      expect(calls.urgentReads.slice(0, opening).every((urgent) => !urgent)).toBe(true);
      expect(calls.urgentReads.slice(opening)).toEqual([false, true]);
      expect(calls.reports.at(-1)).toMatchObject({ urgent: true, state: { status: 'paid' } });
      expect(calls.reports.slice(0, -1).every((r) => !r.urgent)).toBe(true);
    });
  });

  it('facts carried by the start that do not check out are read instead', async () => {
    await runCase(
      'carried-facts-bad',
      async ({ calls }) => {
        await env.sleep(days(1));
        expect(calls.readsAtReport[0]).toBe(1);
        // The balance read (9,900), not the one carried.
        expect(calls.reports[0]).toMatchObject({ state: { openAmount: 9900 } });
      },
      { openingFacts: { ...debtorFacts(4200, await middayZone()), paidTotal: 'none' } },
    );
  });

  it('validators reject what the case cannot accept, naming what to fix', async () => {
    await runCase('validators', async ({ id, calls }) => {
      const handle = env.client.workflow.getHandle(caseWorkflowId(id));
      await eventually(
        async () => calls.reports.length,
        (n) => n > 0,
      );
      expect(
        await rejectionOf(
          handle.executeUpdate(promiseToPayUpdate, { args: [{ date: '2020-01-01', source: 'api' }] }),
        ),
      ).toMatch(/the promised date is in the past/);
      const far = new Date((await env.currentTimeMs()) + days(40)).toISOString().slice(0, 10);
      expect(
        await rejectionOf(handle.executeUpdate(promiseToPayUpdate, { args: [{ date: far, source: 'api' }] })),
      ).toMatch(/at most 30 days ahead/);
      expect(
        await rejectionOf(handle.executeUpdate(resolveDisputeUpdate, { args: [{ outcome: 'resume' }] })),
      ).toMatch(/there is no open dispute/);
      expect(await rejectionOf(handle.executeUpdate(resumeUpdate, { args: [] }))).toMatch(
        /the case is not paused/,
      );
      const soon = new Date((await env.currentTimeMs()) + days(5)).toISOString().slice(0, 10);
      await expect(
        handle.executeUpdate(promiseToPayUpdate, { args: [{ date: soon, source: 'api' }] }),
      ).resolves.toMatchObject({
        status: 'promised',
      });
      expect((await handle.query(caseStateQuery)).status).toBe('promised');
    });
  });

  it('answers queries and takes updates from the first instant, while the policies are still read', async () => {
    await runCase(
      'first-instant',
      async ({ id, calls }) => {
        const handle = env.client.workflow.getHandle(caseWorkflowId(id));
        const opening = await eventually(
          () => handle.query(caseStateQuery).catch(() => undefined),
          (state) => state !== undefined,
        );
        expect(opening).toMatchObject({ debtorId: id, currentStep: 'assessing', ruleId: 'pending' });
        const soon = new Date((await env.currentTimeMs()) + days(5)).toISOString().slice(0, 10);
        const accepted = await handle.startUpdate(promiseToPayUpdate, {
          args: [{ date: soon, source: 'api' }],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        });
        const late = await handle.startUpdate(promiseToPayUpdate, {
          args: [{ date: '2020-01-01', source: 'api' }],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        });
        expect(calls.reports).toHaveLength(0);
        calls.releasePolicies();
        await expect(accepted.result()).resolves.toMatchObject({ status: 'promised' });
        // Validated once the episode exists: the same reason a validator would have given.
        expect(await rejectionOf(late.result())).toMatch(/the promised date is in the past/);
      },
      { holdPolicies: true },
    );
  });
});
