import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { createMailer, type Mailer } from '../channels/email/mailer.js';
import { CaseClient } from '../client/cases.js';
import { recordInvoice, recordPayment, upsertDebtor, type DebtorProfile } from '../db/billing.js';
import { listCaseEvents } from '../db/case-events.js';
import { migrateToLatest, openDatabase, type Database } from '../db/database.js';
import { loadCaseSnapshot } from '../db/snapshot.js';
import { startSmtpOutbox, type SmtpOutbox } from '../dev/smtp-outbox.js';
import { caseWorkflowId } from '../domain/case.js';
import {
  addDays,
  isPublicHoliday,
  toLocal,
  weekdayOf,
  zonedTimeToEpoch,
} from '../domain/contact-policy/index.js';
import { days } from '../domain/dates.js';
import { assess } from '../domain/segmentation/assess.js';
import { addSearchAttributes } from '../runtime/temporal.js';
import { testActivityDeps } from './setup/activities.js';
import { keepHistory } from './setup/histories.js';
import { caseWorkersFor } from './setup/harness.js';

const taskQueue = 'segment-workflow-tests';
const TZ = 'Europe/Berlin';
let env: TestWorkflowEnvironment;
let db: Database;
let outbox: SmtpOutbox;
let mailer: Mailer;
let cases: CaseClient;

// Each test gets its own time-skipping server: its clock then starts at the same place, and no
// workflow left by another test can move it.
beforeEach(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: path.resolve('scripts/test-server.sh') } },
  });
  // The Java test server knows no custom search attributes until they are added, as on a real cluster.
  await addSearchAttributes(env.connection, 'default');
  cases = new CaseClient(env.client, taskQueue);
});
afterEach(async () => {
  await env?.teardown();
});

beforeAll(async () => {
  db = openDatabase({ url: undefined });
  await migrateToLatest(db);
  outbox = await startSmtpOutbox({ port: 0 });
  mailer = createMailer({ smtpUrl: outbox.url, from: 'Creditor <billing@creditor.test>' });
});

afterAll(async () => {
  mailer?.close();
  await outbox?.close();
  await db?.destroy();
});

/** A worker lives for one runUntil; each test gets its own, with the real activities. */
async function withWorker(run: () => Promise<void>): Promise<void> {
  const workers = await caseWorkersFor(
    env.nativeConnection,
    taskQueue,
    createActivities(testActivityDeps(db, mailer)),
  );
  await workers.runUntil(run);
}

/**
 * The test server's clock starts at the real time; skip to the next working Tuesday 10:00 in
 * Berlin so that contact windows give the same answers on every run.
 */
async function skipToTuesdayMorning(): Promise<number> {
  const now = await env.currentTimeMs();
  let date = addDays(toLocal(now, TZ).date, 1);
  while (weekdayOf(date) !== 2 || isPublicHoliday(date, 'DE') || isPublicHoliday(addDays(date, 1), 'DE')) {
    date = addDays(date, 1);
  }
  const start = zonedTimeToEpoch(date, '10:00', TZ);
  await env.sleep(start - now);
  return start;
}

const profile = (email: string, extra: Partial<DebtorProfile> = {}): DebtorProfile => ({
  name: 'Erika Beispiel',
  locale: 'de',
  timezone: TZ,
  country: 'DE',
  email,
  ...extra,
});

async function openCase(debtorId: string, debtor: DebtorProfile, amount: number): Promise<void> {
  await upsertDebtor(db, debtorId, debtor);
  const dueDate = new Date((await env.currentTimeMs()) - days(20)).toISOString().slice(0, 10);
  await recordInvoice(db, debtorId, 'inv-1', {
    currency: 'EUR',
    amountDue: amount,
    dueDate,
    issuedAt: '2026-01-01T08:00:00Z',
  });
  const { snapshot } = await loadCaseSnapshot(db, debtorId, new Date(await env.currentTimeMs()));
  await cases.invoiceRecorded(
    debtorId,
    { invoiceId: 'inv-1', amountDue: amount, currency: 'EUR' },
    { assessment: assess(snapshot), daysPastDue: snapshot.daysPastDue, amountDue: amount },
  );
}

async function pay(debtorId: string, paymentId: string, amount: number): Promise<void> {
  await recordPayment(db, debtorId, { paymentId, amount, currency: 'EUR', paidAt: new Date().toISOString() });
  await cases.paymentRecorded(debtorId, { paymentId, amount, currency: 'EUR' });
}

/** Sent e-mails as (day after start, local time, subject prefix), read off the SMTP server and the history. */
const mailsTo = (email: string) => outbox.messages().filter((m) => m.to.includes(email));

async function sendDays(debtorId: string, start: number): Promise<number[]> {
  const events = (await env.client.workflow.getHandle(caseWorkflowId(debtorId)).fetchHistory()).events ?? [];
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendMessage')
    .map((e) => (Number(e.eventTime?.seconds ?? 0) * 1000 - start) / days(1))
    .map((d) => Math.round(d * 100) / 100);
}

const timelineTypes = async (debtorId: string) => (await listCaseEvents(db, debtorId)).map((e) => e.type);

