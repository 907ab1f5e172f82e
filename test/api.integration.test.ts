import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CaughtEmail } from '../dev/smtp-outbox.js';
import { caseWorkflowId } from '../domain/case.js';
import * as sa from '../domain/search-attributes.js';
import { startProduct, testDatabases, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';

let product: RunningProduct;

// These tests run on the real clock: debtors live where it is a weekday around midday now.
const openZone = zoneInContactWindowNow();

const debtor = (overrides: Record<string, unknown> = {}) => ({
  name: 'Maria Muster',
  locale: 'de',
  timezone: openZone,
  email: 'maria@example.com',
  phone: '+4915123456789',
  ...overrides,
});
const invoice = (overrides: Record<string, unknown> = {}) => ({
  currency: 'EUR',
  amountDue: 12950,
  dueDate: '2026-10-15',
  issuedAt: '2026-09-15T10:00:00Z',
  ...overrides,
});

/** Intl puts a no-break space between amount and currency; compare as a reader sees it. */
const readable = (m: CaughtEmail) => ({
  ...m,
  subject: m.subject.replaceAll('\u00a0', ' '),
  text: m.text.replaceAll('\u00a0', ' '),
});

/** Visibility is eventually consistent: ask again until the list shows what we wait for. */
async function listUntil(query: string, expected: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = [];
    for await (const wf of product.client.workflow.list({ query })) found.push(wf);
    if (found.length >= expected || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.each(testDatabases)('billing API against the real Temporal dev server, facts in %s', (database) => {
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'), database);
  });
  afterAll(() => product?.stop());
  // Both databases share one Temporal server: keep their workflow ids apart.

  it('opens a case, sends a German reminder over SMTP, shows it in visibility, and a payment closes it', async () => {
    const id = `${database}-api-flow-1`;
    expect((await product.request('PUT', `/v1/debtors/${id}`, debtor())).status).toBe(201);
    const opened = await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, invoice());
    expect(opened).toMatchObject({
      status: 201,
      body: { change: 'created', caseWorkflowId: caseWorkflowId(id) },
    });
    // The case is there at once, before the workflow's first report.
    expect(await product.request('GET', `/v1/cases/${id}`)).toMatchObject({
      status: 200,
      body: { segment: 'assisted', openAmount: { amount: 12950, currency: 'EUR' } },
    });

    const listed = await listUntil(
      `WorkflowId = "${caseWorkflowId(id)}" AND DunningStatus = "active" AND AmountDue = 12950 AND OverdueSince < "${new Date().toISOString()}"`,
      1,
    );
    expect(listed).toHaveLength(1);
    // No digital history, no high value, no risk signal: the assisted segment's workflow.
    expect(listed[0]?.type).toBe('assistedOutreach');
    expect(listed[0]?.typedSearchAttributes.get(sa.DunningSegment)).toBe('assisted');

    const mail = readable(await product.devOutbox!.waitFor((m) => m.to.includes('maria@example.com')));
    expect(mail.subject).toBe('Zahlungserinnerung: 129,50 € offen');
    expect(mail.text).toContain('Guten Tag Maria Muster');
    expect(mail.text).toContain('Rechnung inv-1: 129,50 €, fällig am 15. Oktober 2026');

    // The reminder carries a working portal link and a one-click unsubscribe (RFC 8058).
    const local = (url: string) => `${product.apiUrl}${new URL(url).pathname}`;
    const portalUrl = /https?:\/\/\S+\/p\/\S+/.exec(mail.text)?.[0];
    expect(portalUrl).toBeDefined();
    const portalPage = await fetch(local(portalUrl!));
    expect(portalPage.status).toBe(200);
    expect((await portalPage.text()).replaceAll('\u00a0', ' ')).toContain('129,50 €');
    const tampered = await fetch(local(portalUrl!).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect(tampered.status).toBe(404);
    expect(await tampered.text()).toContain('nicht mehr gültig');
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const unsubscribeUrl = /<([^>]+\/u\/[^>]+)>/.exec(mail.headers['list-unsubscribe'] ?? '')?.[1];
    expect(unsubscribeUrl).toBeDefined();

    const paid = await product.request('POST', `/v1/debtors/${id}/payments`, {
      paymentId: 'pay-1',
      amount: 12950,
      currency: 'EUR',
      paidAt: '2026-11-20T09:00:00Z',
    });
    expect(paid).toMatchObject({ status: 201, body: { openAmount: 0, duplicate: false } });
    const outcome = await product.client.workflow.getHandle(caseWorkflowId(id)).result();
    expect(outcome.status).toBe('paid');
    // A paid case's link shows "nothing to pay" instead of old amounts.
    const closedPage = await fetch(local(portalUrl!));
    expect(closedPage.status).toBe(410);
    expect(await closedPage.text()).toContain('Nichts zu zahlen');

    // One-click unsubscribe as a mail client does it: a POST with List-Unsubscribe=One-Click.
    const unsubscribed = await fetch(local(unsubscribeUrl!), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.status).toBe(200);

    const again = await product.request('POST', `/v1/debtors/${id}/payments`, {
      paymentId: 'pay-1',
      amount: 12950,
      currency: 'EUR',
      paidAt: '2026-11-20T09:00:00Z',
    });
    expect(again).toMatchObject({ status: 200, body: { duplicate: true, openAmount: 0 } });

    const view = await product.request('GET', `/v1/cases/${id}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ status: 'paid', openAmount: { amount: 0 }, nextStep: null });
    const types = (view.body as { timeline: { type: string }[] }).timeline.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'invoice-created',
        'case-opened',
        'contact-sent',
        'portal-opened',
        'payment-recorded',
        'case-closed',
        'opted-out',
      ]),
    );
    expect(product.devOutbox!.messages().filter((m) => m.to.includes('maria@example.com'))).toHaveLength(1);
  });

  it('an English debtor gets an English reminder with the amount in their currency', async () => {
    const id = `${database}-api-english`;
    await product.request('PUT', `/v1/debtors/${id}`, debtor({ locale: 'en', email: 'sam@example.com' }));
    await product.request(
      'PUT',
      `/v1/debtors/${id}/invoices/A-7`,
      invoice({ currency: 'USD', amountDue: 250000 }),
    );
    const mail = readable(await product.devOutbox!.waitFor((m) => m.to.includes('sam@example.com')));
    expect(mail.subject).toBe('Payment reminder: $2,500.00 outstanding');
    expect(mail.text).toContain('Invoice A-7: $2,500.00, due on October 15, 2026');
  });

  it('20 concurrent identical invoice PUTs start exactly one workflow and send one reminder', async () => {
    const id = `${database}-api-race`;
    await product.request('PUT', `/v1/debtors/${id}`, debtor({ email: 'race@example.com' }));
    const results = await Promise.all(
      Array.from({ length: 20 }, () => product.request('PUT', `/v1/debtors/${id}/invoices/r-1`, invoice())),
    );
    expect(results.map((r) => r.status).sort()).toEqual([...Array<number>(19).fill(200), 201]);
    await product.devOutbox!.waitFor((m) => m.to.includes('race@example.com'));
    const runs = await listUntil(`WorkflowId = "${caseWorkflowId(id)}"`, 1);
    expect(runs).toHaveLength(1);
    const state = await product.cases.state(id);
    expect(state.openAmount).toBe(12950);
    expect(product.devOutbox!.messages().filter((m) => m.to.includes('race@example.com'))).toHaveLength(1);
  });

  describe('bad input is refused with the offending fields named, and nothing is written', () => {
    it.each([
      ['missing field', { ...debtor(), name: undefined }, 'name'],
      ['wrong type', debtor({ locale: 42 }), 'locale'],
      ['malformed E.164', debtor({ phone: '0151 234' }), 'phone'],
      ['unknown time zone', debtor({ timezone: 'Mars/Olympus' }), 'timezone'],
      [
        'preferred channel it cannot reach',
        debtor({ phone: undefined, preferredChannel: 'sms' }),
        'preferredChannel',
      ],
    ])('debtor: %s', async (_label, body, field) => {
      const response = await product.request('PUT', '/v1/debtors/bad-debtor', body);
      expect(response.status).toBe(400);
      expect((response.body as { issues: { field: string }[] }).issues.map((i) => i.field)).toContain(field);
      expect((await product.request('GET', '/v1/cases/bad-debtor')).status).toBe(404);
    });

    it.each([
      ['unknown currency', invoice({ currency: 'XYZ' }), 'currency'],
      ['negative amount', invoice({ amountDue: -5 }), 'amountDue'],
      ['fractional minor units', invoice({ amountDue: 12.5 }), 'amountDue'],
      ['impossible date', invoice({ dueDate: '2026-02-30' }), 'dueDate'],
    ])('invoice: %s', async (_label, body, field) => {
      await product.request('PUT', '/v1/debtors/bad-invoice', debtor({ email: 'bad@example.com' }));
      const response = await product.request('PUT', '/v1/debtors/bad-invoice/invoices/x-1', body);
      expect(response.status).toBe(400);
      expect((response.body as { issues: { field: string }[] }).issues.map((i) => i.field)).toEqual([field]);
      expect((await product.request('GET', '/v1/cases/bad-invoice')).status).toBe(404);
    });

    it('names every offending field at once', async () => {
      const response = await product.request(
        'PUT',
        '/v1/debtors/bad-many',
        debtor({ locale: 'fr', phone: '123', email: 'nope' }),
      );
      expect((response.body as { issues: { field: string }[] }).issues.map((i) => i.field).sort()).toEqual([
        'email',
        'locale',
        'phone',
      ]);
    });

    it('a wrong or missing API key gets 401', async () => {
      expect((await product.request('GET', '/v1/cases/x', undefined, 'not-a-key')).status).toBe(401);
      const bare = await fetch(`${product.apiUrl}/v1/cases/x`);
      expect(bare.status).toBe(401);
    });

    it('an invoice or payment for an unknown debtor gets 404', async () => {
      expect((await product.request('PUT', '/v1/debtors/nobody/invoices/i-1', invoice())).status).toBe(404);
      const payment = { paymentId: 'p-nobody', amount: 100, currency: 'EUR', paidAt: '2026-11-20T09:00:00Z' };
      expect((await product.request('POST', '/v1/debtors/nobody/payments', payment)).status).toBe(404);
    });
  });

  it('serves the OpenAPI document generated from the zod schemas', async () => {
    const response = await fetch(`${product.apiUrl}/docs/json`);
    const doc = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/debtors/{debtorId}',
        '/v1/debtors/{debtorId}/invoices/{invoiceId}',
        '/v1/cases/{debtorId}',
      ]),
    );
  });
});
