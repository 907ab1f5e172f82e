import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { createMailer, type Mailer } from '../../channels/email/mailer.js';
import { CaseClient } from '../../client/cases.js';
import { recordInvoice, recordPayment, upsertDebtor, type DebtorProfile } from '../../db/billing.js';
import { listCaseEvents } from '../../db/case-events.js';
import { migrateToLatest, openDatabase, type Database } from '../../db/database.js';
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
import { assess } from '../../domain/segmentation/assess.js';
import { addSearchAttributes } from '../../runtime/temporal.js';
import { testActivityDeps } from './activities.js';
import { caseWorkersFor } from './harness.js';

export const TZ = 'Europe/Berlin';

/**
 * Cases over simulated weeks on the Java time-skipping server, with the real activities, a real
 * PGlite and the loopback SMTP outbox. Call once at the top of a test file; each test gets its own
 * server, so its clock starts at the same place.
 */
export function caseWorld(taskQueue: string) {
  const world = {} as {
    env: TestWorkflowEnvironment;
    db: Database;
    outbox: SmtpOutbox;
    mailer: Mailer;
    cases: CaseClient;
  };
  beforeEach(async () => {
    world.env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: path.resolve('scripts/test-server.sh') } },
    });
    await addSearchAttributes(world.env.connection, 'default');
    world.cases = new CaseClient(world.env.client, taskQueue);
  });
  afterEach(async () => {
    await world.env?.teardown();
  });
  beforeAll(async () => {
    world.db = openDatabase({ url: undefined });
    await migrateToLatest(world.db);
    world.outbox = await startSmtpOutbox({ port: 0 });
    world.mailer = createMailer({ smtpUrl: world.outbox.url, from: 'Creditor <billing@creditor.test>' });
  });
  afterAll(async () => {
    world.mailer?.close();
    await world.outbox?.close();
    await world.db?.destroy();
  });

  return {
    world,
    now: () => world.env.currentTimeMs(),

    /** A worker lives for one runUntil; each test gets its own, with the real activities. */
    async withWorker(run: () => Promise<void>): Promise<void> {
      const workers = await caseWorkersFor(
        world.env.nativeConnection,
        taskQueue,
        createActivities(testActivityDeps(world.db, world.mailer)),
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

    profile: (email: string, extra: Partial<DebtorProfile> = {}): DebtorProfile => ({
      name: 'Erika Beispiel',
      locale: 'de',
      timezone: TZ,
      country: 'DE',
      email,
      ...extra,
    }),

    async openCase(debtorId: string, debtor: DebtorProfile, amount: number): Promise<void> {
      await upsertDebtor(world.db, debtorId, debtor);
      const now = await world.env.currentTimeMs();
      const dueDate = new Date(now - days(20)).toISOString().slice(0, 10);
      await recordInvoice(world.db, debtorId, 'inv-1', {
        currency: 'EUR',
        amountDue: amount,
        dueDate,
        issuedAt: '2026-01-01T08:00:00Z',
      });
      const { snapshot } = await loadCaseSnapshot(world.db, debtorId, new Date(now));
      await world.cases.invoiceRecorded(
        debtorId,
        { invoiceId: 'inv-1', amountDue: amount, currency: 'EUR' },
        { assessment: assess(snapshot), daysPastDue: snapshot.daysPastDue, amountDue: amount },
      );
    },

    async pay(debtorId: string, paymentId: string, amount: number): Promise<void> {
      await recordPayment(world.db, debtorId, {
        paymentId,
        amount,
        currency: 'EUR',
        paidAt: new Date().toISOString(),
      });
      await world.cases.paymentRecorded(debtorId, { paymentId, amount, currency: 'EUR' });
    },

    mailsTo: (email: string) => world.outbox.messages().filter((m) => m.to.includes(email)),
    timelineTypes: async (debtorId: string) => (await listCaseEvents(world.db, debtorId)).map((e) => e.type),
  };
}