describe('segment workflows over simulated weeks (time-skipping server)', () => {
  it('self-service: portal link at once, reminder on day 5, nudge on day 9, then an agent call; nothing after payment', async () => {
    const id = 'seg-self-service';
    const email = 'self@example.com';
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      await openCase(
        id,
        profile(email, { digitalAffinity: 'high', paymentHistory: { onTimeRate: 0.95 } }),
        9900,
      );
      const handle = env.client.workflow.getHandle(caseWorkflowId(id));
      expect((await handle.describe()).type).toBe('selfServiceOutreach');
      await env.sleep(days(16));
      expect(mailsTo(email).map((m) => m.subject.split(':')[0])).toEqual([
        'Zahlungserinnerung',
        'Zweite Erinnerung',
        'Zweite Erinnerung',
      ]);
      // Self-service speaks in the friendly tone of its strategy.
      expect(mailsTo(email).map((m) => m.text.split(' ')[0])).toEqual(['Hallo', 'Hallo', 'Hallo']);
      // Day 5 is a Sunday: the reminder waits for Monday 08:00 (day 5.92); the nudge follows 4 days
      // after that step, on Friday 08:00. The nudge prefers SMS; without a phone it goes by e-mail.
      expect(await sendDays(id, start)).toEqual([0, 5.92, 9.92]);
      expect(await timelineTypes(id)).toEqual(
        // No phone: the SMS nudge goes by e-mail, and the closing call cannot be made (skipped, not faked).
        expect.arrayContaining(['case-opened', 'contact-sent', 'contact-skipped', 'step-skipped']),
      );
      await pay(id, 'p-self', 9900);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
      await env.sleep(days(45));
      expect(mailsTo(email)).toHaveLength(3);
      await keepHistory('self-service-paid', handle);
    });
  });

  it('waits for the contact window: a case opened on Saturday evening writes on Monday 08:00', async () => {
    const id = 'seg-window';
    const email = 'window@example.com';
    await withWorker(async () => {
      const tuesday = await skipToTuesdayMorning();
      const saturdayEvening = tuesday + days(4) + 10.5 * 3_600_000; // Saturday 20:30 Berlin
      await env.sleep(saturdayEvening - (await env.currentTimeMs()));
      await openCase(id, profile(email, { digitalAffinity: 'high' }), 9900);
      await env.sleep(days(1.5));
      expect(mailsTo(email)).toHaveLength(1);
      const [firstSend] = await sendDays(id, saturdayEvening);
      const sent = toLocal(saturdayEvening + firstSend! * days(1), TZ);
      // Monday 08:00, plus the moments the workflow needs to re-read the facts before it writes.
      expect(sent).toMatchObject({ weekday: 1, hour: 8 });
      expect(sent.minute).toBeLessThan(5);
      await pay(id, 'p-window', 9900);
      expect(await env.client.workflow.getHandle(caseWorkflowId(id)).result()).toMatchObject({
        status: 'paid',
      });
    });
  });

  it('personal → self-service after a partial payment, with the change and its reasons in the timeline', async () => {
    const id = 'seg-partial';
    await withWorker(async () => {
      await skipToTuesdayMorning();
      await openCase(id, profile('partial@example.com', { digitalAffinity: 'high' }), 600_000);
      const handle = env.client.workflow.getHandle(caseWorkflowId(id));
      expect((await handle.describe()).type).toBe('personalOutreach');
      await env.sleep(days(1));
      await pay(id, 'p-part', 550_000);
      await env.sleep(days(1));
      expect((await handle.describe()).type).toBe('selfServiceOutreach');
      const change = (await listCaseEvents(db, id)).find((e) => e.type === 'segment-changed');
      expect(change?.summary).toMatch(/personal → self-service/);
      expect((await cases.state(id)).episode).toBe(2);
      await pay(id, 'p-rest', 50_000);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
      await keepHistory('personal-to-self-service', handle);
    });
  });

  it('a promise pauses outreach; a broken promise counts and moves the debtor to high-risk after the second', async () => {
    const id = 'seg-promise';
    const email = 'promise@example.com';
    await withWorker(async () => {
      await skipToTuesdayMorning();
      await openCase(id, profile(email, { paymentHistory: { onTimeRate: 0.5, brokenPromises: 1 } }), 20_000);
      const handle = env.client.workflow.getHandle(caseWorkflowId(id));
      expect((await handle.describe()).type).toBe('assistedOutreach');
      await env.sleep(days(0.5));
      const promised = toLocal((await env.currentTimeMs()) + days(10), TZ).date;
      await expect(cases.promiseToPay(id, { date: promised, source: 'api' })).resolves.toMatchObject({
        status: 'promised',
      });
      const tooLate = toLocal((await env.currentTimeMs()) + days(60), TZ).date;
      await expect(cases.promiseToPay(id, { date: tooLate, source: 'api' })).rejects.toThrow();
      const before = mailsTo(email).length;
      await env.sleep(days(9));
      expect(mailsTo(email)).toHaveLength(before);
      await env.sleep(days(3));
      expect(await timelineTypes(id)).toContain('promise-broken');
      expect((await handle.describe()).type).toBe('highRiskOutreach');
      await pay(id, 'p-promise', 20_000);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
      await keepHistory('promise-broken-high-risk', handle);
    });
  });

  it('a dispute pauses all outreach until it is resolved, then outreach resumes', async () => {
    const id = 'seg-dispute';
    const email = 'dispute@example.com';
    await withWorker(async () => {
      await skipToTuesdayMorning();
      await openCase(id, profile(email, { digitalAffinity: 'high' }), 9900);
      await env.sleep(days(1));
      expect(mailsTo(email)).toHaveLength(1);
      await cases.openDispute(id, { reason: 'amount wrong', source: 'api' });
      expect((await cases.state(id)).status).toBe('disputed');
      await env.sleep(days(20));
      expect(mailsTo(email)).toHaveLength(1);
      await cases.resolveDispute(id, 'resume');
      await env.sleep(days(6));
      expect(mailsTo(email).length).toBeGreaterThan(1);
      await cases.cancel(id, 'billing withdrew the claim');
      expect(await env.client.workflow.getHandle(caseWorkflowId(id)).result()).toMatchObject({
        status: 'cancelled',
      });
      await keepHistory('dispute-resume-cancel', env.client.workflow.getHandle(caseWorkflowId(id)));
    });
  });
});
