import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LinkSigner } from '../channels/links.js';
import { caseWorkflowId } from '../domain/case.js';
import { addDays } from '../domain/claim/days.js';
import { localDate } from '../domain/dates.js';
import { monthlySchedule } from '../domain/payment-plan.js';
import { eventually } from './setup/eventually.js';
import { startProduct, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';
import { startStripeFake, type StripeFake } from './setup/stripe-fake.js';

/**
 * Payments and plans use the whole open claim (principal + default interest + fees − paid), read
 * from the one place that computes it: a business debtor 60 days overdue pays through the portal's
 * Stripe Checkout, pays only the principal through billing, or agrees a plan.
 */
const SECRET = 'claim-payments-secret-0123456789abcdefgh';
const PRINCIPAL = 12_950;
// Default begins 30 days after the due date against a business (§ 286 (3) BGB): 30 days at the
// base rate 1.27 % + 9 points = 10.27 %: 12,950 × 10.27 % × 30 / 365 = 109.31 → 109; the € 40
// flat fee of § 288 (5) BGB.
const INTEREST = 109;
const FLAT_FEE = 4000;
const zone = zoneInContactWindowNow();

let product: RunningProduct;
let stripe: StripeFake;

beforeAll(async () => {
  stripe = await startStripeFake({ webhookUrl: () => `${product.config.http.publicUrl}/webhooks/stripe` });
  product = await startProduct(inject('temporalAddress'), 'pglite', {
    env: {
      MAHNWERK_SECRET: SECRET,
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_URL: stripe.url,
    },
  });
});
afterAll(async () => {
  await product?.stop();
  await stripe?.close();
});

interface CaseView {
  status: string;
  openAmount: { amount: number };
  claim: { open: number; paid: number; outstanding: Record<string, number> };
}
const caseView = async (id: string) => (await product.request('GET', `/v1/cases/${id}`)).body as CaseView;

/** A business in Germany, one invoice 60 days overdue; resolves once the case row exists. */
async function openBusinessCase(id: string): Promise<CaseView> {
  const profile = { name: 'Muster GmbH', locale: 'de', timezone: zone, country: 'DE', type: 'business' };
  expect((await product.request('PUT', `/v1/debtors/${id}`, profile)).status).toBe(201);
  const dueDate = addDays(localDate(new Date(), zone), -60);
  const invoice = {
    currency: 'EUR',
    amountDue: PRINCIPAL,
    dueDate,
    issuedAt: `${addDays(dueDate, -14)}T10:00:00Z`,
  };
  expect((await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, invoice)).status).toBe(201);
  const view = await eventually(
    async () => (await product.request('GET', `/v1/cases/${id}`)).status,
    (status) => status === 200,
  );
  expect(view).toBe(200);
  return caseView(id);
}

describe('payments and plans use the total open claim', () => {
  it('the portal charges the open claim through Stripe Checkout, and paying it closes the case paid', async () => {
    const id = 'claim-pay-portal';
    const before = await openBusinessCase(id);
    expect(before.claim.open).toBe(PRINCIPAL + INTEREST + FLAT_FEE);
    expect(before.openAmount.amount).toBe(before.claim.open);

    const token = new LinkSigner(SECRET).issue(id, 'portal', new Date(), 30);
    const payPage = `${product.apiUrl}/p/${token}/pay`;
    const form = await (await fetch(`${payPage}?lang=en`)).text();
    expect(form).toContain('170.59');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form)![1]!;
    const started = await fetch(payPage, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, lang: 'en', amount: 'total', method: 'card' }).toString(),
    });
    expect(started.status).toBe(303);
    const checkout = started.headers.get('location')!;
    expect(checkout).toMatch(new RegExp(`^${stripe.url}/checkout/cs_test_`));
    const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === id)!;
    expect(session).toMatchObject({ amount_total: before.claim.open, currency: 'eur' });

    // The debtor pays on the checkout page: the signed webhook records the payment.
    expect((await fetch(checkout, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    expect(await product.client.workflow.getHandle(caseWorkflowId(id)).result()).toMatchObject({
      status: 'paid',
    });
    expect(await caseView(id)).toMatchObject({
      status: 'paid',
      openAmount: { amount: 0 },
      claim: { open: 0, paid: PRINCIPAL + INTEREST + FLAT_FEE },
    });
    // The case row carries what was recovered of the whole claim, for the KPIs.
    const row = await product.db
      .selectFrom('cases')
      .select(['claim_paid', 'open_amount'])
      .where('debtor_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ claim_paid: PRINCIPAL + INTEREST + FLAT_FEE, open_amount: 0 });
  });

  it('paying only the principal leaves the case open, the interest and fee as the remaining claim', async () => {
    const id = 'claim-pay-principal';
    await openBusinessCase(id);
    const paid = await product.request('POST', `/v1/debtors/${id}/payments`, {
      paymentId: `${id}-p1`,
      amount: PRINCIPAL,
      currency: 'EUR',
      paidAt: new Date().toISOString(),
    });
    // § 367 BGB: the payment went to the fee and the interest first, so 41.09 € of principal is
    // open: exactly the interest and fee that were open, now earning interest from tomorrow.
    expect(paid).toMatchObject({ status: 201, body: { openAmount: INTEREST + FLAT_FEE } });
    const view = await caseView(id);
    expect(view.claim).toMatchObject({
      open: INTEREST + FLAT_FEE,
      paid: PRINCIPAL,
      outstanding: { costs: 0, interest: 0, principal: INTEREST + FLAT_FEE },
    });
    // The case heard of the payment and re-read the facts: it stays open and asks for the rest.
    const state = await eventually(
      () => product.cases.state(id),
      (s) => s.openAmount === INTEREST + FLAT_FEE,
    );
    expect(state).toMatchObject({ openAmount: INTEREST + FLAT_FEE, closedAt: null });
    expect(state.status).not.toBe('paid');
    expect(view.status).not.toBe('paid');
  });

  it('a plan splits the total open claim; one over the principal alone is refused', async () => {
    const id = 'claim-plan';
    const { claim } = await openBusinessCase(id);
    // The case has read the facts: it knows the claim, not only the principal.
    await eventually(
      () => product.cases.state(id),
      (s) => s.openAmount === claim.open,
    );
    const first = addDays(localDate(new Date(), zone), 7);
    const principalOnly = await product.request('POST', `/v1/cases/${id}/payment-plan`, {
      instalments: monthlySchedule(PRINCIPAL, 3, first),
    });
    expect(principalOnly.status).toBe(422);
    expect(JSON.stringify(principalOnly.body)).toContain(String(claim.open));

    const accepted = await product.request('POST', `/v1/cases/${id}/payment-plan`, {
      instalments: monthlySchedule(claim.open, 3, first),
    });
    expect(accepted.status).toBe(200);
    const { plan } = await product.cases.state(id);
    expect(plan?.instalments.reduce((sum, i) => sum + i.amount, 0)).toBe(PRINCIPAL + INTEREST + FLAT_FEE);
  });
});
