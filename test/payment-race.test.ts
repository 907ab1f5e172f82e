import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities, type SendMessageInput } from '../activities/index.js';
import { createMailer, type Mailer } from '../channels/email/mailer.js';
import { startSmtpOutbox, type SmtpOutbox } from '../dev/smtp-outbox.js';
import { caseWorkflowId } from '../domain/case.js';
import type { CaseWorkers } from '../worker/worker.js';
import { testActivityDeps } from './setup/activities.js';
import {
  caseWorkersFor,
  startProduct,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';

let product: RunningProduct;
let connection: NativeConnection;
let outbox: SmtpOutbox;
let mailer: Mailer;
let workers: CaseWorkers;
let running: Promise<void>;

/** The send attempts to hold: each waits, inside the activity, until the test lets it go on. */
const held = new Map<string, { reached: () => void; release: Promise<void> }>();

/** Holds the debtor's next send right where the activity starts: the workflow has decided, nothing has left. */
function holdNextSend(debtorId: string): { reached: Promise<void>; release: () => void } {
  let reached!: () => void;
  let release!: () => void;
  const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
  held.set(debtorId, { reached, release: new Promise<void>((resolve) => (release = resolve)) });
  return { reached: reachedPromise, release };
}

beforeAll(async () => {
  // The API as deployed; the workers here, with the real activities behind a hold.
  product = await startProduct(inject('temporalAddress'), 'pglite', { role: 'api' });
  outbox = await startSmtpOutbox({ port: 0 });
  mailer = createMailer({ smtpUrl: outbox.url, from: 'Creditor <billing@creditor.test>' });
  const real = createActivities(testActivityDeps(product.db, mailer));
  connection = await NativeConnection.connect({ address: product.temporalAddress });
  workers = await caseWorkersFor(connection, product.config.temporal.taskQueue, {
    ...real,
    async sendMessage(input: SendMessageInput) {
      const hold = held.get(input.debtorId);
      if (hold) {
        held.delete(input.debtorId);
        hold.reached();
        await hold.release;
      }
      return real.sendMessage(input);
    },
  });
  running = workers.run();
});
afterAll(async () => {
  workers?.shutdown();
  await running;
  await connection?.close();
  mailer?.close();
  await outbox?.close();
  await product?.stop();
});

describe('payment vs send', () => {
  it('a payment recorded between the decision and the send: no message, the reason in the timeline, the case closes paid', async () => {
    const id = 'race-email';
    const email = 'race-email@example.com';
    const hold = holdNextSend(id);
    const debtor = { name: 'Paula Payer', locale: 'en', timezone: zoneInContactWindowNow(), email };
    expect((await product.request('PUT', `/v1/debtors/${id}`, debtor)).status).toBe(201);
    const invoice = {
      currency: 'EUR',
      amountDue: 12950,
      dueDate: '2026-10-15',
      issuedAt: '2026-09-15T10:00:00Z',
    };
    expect((await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, invoice)).status).toBe(201);

    // The workflow decided to write and the send activity started; billing books the payment now.
    await hold.reached;
    const payment = { paymentId: 'p-race', amount: 12950, currency: 'EUR', paidAt: new Date().toISOString() };
    expect((await product.request('POST', `/v1/debtors/${id}/payments`, payment)).status).toBeLessThan(300);
    hold.release();

    expect(await product.client.workflow.getHandle(caseWorkflowId(id)).result()).toMatchObject({
      status: 'paid',
    });
    expect(outbox.messages().filter((m) => m.to.includes(email))).toEqual([]);
    const rows = await product.db.selectFrom('outbox').select('status').where('debtor_id', '=', id).execute();
    expect(rows).toEqual([]);
    const { body } = await product.request('GET', `/v1/cases/${id}`);
    expect(body).toMatchObject({ status: 'paid' });
    const timeline = (body as { timeline: { type: string; summary: string }[] }).timeline;
    expect(timeline.filter((e) => e.type === 'contact-skipped').map((e) => e.summary)).toContain(
      'E-mail reminder 1 by email skipped: nothing is open any more',
    );
    expect(timeline.some((e) => e.type === 'contact-sent')).toBe(false);
  });
});
