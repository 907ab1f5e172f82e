import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMahnwerkClient } from '../client/api.js';
import type { WebhookPayload } from '../domain/webhooks.js';
import { eventually } from './setup/eventually.js';
import { keepHistory } from './setup/histories.js';
import {
  openCaseThroughApi,
  startProduct,
  TEST_API_KEY,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './setup/webhook-receiver.js';

/**
 * More events in from billing (credit note, withdrawn claim), through the API on the real dev
 * server: the case re-reads its facts, the timeline and the webhooks say what happened, and a case
 * whose whole claim is withdrawn closes as cancelled.
 */
let product: RunningProduct;
let receiver: WebhookReceiver;

const debtor = (name: string) => ({
  name,
  locale: 'de',
  timezone: zoneInContactWindowNow(),
  email: `${name.toLowerCase().replaceAll(' ', '.')}@example.com`,
});
const invoice = (amountDue: number) => ({
  currency: 'EUR',
  amountDue,
  dueDate: '2026-10-15',
  issuedAt: '2026-09-15T10:00:00Z',
});

interface CaseView {
  status: string;
  closedAt: string | null;
  openAmount: { amount: number };
  timeline: { type: string; summary: string }[];
}
const caseOf = async (debtorId: string) =>
  (await product.request('GET', `/v1/cases/${debtorId}`)).body as CaseView;
/** The open amount the case workflow last reported (the search reads the workflow's report). */
const reportedAmount = async (debtorId: string) => {
  const found = (await product.request('GET', '/v1/cases?limit=500')).body as {
    items: { debtorId: string; openAmount: { amount: number } }[];
  };
  return found.items.find((c) => c.debtorId === debtorId)?.openAmount.amount;
};
const webhooksFor = (debtorId: string) =>
  receiver
    .accepted()
    .map((r) => JSON.parse(r.body) as WebhookPayload)
    .filter((p) => p.data.debtorId === debtorId);

describe('credit notes and withdrawn claims from billing', () => {
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'));
    receiver = await startWebhookReceiver(() => 200);
    const subscribed = await product.request('POST', '/v1/webhook-subscriptions', {
      url: receiver.url,
      events: ['invoice.reduced', 'invoice.withdrawn', 'case.paid', 'case.closed'],
    });
    expect(subscribed.status).toBe(201);
  });
  afterAll(async () => {
    await product?.stop();
    await receiver?.close();
  });

  it('a credit note lowers the claim: the case re-reads it, the timeline and a webhook say so', async () => {
    await openCaseThroughApi(product, 'credit-1', debtor('Carla Credit'), 10_000);
    const reduced = await product.request('PUT', '/v1/debtors/credit-1/invoices/inv-1', invoice(6_000));
    expect(reduced).toMatchObject({
      status: 200,
      body: { change: 'updated', caseWorkflowId: 'case-credit-1' },
    });
    expect(
      await eventually(
        () => reportedAmount('credit-1'),
        (amount) => amount === 6_000,
      ),
    ).toBe(6_000);
    const view = await caseOf('credit-1');
    expect(view.status).not.toBe('cancelled');
    expect(view.openAmount.amount).toBe(6_000);
    expect(view.timeline.find((e) => e.type === 'invoice-reduced')?.summary).toContain('10000 → 6000 EUR');
    const hooks = await eventually(
      async () => webhooksFor('credit-1'),
      (h) => h.length >= 1,
    );
    expect(hooks.map((h) => h.type)).toEqual(['invoice.reduced']);
    expect(hooks[0]?.data).toMatchObject({ invoiceId: 'inv-1', amountDue: 6_000, previousAmountDue: 10_000 });
  });

  it('a credit note down to what was paid closes the case as paid at once', async () => {
    await openCaseThroughApi(product, 'credit-2', debtor('Paul Part'), 10_000);
    const paid = await product.request('POST', '/v1/debtors/credit-2/payments', {
      paymentId: 'credit-2-p1',
      amount: 4_000,
      currency: 'EUR',
      paidAt: '2026-11-30T10:00:00Z',
    });
    expect(paid.status).toBe(201);
    const reduced = await product.request('PUT', '/v1/debtors/credit-2/invoices/inv-1', invoice(4_000));
    expect(reduced.body).toMatchObject({ change: 'updated', caseWorkflowId: 'case-credit-2' });
    const closed = await eventually(
      () => caseOf('credit-2'),
      (c) => c.closedAt !== null,
    );
    expect(closed.status).toBe('paid');
  });

  it('withdrawing one of two invoices keeps the case open for the rest', async () => {
    await openCaseThroughApi(product, 'withdraw-1', debtor('Wilma Two'), 5_000);
    expect(
      (await product.request('PUT', '/v1/debtors/withdraw-1/invoices/inv-2', invoice(3_000))).status,
    ).toBe(201);
    const mahnwerk = createMahnwerkClient({ baseUrl: product.apiUrl, apiKey: TEST_API_KEY });
    const withdrawn = await mahnwerk.DELETE('/v1/debtors/{debtorId}/invoices/{invoiceId}', {
      params: { path: { debtorId: 'withdraw-1', invoiceId: 'inv-1' } },
    });
    expect(withdrawn.data).toEqual({
      debtorId: 'withdraw-1',
      invoiceId: 'inv-1',
      change: 'withdrawn',
      openAmount: 3_000,
      caseWorkflowId: 'case-withdraw-1',
    });
    expect(
      await eventually(
        () => reportedAmount('withdraw-1'),
        (amount) => amount === 3_000,
      ),
    ).toBe(3_000);
    const view = await caseOf('withdraw-1');
    expect(view.closedAt).toBeNull();
    expect(view.timeline.map((e) => e.type)).toContain('invoice-withdrawn');
  });

  it('withdrawing the whole claim closes the case as cancelled; repeats change nothing', async () => {
    await openCaseThroughApi(product, 'withdraw-2', debtor('Walter Whole'), 7_500);
    const withdrawn = await product.request('DELETE', '/v1/debtors/withdraw-2/invoices/inv-1');
    expect(withdrawn).toMatchObject({ status: 200, body: { change: 'withdrawn', openAmount: 0 } });
    const closed = await eventually(
      () => caseOf('withdraw-2'),
      (c) => c.closedAt !== null,
    );
    expect(closed.status).toBe('cancelled');
    await keepHistory('withdrawn-claim-cancelled', product.client.workflow.getHandle('case-withdraw-2'));
    expect(closed.openAmount.amount).toBe(0);
    const types = closed.timeline.map((e) => e.type);
    expect(types.indexOf('invoice-withdrawn')).toBeLessThan(types.indexOf('case-closed'));

    // The workflow has ended (no further contact) with the same outcome.
    const outcome = (await product.client.workflow.getHandle('case-withdraw-2').result()) as {
      status: string;
    };
    expect(outcome.status).toBe('cancelled');

    // Idempotent: the same DELETE again is unchanged and there is no running case left to tell.
    const again = await product.request('DELETE', '/v1/debtors/withdraw-2/invoices/inv-1');
    expect(again).toMatchObject({ status: 200, body: { change: 'unchanged', caseWorkflowId: null } });
    const reinstated = await product.request('PUT', '/v1/debtors/withdraw-2/invoices/inv-1', invoice(7_500));
    expect(reinstated.status).toBe(409);
    expect(JSON.stringify(reinstated.body)).toContain('new invoiceId');
    const unknown = await product.request('DELETE', '/v1/debtors/withdraw-2/invoices/nope');
    expect(unknown.status).toBe(404);

    const hooks = await eventually(
      async () => webhooksFor('withdraw-2'),
      (h) => h.length >= 2,
    );
    expect(hooks.map((h) => [h.type, h.data.caseStatus])).toEqual([
      ['invoice.withdrawn', expect.any(String)],
      ['case.closed', 'cancelled'],
    ]);
    expect(hooks[0]?.data).toMatchObject({ invoiceId: 'inv-1', amount: 7_500, currency: 'EUR' });
  });
});
