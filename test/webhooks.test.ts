import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WebhookPayload } from '../domain/webhooks.js';
import { eventually } from './setup/eventually.js';
import {
  openCaseThroughApi,
  startProduct,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';
import {
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from './setup/webhook-receiver.js';

/** Signed webhooks out, on the real dev server: subscribe, let cases happen, receive and verify. */
let product: RunningProduct;
let flaky: WebhookReceiver;
let gone: WebhookReceiver;

const email = 'wanda.webhook@example.com';
const debtor = () => ({ name: 'Wanda Webhook', locale: 'de', timezone: zoneInContactWindowNow(), email });
const headersOf = (r: ReceivedWebhook) => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

async function subscribe(url: string, events: string[]) {
  const created = await product.request('POST', '/v1/webhook-subscriptions', {
    url,
    events,
    description: 'billing',
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; secret: string };
}

describe('webhooks out (Standard Webhooks)', () => {
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'));
    // Each event is refused twice (500), then taken.
    flaky = await startWebhookReceiver((_id, attempt) => (attempt <= 2 ? 500 : 200));
    gone = await startWebhookReceiver(() => 410);
  });
  afterAll(async () => {
    await product?.stop();
    await flaky?.close();
    await gone?.close();
  });

  it('refuses a subscription to an unknown event, naming the field', async () => {
    const answer = await product.request('POST', '/v1/webhook-subscriptions', {
      url: flaky.url,
      events: ['case.exploded'],
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('events');
  });

  it('delivers every event of a case in order, each id once after deduplication, signed', async () => {
    const { id, secret } = await subscribe(flaky.url, ['message.sent', 'case.paid', 'case.closed']);
    const listed = await product.request('GET', '/v1/webhook-subscriptions');
    expect(JSON.stringify(listed.body)).toContain(id);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    await openCaseThroughApi(product, 'hook-1', debtor(), 4200);
    const sent = await eventually(
      async () => flaky.accepted(),
      (a) => a.length >= 1,
    );
    expect(sent.map((r) => (JSON.parse(r.body) as WebhookPayload).type)).toEqual(['message.sent']);
    const paid = await product.request('POST', '/v1/debtors/hook-1/payments', {
      paymentId: 'hook-pay-1',
      amount: 4200,
      currency: 'EUR',
      paidAt: '2026-11-30T10:00:00Z',
    });
    expect(paid.status).toBe(201);
    const accepted = await eventually(
      async () => flaky.accepted(),
      (a) => a.length >= 3,
    );
    const payloads = accepted.map((r) => JSON.parse(r.body) as WebhookPayload);
    // In the order the case events happened; paid before closed (both from the closing event).
    expect(payloads.map((p) => p.type)).toEqual(['message.sent', 'case.paid', 'case.closed']);
    expect(payloads[2]!.data).toMatchObject({
      debtorId: 'hook-1',
      caseStatus: 'paid',
      openAmount: 0,
      currency: 'EUR',
    });
    expect(payloads[0]!.data).toMatchObject({ debtorId: 'hook-1', channel: 'email', caseStatus: 'active' });
    // Ids and amounts only: no name, no address.
    for (const r of flaky.received()) {
      expect(r.body).not.toContain(email);
      expect(r.body).not.toContain('Wanda');
    }
    // Each event: two refusals and one acceptance, all under the same webhook-id.
    const ids = accepted.map((r) => String(r.headers['webhook-id']));
    expect(new Set(ids).size).toBe(3);
    for (const webhookId of ids) {
      const tries = flaky.received().filter((r) => r.headers['webhook-id'] === webhookId);
      expect(tries.map((r) => r.answered)).toEqual([500, 500, 200]);
    }

    const hook = new Webhook(secret);
    for (const r of accepted) expect(hook.verify(r.body, headersOf(r))).toEqual(JSON.parse(r.body));
    const first = accepted[0]!;
    expect(() => hook.verify(first.body.replace('hook-1', 'hook-2'), headersOf(first))).toThrow(
      WebhookVerificationError,
    );
    expect(() =>
      new Webhook(`whsec_${Buffer.from('another secret').toString('base64')}`).verify(
        first.body,
        headersOf(first),
      ),
    ).toThrow(WebhookVerificationError);
    // A stale message: correctly signed, but ten minutes old.
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const stale = {
      'webhook-id': 'msg_stale',
      'webhook-timestamp': String(Math.floor(tenMinutesAgo.getTime() / 1000)),
      'webhook-signature': hook.sign('msg_stale', tenMinutesAgo, first.body),
    };
    expect(() => hook.verify(first.body, stale)).toThrow(/too old/i);

    const log = await product.request('GET', `/v1/webhook-subscriptions/${id}/deliveries`);
    expect(log.status).toBe(200);
    const deliveries = (log.body as { deliveries: Record<string, unknown>[] }).deliveries;
    expect(deliveries).toHaveLength(3);
    for (const d of deliveries) {
      expect(d).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, debtorId: 'hook-1' });
      expect(ids).toContain(d.id);
    }
  });

  it('a receiver answering 410 Gone disables its subscription', async () => {
    const { id } = await subscribe(gone.url, ['message.sent']);
    await openCaseThroughApi(product, 'hook-gone', { ...debtor(), email: 'gone.hook@example.com' }, 5100);
    const listed = await eventually(
      async () =>
        (await product.request('GET', '/v1/webhook-subscriptions')).body as {
          subscriptions: { id: string; status: string }[];
        },
      (b) => b.subscriptions.some((s) => s.id === id && s.status === 'disabled'),
    );
    expect(listed.subscriptions.find((s) => s.id === id)).toMatchObject({
      status: 'disabled',
      disabledReason: 'the receiver answered 410 Gone',
    });
    expect(gone.received()).toHaveLength(1);
  });

  it('DELETE removes a subscription; its log is then unknown', async () => {
    const { id } = await subscribe(flaky.url, ['case.closed']);
    expect((await product.request('DELETE', `/v1/webhook-subscriptions/${id}`)).status).toBe(204);
    expect((await product.request('DELETE', `/v1/webhook-subscriptions/${id}`)).status).toBe(404);
    expect((await product.request('GET', `/v1/webhook-subscriptions/${id}/deliveries`)).status).toBe(404);
  });
});
