import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createActivities, type SendMessageInput } from '../../activities/index.js';
import { createMailer, type Mailer } from '../../channels/email/mailer.js';
import { CaseClient } from '../../client/cases.js';
import { caseWorkflowId } from '../../domain/case.js';
import { recordInvoice, recordPayment, upsertDebtor, type DebtorProfile } from '../../db/billing.js';
import { listCaseEvents } from '../../db/case-events.js';
import { migrateToLatest, openDatabase, type Database } from '../../db/database.js';
import { redateSentMessage } from '../../db/outbox.js';
import { loadCaseSnapshot } from '../../db/snapshot.js';
import { startSmtpOutbox, type SmtpOutbox } from '../../dev/smtp-outbox.js';
import {
  addDays,
  isPublicHoliday,
  toLocal,
  weekdayOf,
  zonedTimeToEpoch,
} from '../../domain/contact-policy/index.js';
import { days } from '../../domain/dates.js';
import type { CaseVariant } from '../../domain/experiments/experiment.js';
import { assess } from '../../domain/segmentation/assess.js';
import { addSearchAttributes } from '../../runtime/temporal.js';
import { testActivityDeps } from './activities.js';
import { caseWorkersFor, testDataConverter } from './harness.js';

export const TZ = 'Europe/Berlin';

/**
 * Cases over simulated weeks on the Java time-skipping server, with the real activities, a real
 * PGlite and the loopback SMTP outbox. Call once at the top of a test file; each test gets its own
 * server, so its clock starts at the same place.
 *
 * `sentAtOnTestClock`: activities read the wall clock, which on a time-skipping server lags the
 * workflows' clock by the skipped time. With it, the outbox row's `sent_at` (the contact history the
 * daily caps are computed from) is set to the simulated instant of the send, as it is in production
 * where both clocks agree; without it the caps count e-mails on the wrong days.
 */
export function caseWorld(taskQueue: string, { sentAtOnTestClock = false } = {}) {
  const world = {} as {
    env: TestWorkflowEnvironment;
    db: Database;
    outbox: SmtpOutbox;
    mailer: Mailer;
    cases: CaseClient;
    /** Encrypts with the test master key and data keys in `db`, as the product does. */
    dataConverter: DataConverter;
  };
  beforeEach(async () => {
    world.env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: path.resolve('scripts/test-server.sh') } },
      client: { dataConverter: world.dataConverter },
    });
    await addSearchAttributes(world.env.connection, 'default');
    world.cases = new CaseClient(world.env.client, taskQueue, world.db);
  });
  afterEach(async () => {
    await world.env?.teardown();
  });
  beforeAll(async () => {
    world.db = openDatabase({ url: undefined });
    await migrateToLatest(world.db);
    world.dataConverter = testDataConverter(world.db);
    world.outbox = await startSmtpOutbox({ port: 0 });
    world.mailer = createMailer({ smtpUrl: world.outbox.url, from: 'Creditor <billing@creditor.test>' });
  });
  afterAll(async () => {
    world.mailer?.close();
    await world.outbox?.close();
    await world.db?.destroy();
  });

  /** The case's timeline, up to 500 events (weeks of outreach). */
  const timeline = async (debtorId: string) => listCaseEvents(world.db, debtorId, 500);

  return {
    world,
    now: () => world.env.currentTimeMs(),

    /**
     * A worker lives for one runUntil; each test gets its own, with the real activities. `beforeSend`
     * runs inside the send activity, right before the real one: the moment between the workflow's
     * decision and the send. `mailer` replaces the loopback outbox's.
     */
    async withWorker(
      run: () => Promise<void>,
      { beforeSend, mailer = world.mailer }: WorkerOptions = {},
    ): Promise<void> {
      const real: Activities = createActivities(testActivityDeps(world.db, mailer));
      const activities: Activities = {
        ...real,
        async sendMessage(input) {
          await beforeSend?.(input);
          const result = await real.sendMessage(input);
          if (sentAtOnTestClock && result.outcome === 'sent') {
            const at = new Date(Context.current().info.currentAttemptScheduledTimestampMs);
            await redateSentMessage(world.db, input.idempotencyKey, at);
          }
          return result;
        },
      };
      const workers = await caseWorkersFor(
        world.env.nativeConnection,
        taskQueue,
        activities,
        world.dataConverter,
      );
      await workers.runUntil(run);
    },

    /**
     * Skips to the next Tuesday 10:00 in Berlin of a week without public holidays from Tuesday to
     * Friday, so contact windows answer the same on every run.
     */
    async skipToTuesdayMorning(): Promise<number> {
      const now = await world.env.currentTimeMs();
      let date = addDays(toLocal(now, TZ).date, 1);
      const holidayWeek = (d: string) => [0, 1, 2, 3].some((i) => isPublicHoliday(addDays(d, i), 'DE'));
      while (weekdayOf(date) !== 2 || holidayWeek(date)) date = addDays(date, 1);
      const start = zonedTimeToEpoch(date, '10:00', TZ);
      await world.env.sleep(start - now);
      return start;
    },

    /** Skips the test server's clock to `at` (not back if it is already past). */
    sleepUntil: async (at: number): Promise<void> =>
      world.env.sleep(Math.max(0, at - (await world.env.currentTimeMs()))),

    profile: (email: string | undefined, extra: Partial<DebtorProfile> = {}): DebtorProfile => ({
      name: 'Erika Beispiel',
      locale: 'de',
      timezone: TZ,
      country: 'DE',
      email,
      ...extra,
    }),

    /** Records the invoice, `pastDueDays` overdue, and opens the case for it (in `variant`, if given). */
    async openCase(
      debtorId: string,
      debtor: DebtorProfile,
      amount: number,
      pastDueDays = 20,
      variant?: CaseVariant,
    ): Promise<WorkflowHandle> {
      await upsertDebtor(world.db, debtorId, debtor);
      const now = await world.env.currentTimeMs();
      const dueDate = new Date(now - days(pastDueDays)).toISOString().slice(0, 10);
      await recordInvoice(world.db, debtorId, 'inv-1', {
        currency: 'EUR',
        amountDue: amount,
        dueDate,
        issuedAt: '2026-01-01T08:00:00Z',
      });
      const facts = await loadCaseSnapshot(world.db, debtorId, new Date(now));
      await world.cases.invoiceRecorded(
        debtorId,
        { invoiceId: 'inv-1', amountDue: amount, currency: 'EUR' },
        {
          assessment: assess(facts.snapshot),
          overdueSince: facts.oldestDueDate,
          openAmount: amount,
          variant,
          facts,
        },
      );
      return world.env.client.workflow.getHandle(caseWorkflowId(debtorId));
    },

    async pay(debtorId: string, paymentId: string, amount: number): Promise<void> {
      await recordPayment(world.db, debtorId, {
        paymentId,
        amount,
        currency: 'EUR',
        paidAt: new Date().toISOString(),
      });
      await world.cases.paymentRecorded(debtorId);
    },

    mailsTo: (email: string) => world.outbox.messages().filter((m) => m.to.includes(email)),
    timeline,
    timelineTypes: async (debtorId: string) => (await timeline(debtorId)).map((e) => e.type),
    summariesOf: async (debtorId: string, type: string) =>
      (await timeline(debtorId)).filter((e) => e.type === type).map((e) => e.summary),
  };
}

type Activities = ReturnType<typeof createActivities>;

interface WorkerOptions {
  beforeSend?: (input: SendMessageInput) => Promise<void>;
  mailer?: Mailer;
}
