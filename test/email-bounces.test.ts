import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { caseWorkflowId } from '../domain/case.js';
import { startProduct, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';

/** Bounces reported after the mail server accepted the mail, through the API, on the real dev server. */
let product: RunningProduct;

async function openEmailOnlyCase(id: string, email: string): Promise<string> {
  const profile = { name: 'Paul Probe', locale: 'en', timezone: zoneInContactWindowNow(), email };
  expect((await product.request('PUT', `/v1/debtors/${id}`, profile)).status).toBe(201);
  const invoice = {
    currency: 'EUR',
    amountDue: 8800,
    dueDate: '2026-10-01',
    issuedAt: '2026-09-01T08:00:00Z',
  };
  expect((await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, invoice)).status).toBe(201);
  const mail = await product.devOutbox!.waitFor((m) => m.to.includes(email), 30_000);
  if (!mail.messageId) throw new Error('the mail carries no Message-ID');
  return mail.messageId;
}

/** The workflow type changes when the case continues as new into another segment. */
async function workflowTypeBecomes(id: string, type: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const described = await product.client.workflow.getHandle(caseWorkflowId(id)).describe();
    if (described.type === type || Date.now() > deadline) return described.type;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('e-mail bounces reported through POST /v1/email-bounces', () => {
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'));
  });
  afterAll(() => product?.stop());

  it('a hard bounce marks the message bounced and the address invalid, and the case re-assesses', async () => {
    const email = 'gone@example.com';
    const messageId = await openEmailOnlyCase('bounce-hard', email);

    const reported = await product.request('POST', '/v1/email-bounces', {
      messageId,
      kind: 'hard',
      reason: '550 5.1.1 user unknown',
    });
    expect(reported).toEqual({ status: 200, body: { invalidatedDebtors: 1, messageFound: true } });
    const row = await product.db
      .selectFrom('outbox')
      .select(['status', 'error'])
      .where('provider_id', '=', messageId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'bounced', error: 'hard bounce: 550 5.1.1 user unknown' });
    const point = await product.db
      .selectFrom('contact_points')
      .select('invalid_at')
      .where('debtor_id', '=', 'bounce-hard')
      .where('channel', '=', 'email')
      .executeTakeFirstOrThrow();
    expect(point.invalid_at).not.toBeNull();

    // No reachable channel is left: the quality gate sends the case to data collection.
    expect(await workflowTypeBecomes('bounce-hard', 'dataCollection')).toBe('dataCollection');
    const { body } = await product.request('GET', '/v1/cases/bounce-hard');
    const types = (body as { timeline: { type: string }[] }).timeline.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['email-bounced', 'contact-invalid']));

    // A repeated report changes nothing.
    expect(await product.request('POST', '/v1/email-bounces', { messageId, kind: 'hard' })).toEqual({
      status: 200,
      body: { invalidatedDebtors: 0, messageFound: true },
    });
  });

  it('a soft bounce is recorded on the message but keeps the address', async () => {
    const email = 'full@example.com';
    const messageId = await openEmailOnlyCase('bounce-soft', email);
    const reported = await product.request('POST', '/v1/email-bounces', {
      messageId,
      kind: 'soft',
      reason: 'mailbox full',
    });
    expect(reported).toEqual({ status: 200, body: { invalidatedDebtors: 0, messageFound: true } });
    const point = await product.db
      .selectFrom('contact_points')
      .select('invalid_at')
      .where('debtor_id', '=', 'bounce-soft')
      .where('channel', '=', 'email')
      .executeTakeFirstOrThrow();
    expect(point.invalid_at).toBeNull();
  });

  it('names the missing field and writes nothing on bad input', async () => {
    const missing = await product.request('POST', '/v1/email-bounces', { kind: 'hard' });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('messageId');
    const badKind = await product.request('POST', '/v1/email-bounces', {
      address: 'x@example.com',
      kind: 'maybe',
    });
    expect(badKind.status).toBe(400);
    expect(JSON.stringify(badKind.body)).toContain('kind');
  });
});
