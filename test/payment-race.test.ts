import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities, type SendMessageInput } from '../activities/index.js';
import { createMailer, type Mailer } from '../channels/email/mailer.js';
import { createSmsSender } from '../channels/sms/sender.js';
import { startSmsSink, type SmsSink } from '../dev/sms-sink.js';
import { startSmtpOutbox, type SmtpOutbox } from '../dev/smtp-outbox.js';
import { caseWorkflowId } from '../domain/case.js';
import type { CaseWorkers } from '../worker/worker.js';
import { testActivityDeps } from './setup/activities.js';
import {
  caseWorkersFor,
  openCaseThroughApi,
  startProduct,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';

let product: RunningProduct;
let connection: NativeConnection;
let outbox: SmtpOutbox;
let mailer: Mailer;
let sink: SmsSink;
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
  const twilio = { accountSid: `AC${'d'.repeat(32)}`, authToken: 'race-test-twilio-token-0123456789' };
  sink = await startSmsSink({ port: 0, ...twilio });
  const sms = createSmsSender({ ...twilio, from: '+15005550006', apiBaseUrl: sink.url });
  const real = createActivities({ ...testActivityDeps(product.db, mailer), sms });
  connection = await NativeConnection.connect({ address: product.temporalAddress });
  workers = await caseWorkersFor(
    connection,
    product.config.temporal.taskQueue,
    {
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
    },
    product.dataConverter,
  );
  running = workers.run();
});
afterAll(async () => {
  workers?.shutdown();
  await running;
  await connection?.close();
  mailer?.close();
  await outbox?.close();
  await sink?.close();
  await product?.stop();
});

/** A debtor reachable on one channel only, and what reached that channel's provider. */
const channels = [
  {
    channel: 'email',
    contact: { email: 'race@example.com' },
    received: () => outbox.messages().filter((m) => m.to.includes('race@example.com')),
  },
  {
    channel: 'sms',
    contact: { phone: '+4915400000001', consents: { email: false, sms: true, call: false } },
    received: () => sink.messages().filter((m) => m.to === '+4915400000001'),
  },
] as const;

describe.each(channels)('payment vs send: $channel', ({ channel, contact, received }) => {
  it(`a payment recorded between the decision and the ${channel} send: no message, the reason in the timeline, the case closes paid`, async () => {
    const id = `race-${channel}`;
    const hold = holdNextSend(id);
    // A small balance: one reminder, on the only channel the debtor has.
    const debtor = { name: 'Paula Payer', locale: 'en', timezone: zoneInContactWindowNow(), ...contact };
    await openCaseThroughApi(product, id, debtor, 2000);

    // The workflow decided to write and the send activity started; billing books the payment now.
    await hold.reached;
    const payment = { paymentId: `p-${id}`, amount: 2000, currency: 'EUR', paidAt: new Date().toISOString() };
    expect((await product.request('POST', `/v1/debtors/${id}/payments`, payment)).status).toBeLessThan(300);
    hold.release();

    expect(await product.client.workflow.getHandle(caseWorkflowId(id)).result()).toMatchObject({
      status: 'paid',
    });
    expect(received()).toEqual([]);
    const rows = await product.db.selectFrom('outbox').select('status').where('debtor_id', '=', id).execute();
    expect(rows).toEqual([]);
    const { body } = await product.request('GET', `/v1/cases/${id}`);
    expect(body).toMatchObject({ status: 'paid' });
    const timeline = (body as { timeline: { type: string; summary: string }[] }).timeline;
    expect(timeline.filter((e) => e.type === 'contact-skipped').map((e) => e.summary)).toContain(
      `Friendly reminder by ${channel} skipped: nothing is open any more`,
    );
    expect(timeline.some((e) => e.type === 'contact-sent')).toBe(false);
  });
});
