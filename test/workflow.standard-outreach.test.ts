import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { createMailer, type Mailer } from '../channels/email/mailer.js';
import { CaseClient } from '../client/cases.js';
import { recordInvoice, recordPayment, upsertDebtor } from '../db/billing.js';
import { migrateToLatest, openDatabase, type Database } from '../db/database.js';
import { startSmtpOutbox, type SmtpOutbox } from '../dev/smtp-outbox.js';
import { caseWorkflowId } from '../domain/case.js';
import { days } from '../domain/dates.js';
import { addSearchAttributes } from '../runtime/temporal.js';
import { keepHistory } from './setup/histories.js';
import { sharedBundle } from './setup/harness.js';

const taskQueue = 'workflow-tests';
let env: TestWorkflowEnvironment;
let db: Database;
let outbox: SmtpOutbox;
let mailer: Mailer;
let cases: CaseClient;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: path.resolve('scripts/test-server.sh') } },
  });
  // The Java test server knows no custom search attributes until they are added, as on a real cluster.
  await addSearchAttributes(env.connection, 'default');
  db = openDatabase({ url: undefined });
  await migrateToLatest(db);
  outbox = await startSmtpOutbox({ port: 0 });
  mailer = createMailer({ smtpUrl: outbox.url, from: 'Creditor <billing@creditor.test>' });
  cases = new CaseClient(env.client, taskQueue);
});

afterAll(async () => {
  mailer?.close();
  await outbox?.close();
  await db?.destroy();
  await env?.teardown();
});

/** A worker lives for one runUntil; each test gets its own, with the real activities. */
async function withWorker(run: () => Promise<void>): Promise<void> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await sharedBundle(),
    activities: createActivities({
      db,
      mailer,
      config: { creditor: { name: 'Creditor GmbH', email: 'billing@creditor.test', phone: '+49 30 1' } },
    }),
  });
  await worker.runUntil(run);
}

async function openCase(debtorId: string, email: string): Promise<void> {
  await upsertDebtor(db, debtorId, {
    name: 'Erika Beispiel',
    locale: 'de',
    timezone: 'Europe/Berlin',
    email,
  });
  const invoice = {
    currency: 'EUR',
    amountDue: 4999,
    dueDate: '2026-10-01',
    issuedAt: '2026-09-01T08:00:00Z',
  };
  await recordInvoice(db, debtorId, 'inv-1', invoice);
  await cases.invoiceRecorded(debtorId, { invoiceId: 'inv-1', amountDue: 4999, currency: 'EUR' }, 30);
}

async function pay(debtorId: string, paymentId: string, amount: number): Promise<void> {
  await recordPayment(db, debtorId, { paymentId, amount, currency: 'EUR', paidAt: new Date().toISOString() });
  await cases.paymentRecorded(debtorId, { paymentId, amount, currency: 'EUR' });
}

const subjectsTo = (email: string) =>
  outbox
    .messages()
    .filter((m) => m.to.includes(email))
    .map((m) => m.subject.split(':')[0]);

describe('standardOutreach over simulated weeks (time-skipping server)', () => {
  it('sends three reminders in 30 days, on days 0, 7 and 14, and a payment closes the case', async () => {
    const id = 'wf-ladder';
    await withWorker(async () => {
      await openCase(id, 'ladder@example.com');
      const handle = env.client.workflow.getHandle(caseWorkflowId(id));
      await env.sleep(days(30));
      expect(subjectsTo('ladder@example.com')).toEqual([
        'Zahlungserinnerung',
        'Zweite Erinnerung',
        'Letzte Erinnerung',
      ]);

      // When each reminder went out, in simulated time: read off the history's activity events.
      const events = (await handle.fetchHistory()).events ?? [];
      const seconds = (e: (typeof events)[number]) => Number(e.eventTime?.seconds ?? 0);
      const started = seconds(events[0]!);
      const sendTimes = events
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendEmailReminder')
        .map((e) => Math.round(((seconds(e) - started) * 1000) / days(1)));
      expect(sendTimes).toEqual([0, 7, 14]);

      await pay(id, 'pay-ladder', 4999);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
      await keepHistory('ladder-then-paid', handle);
    });
  });

  it('sends nothing after a payment that arrives while the case waits for its next step', async () => {
    const id = 'wf-paid-early';
    await withWorker(async () => {
      await openCase(id, 'early@example.com');
      const handle = env.client.workflow.getHandle(caseWorkflowId(id));
      await env.sleep(days(3));
      expect(subjectsTo('early@example.com')).toEqual(['Zahlungserinnerung']);
      await pay(id, 'pay-early', 4999);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
      await env.sleep(days(30));
      expect(subjectsTo('early@example.com')).toEqual(['Zahlungserinnerung']);
      await keepHistory('paid-while-waiting', handle);
    });
  });

  it('keeps reminding about the rest after a partial payment', async () => {
    const id = 'wf-partial';
    await withWorker(async () => {
      await openCase(id, 'partial@example.com');
      const handle = env.client.workflow.getHandle(caseWorkflowId(id));
      await env.sleep(days(2));
      await pay(id, 'pay-partial', 2000);
      await env.sleep(days(6));
      const second = outbox.messages().filter((m) => m.to.includes('partial@example.com'))[1];
      expect(second?.subject.replace('\u00a0', ' ')).toBe('Zweite Erinnerung: 29,99 € noch offen');
      await pay(id, 'pay-rest', 2999);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
      await keepHistory('partial-payment', handle);
    });
  });
});
