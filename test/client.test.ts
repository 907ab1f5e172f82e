import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createMahnwerkClient,
  retryAfterMs,
  verifyWebhook,
  WebhookVerificationError,
} from '../client/api.js';
import { days } from '../domain/dates.js';
import { REASSESS_EVERY_DAYS } from '../domain/strategies/defaults.js';
import { generateClientTypes, TYPES_FILE } from '../scripts/client-generate.js';
import { eventually } from './setup/eventually.js';
import { startProduct, TEST_API_KEY, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';

describe('typed client against the running product', () => {
  let product: RunningProduct;
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'));
  });
  afterAll(() => product?.stop());

  it('has types generated from the OpenAPI document the server serves (run npm run client:generate)', async () => {
    const document = (await (await fetch(`${product.apiUrl}/docs/json`)).json()) as unknown;
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(await generateClientTypes(document));
  });

  it('makes each billing call: profile, invoice, case, search, stored profile, payment', async () => {
    const mahnwerk = createMahnwerkClient({ baseUrl: product.apiUrl, apiKey: TEST_API_KEY });
    const debtorId = 'client-1';
    const path = { debtorId };
    const put = await mahnwerk.PUT('/v1/debtors/{debtorId}', {
      params: { path },
      body: {
        name: 'Maria Muster',
        locale: 'de',
        timezone: zoneInContactWindowNow(),
        email: 'maria@example.com',
      },
    });
    expect(put.data).toEqual({ debtorId, created: true });
    const invoice = await mahnwerk.PUT('/v1/debtors/{debtorId}/invoices/{invoiceId}', {
      params: { path: { debtorId, invoiceId: 'inv-1' } },
      body: { currency: 'EUR', amountDue: 12950, dueDate: '2026-10-15', issuedAt: '2026-09-15T10:00:00Z' },
    });
    expect(invoice.data?.change).toBe('created');
    const found = await mahnwerk.GET('/v1/cases/{debtorId}', { params: { path } });
    expect(found.data?.openAmount).toEqual({ amount: 12950, currency: 'EUR' });
    expect(found.data?.assessment?.segment).toBe(found.data?.segment);
    // The strategy's explicit next stage: an assisted case moves on to high-risk after its last step.
    expect(found.data?.segment).toBe('assisted');
    expect(found.data?.nextStage).toMatchObject({ kind: 'segment', segment: 'high-risk', afterDays: 14 });
    // The open case decides again within REASSESS_EVERY_DAYS at the latest.
    const nextDecisionAt = await eventually(
      async () => (await mahnwerk.GET('/v1/cases/{debtorId}', { params: { path } })).data?.nextDecisionAt,
      (at) => typeof at === 'string',
    );
    expect(Date.parse(nextDecisionAt ?? '')).toBeLessThanOrEqual(Date.now() + days(REASSESS_EVERY_DAYS));
    const search = await mahnwerk.GET('/v1/cases', { params: { query: { minAmount: 12950, limit: 10 } } });
    expect(search.data?.items.map((c) => c.debtorId)).toContain(debtorId);
    const stored = await mahnwerk.GET('/v1/debtors/{debtorId}', { params: { path } });
    expect(stored.data?.consents).toEqual({ email: true });
    const paid = await mahnwerk.POST('/v1/debtors/{debtorId}/payments', {
      params: { path },
      body: { paymentId: 'client-p-1', amount: 12950, currency: 'EUR', paidAt: '2026-11-24T10:00:00Z' },
    });
    expect(paid.data).toEqual({ debtorId, paymentId: 'client-p-1', duplicate: false, openAmount: 0 });
    const refused = await mahnwerk.PUT('/v1/debtors/{debtorId}', {
      params: { path: { debtorId: 'client-2' } },
      body: { name: 'X', locale: 'de', timezone: 'Mars/Olympus' },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.issues?.[0]?.field).toBe('timezone');
    // An id longer than any debtor id is a documented 400 naming the field, not Fastify's 414.
    const long = await mahnwerk.GET('/v1/cases/{debtorId}', {
      params: { path: { debtorId: 'x'.repeat(300) } },
    });
    expect(long.response.status).toBe(400);
    expect(long.error?.issues?.[0]?.field).toBe('debtorId');
  });
});

describe('retries and webhook verification', () => {
  it('retries 503 and 429 as Retry-After says, then returns the answer', async () => {
    const seen: number[] = [];
    const server = http.createServer((request, response) => {
      seen.push(Date.now());
      if (seen.length === 1) response.writeHead(503, { 'retry-after': '1' }).end('{}');
      else if (seen.length === 2) response.writeHead(429).end('{}');
      else
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[],"nextCursor":null}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const mahnwerk = createMahnwerkClient({
        baseUrl: `http://127.0.0.1:${port}`,
        apiKey: 'k',
        backoffMs: 50,
      });
      const answer = await mahnwerk.GET('/v1/cases', {});
      expect(answer.data).toEqual({ items: [], nextCursor: null });
      expect(seen).toHaveLength(3);
      expect((seen[1] ?? 0) - (seen[0] ?? 0)).toBeGreaterThanOrEqual(950); // Retry-After: 1
    } finally {
      server.close();
    }
    expect(retryAfterMs('Wed, 01 Dec 2026 10:00:05 GMT', Date.parse('2026-12-01T10:00:00Z'))).toBe(5000);
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('accepts a signed webhook and refuses a forged or stale one', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = JSON.stringify({
      type: 'case.paid',
      timestamp: new Date().toISOString(),
      data: { debtorId: 'd-1' },
    });
    const signed = (at: Date, payload = body) => ({
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign('msg_1', at, payload),
    });
    expect(verifyWebhook(secret, body, signed(new Date()))).toMatchObject({ type: 'case.paid' });
    expect(() => verifyWebhook(secret, body.replace('d-1', 'd-2'), signed(new Date()))).toThrow(
      WebhookVerificationError,
    );
    expect(() => verifyWebhook(secret, body, signed(new Date(Date.now() - 10 * 60_000)))).toThrow(
      WebhookVerificationError,
    );
  });
});
