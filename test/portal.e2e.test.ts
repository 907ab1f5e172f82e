import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { LinkSigner } from '../channels/links.js';
import { PORTAL_EVENT_TYPES } from '../db/schema.js';
import { caseWorkflowId } from '../domain/case.js';
import { addDays, toLocal } from '../domain/contact-policy/index.js';
import { formatDueDate } from '../domain/dates.js';
import { formatMoney } from '../domain/money.js';
import { monthlySchedule } from '../domain/payment-plan.js';
import { creditorReference } from '../domain/payments/sepa.js';
import { stripePaymentId } from '../payments/stripe-checkout.js';
import { texts, type Lang } from '../web/portal/i18n.js';
import {
  cspViolations,
  launchBrowser,
  PHONE,
  screenshot,
  seriousA11yViolations,
  watchCsp,
} from './setup/browser.js';
import { startProduct, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';
import { startStripeFake, type StripeFake } from './setup/stripe-fake.js';

/**
 * The debtor portal in a real headless Chromium, phone-sized, against the whole product on
 * loopback: every flow starts from the link in a real reminder read off the SMTP outbox, ends where
 * a debtor would stop, and the case workflow's own state (query) must match what the page said.
 * Each page is checked with axe-core in both languages and kept as a screenshot.
 */
const SECRET = 'portal-e2e-secret-0123456789abcdefghijkl';
const IBAN = 'DE89370400440532013000';
const OPEN = [12_950, 20_000];
const TOTAL = OPEN[0]! + OPEN[1]!;
const zone = zoneInContactWindowNow();

let product: RunningProduct;
let stripe: StripeFake;
let browser: Browser;

beforeAll(async () => {
  // Stripe calls the webhook only once the product runs, at its public URL.
  stripe = await startStripeFake({ webhookUrl: () => `${product.config.http.publicUrl}/webhooks/stripe` });
  product = await startProduct(inject('temporalAddress'), 'pglite', {
    env: {
      MAHNWERK_SECRET: SECRET,
      PORTAL_SEPA_IBAN: IBAN,
      PORTAL_SEPA_BIC: 'COBADEFFXXX',
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_URL: stripe.url,
    },
  });
  browser = await launchBrowser();
});
// The content security policy blocks nothing these pages need.
afterEach(() => expect(cspViolations.splice(0)).toEqual([]));
afterAll(async () => {
  await browser?.close();
  await product?.stop();
  await stripe?.close();
});

const emailOf = (id: string) => `${id}@example.com`;

/** Opens a case through the billing API and returns the portal link from the first reminder. */
async function openCase(id: string, lang: Lang, invoices = OPEN): Promise<string> {
  const profile = {
    name: 'Maria Muster',
    locale: lang,
    timezone: zone,
    email: emailOf(id),
    phone: '+4915123456789',
  };
  expect((await product.request('PUT', `/v1/debtors/${id}`, profile)).status).toBeLessThan(300);
  for (const [n, amountDue] of invoices.entries()) {
    const invoice = {
      currency: 'EUR',
      amountDue,
      dueDate: `2026-10-1${n}`,
      issuedAt: '2026-09-15T10:00:00Z',
    };
    expect((await product.request('PUT', `/v1/debtors/${id}/invoices/inv-${n + 1}`, invoice)).status).toBe(
      201,
    );
  }
  return portalLinkIn(id, 1);
}

/** The portal link in the debtor's n-th e-mail (real SMTP, as a mail client gets it). */
async function portalLinkIn(id: string, nth: number): Promise<string> {
  const mails = () => product.devOutbox!.messages().filter((m) => m.to.includes(emailOf(id)));
  await product.devOutbox!.waitFor(() => mails().length >= nth, 20_000);
  const link = /https?:\/\/\S+\/p\/\S+/.exec(mails()[nth - 1]!.text)?.[0];
  expect(link).toContain('?c=e');
  return link!;
}

async function phonePage(lang: Lang): Promise<Page> {
  const context = await browser.newContext({ ...PHONE, locale: lang === 'de' ? 'de-DE' : 'en-GB' });
  return watchCsp(await context.newPage());
}

/** A debtor with a fresh case opens the link from the reminder on a phone and follows an action. */
async function startFlow(id: string, lang: Lang, action?: string): Promise<{ page: Page; link: string }> {
  const link = await openCase(id, lang);
  const page = await phonePage(lang);
  await page.goto(link);
  if (action) await page.getByRole('link', { name: action }).click();
  return { page, link };
}

/** axe-core finds nothing serious or critical, and the page is kept as a 390-px screenshot. */
async function checkPage(page: Page, name: string): Promise<void> {
  expect(await seriousA11yViolations(page), name).toEqual([]);
  await screenshot(page, name);
}

const text = async (page: Page) => ((await page.textContent('body')) ?? '').replace(/\s+/g, ' ');
const today = () => toLocal(Date.now(), zone).date;

/** Polls the database until a row shows up: the workflow writes it a moment after the page answered. */
async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (value !== undefined || Date.now() > deadline) return value as T;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.each(['de', 'en'] as const)('the debtor portal on a phone (%s)', (lang) => {
  const t = texts[lang];
  const money = (amount: number) => formatMoney({ amount, currency: 'EUR' }, lang);
  const day = (date: string) => formatDueDate(date, lang);

  it('overview from the e-mail link: creditor, invoices, total, what happens next; language switch', async () => {
    const id = `portal-${lang}-overview`;
    const { page } = await startFlow(id, lang);
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect(await page.locator('h1').textContent()).toBe(t.overviewTitle);
    const body = await text(page);
    expect(body).toContain(t.from('Mahnwerk Demo GmbH'));
    expect(body).toContain(money(TOTAL).replace(/\s+/g, ' '));
    for (const [n, amount] of OPEN.entries()) {
      expect(body).toContain(`inv-${n + 1}`);
      expect(body).toContain(money(amount).replace(/\s+/g, ' '));
    }
    // Nothing about threats: the next step is said plainly, with its date.
    expect(body).toContain(t.anytime);
    await checkPage(page, `overview-${lang}`);

    const other: Lang = lang === 'de' ? 'en' : 'de';
    await page.getByRole('link', { name: t.switchTo }).click();
    expect(await page.getAttribute('html', 'lang')).toBe(other);
    expect(await page.locator('h1').textContent()).toBe(texts[other].overviewTitle);
    await page.context().close();
  });

  it('pays by bank transfer: IBAN, amount, structured reference and GiroCode; billing confirms, the link says nothing to pay; a new message brings a working link', async () => {
    const id = `portal-${lang}-sepa`;
    const { page, link } = await startFlow(id, lang, t.actionPay);
    await checkPage(page, `pay-${lang}`);
    await page.getByLabel(t.payTransfer).check();
    await page.getByRole('button', { name: t.payContinue }).click();
    expect(await page.locator('h1').textContent()).toBe(t.transferTitle);
    const body = await text(page);
    expect(body).toContain('DE89 3704 0044 0532 0130 00');
    expect(body).toContain(creditorReference(id));
    expect(body).toContain(money(TOTAL).replace(/\s+/g, ' '));
    expect(await page.getByRole('img', { name: t.qrLabel(money(TOTAL)) }).count()).toBe(1);
    await checkPage(page, `pay-transfer-${lang}`);

    // The bank transfer arrives; billing reports it through the payments API.
    const paid = await product.request('POST', `/v1/debtors/${id}/payments`, {
      paymentId: `${id}-transfer`,
      amount: TOTAL,
      currency: 'EUR',
      paidAt: new Date().toISOString(),
    });
    expect(paid).toMatchObject({ status: 201, body: { openAmount: 0 } });
    expect(await product.client.workflow.getHandle(caseWorkflowId(id)).result()).toMatchObject({
      status: 'paid',
    });
    const closed = await page.goto(link);
    expect(closed?.status()).toBe(410);
    expect(await page.locator('h1').textContent()).toBe(t.closedTitle);
    await checkPage(page, `closed-${lang}`);

    // A new invoice opens a new case. Its messages carry freshly issued links, which work; the old
    // link stays dead. (Its first reminder waits for tomorrow: one e-mail a day.)
    expect(
      (
        await product.request('PUT', `/v1/debtors/${id}/invoices/inv-9`, {
          currency: 'EUR',
          amountDue: 5_000,
          dueDate: '2026-11-01',
          issuedAt: '2026-10-01T10:00:00Z',
        })
      ).status,
    ).toBe(201);
    const reissued = `/p/${new LinkSigner(SECRET).issue(id, 'portal', new Date(), 30)}`;
    expect((await page.goto(`${product.apiUrl}${reissued}`))?.status()).toBe(200);
    expect(await text(page)).toContain(money(5_000).replace(/\s+/g, ' '));
    expect((await page.goto(link))?.status()).toBe(410);
    await page.context().close();
  });

  it('pays by card through Stripe Checkout: the verified webhook records the payment once and closes the case', async () => {
    const id = `portal-${lang}-card`;
    const { page } = await startFlow(id, lang, t.actionPay);
    await page.getByLabel(t.payCard).check();
    await page.getByRole('button', { name: t.payContinue }).click();
    expect(page.url()).toMatch(new RegExp(`^${stripe.url}/checkout/cs_test_`));
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(/\/paid\?session_id=cs_test_/);
    expect(await text(page)).toContain(t.paidDone(money(TOTAL)).replace(/\s+/g, ' '));
    await checkPage(page, `paid-${lang}`);

    const session = [...stripe.sessions.values()].find((s) => s.client_reference_id === id)!;
    expect(session).toMatchObject({ amount_total: TOTAL, currency: 'eur' });
    expect(await product.client.workflow.getHandle(caseWorkflowId(id)).result()).toMatchObject({
      status: 'paid',
    });
    const payments = () =>
      product.db.selectFrom('payments').selectAll().where('debtor_id', '=', id).execute();
    expect((await payments()).map((p) => [p.id, p.amount])).toEqual([[stripePaymentId(session.id), TOTAL]]);

    // Stripe retries deliveries: the same event again pays nothing twice.
    const first = stripe.deliveries.find((d) => d.status === 200 && d.body.includes('"duplicate":false'));
    expect(first).toBeDefined();
    const again = await stripe.redeliver(stripe.deliveries.at(-1)!.eventId);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ duplicate: true });
    expect(await payments()).toHaveLength(1);
    expect(await product.request('GET', `/v1/cases/${id}`)).toMatchObject({
      body: { status: 'paid', openAmount: { amount: 0 } },
    });
    await page.context().close();
  });

  it('agrees a payment plan within policy; a plan outside it is refused with the reason; the case follows the plan', async () => {
    const id = `portal-${lang}-plan`;
    const { page, link } = await startFlow(id, lang, t.actionPlan);
    await checkPage(page, `plan-${lang}`);

    // Past the latest first date: the browser would stop it, a debtor without validation would not.
    await page.getByLabel(t.planFirst).evaluate((input) => {
      (input as unknown as { form: { noValidate: boolean } }).form.noValidate = true;
    });
    await page.getByLabel(t.planFirst).fill(addDays(today(), 45));
    await page.getByRole('button', { name: t.planPreview }).click();
    expect(await text(page)).toContain(t.rejection['first-too-late']({ maxDays: '30' }));
    await checkPage(page, `plan-refused-${lang}`);

    const first = addDays(today(), 10);
    await page.getByLabel(t.planCount).selectOption('3');
    await page.getByLabel(t.planFirst).fill(first);
    await page.getByRole('button', { name: t.planPreview }).click();
    const schedule = monthlySchedule(TOTAL, 3, first);
    for (const instalment of schedule) {
      expect(await text(page)).toContain(day(instalment.dueDate));
      expect(await text(page)).toContain(money(instalment.amount).replace(/\s+/g, ' '));
    }
    await checkPage(page, `plan-preview-${lang}`);
    await page.getByRole('button', { name: t.planConfirm }).click();
    expect(await page.locator('h1').textContent()).toBe(t.planAccepted);
    await checkPage(page, `plan-accepted-${lang}`);

    // The workflow's own view matches the page.
    const state = await product.cases.state(id);
    expect(state.status).toBe('payment-plan');
    expect(state.plan?.instalments).toEqual(schedule.map((i) => ({ ...i, status: 'open' })));
    await page.goto(link);
    expect(await text(page)).toContain(
      t.nextPlan(money(schedule[0]!.amount), day(schedule[0]!.dueDate)).replace(/\s+/g, ' '),
    );
    await page.context().close();
  });

  it('promises to pay by a date: outreach pauses until then', async () => {
    const id = `portal-${lang}-promise`;
    const { page } = await startFlow(id, lang, t.actionPromise);
    await checkPage(page, `promise-${lang}`);
    const date = addDays(today(), 12);
    await page.getByLabel(t.promiseDate).fill(date);
    await page.getByRole('button', { name: t.promiseSubmit }).click();
    expect(await page.locator('h1').textContent()).toBe(t.promiseDone);
    expect(await text(page)).toContain(t.promiseDoneText(day(date)));
    await checkPage(page, `promise-done-${lang}`);

    const state = await product.cases.state(id);
    expect(state.status).toBe('promised');
    // The promise holds until the end of the promised day plus a day of grace for booking.
    expect(toLocal(Date.parse(state.promisedUntil!) - 1.5 * 86_400_000, zone).date).toBe(date);
    await page.context().close();
  });

  it('disputes with a reason and a note: outreach stops, an agent reviews, the debtor gets a receipt', async () => {
    const id = `portal-${lang}-dispute`;
    const { page } = await startFlow(id, lang, t.actionDispute);
    await checkPage(page, `dispute-${lang}`);
    await page.getByLabel(t.disputeReasons.other).check();
    await page.getByRole('button', { name: t.disputeSubmit }).click();
    expect(await page.getByRole('alert').textContent()).toContain(t.disputeNeedsNote);
    await checkPage(page, `dispute-error-${lang}`);

    await page.getByLabel(t.disputeReasons['amount-wrong']).check();
    await page.getByLabel(t.disputeNote).fill('Rechnung inv-2 wurde doppelt gestellt.');
    await page.getByRole('button', { name: t.disputeSubmit }).click();
    expect(await page.locator('h1').textContent()).toBe(t.disputeDone);
    await checkPage(page, `dispute-done-${lang}`);

    expect((await product.cases.state(id)).status).toBe('disputed');
    const task = await eventually(() =>
      product.db
        .selectFrom('agent_tasks')
        .select(['kind', 'label', 'status'])
        .where('debtor_id', '=', id)
        .where('kind', '=', 'dispute-review')
        .executeTakeFirst(),
    );
    expect(task).toMatchObject({ status: 'open', label: 'Review dispute: The amount is wrong' });
    const receipt = await product.devOutbox!.waitFor(
      (m) =>
        m.to.includes(emailOf(id)) &&
        m.subject ===
          (lang === 'de' ? 'Wir haben Ihren Einwand erhalten' : 'We have received your objection'),
      20_000,
    );
    expect(receipt.text).toContain(money(TOTAL));
    const timeline = await product.db
      .selectFrom('case_events')
      .select(['source', 'type', 'data'])
      .where('debtor_id', '=', id)
      .where('type', '=', 'portal-dispute')
      .execute();
    expect(timeline).toEqual([
      expect.objectContaining({
        source: 'portal',
        data: expect.objectContaining({ note: 'Rechnung inv-2 wurde doppelt gestellt.' }),
      }),
    ]);
    await page.context().close();
  });

  it('sets contact preferences with masked data and asks for a call back', async () => {
    const id = `portal-${lang}-contact`;
    const { page } = await startFlow(id, lang, t.actionContact);
    const body = await text(page);
    expect(body).toContain(`p***@example.com`);
    expect(body).toContain('+49 *** ** 789');
    expect(body).not.toContain(emailOf(id));
    await checkPage(page, `contact-${lang}`);

    await page.getByLabel(t.preferredSms, { exact: true }).check();
    await page.getByLabel(t.allowEmail).uncheck();
    await page.getByRole('button', { name: t.save }).click();
    expect(await page.getByRole('status').textContent()).toBe(t.saved);
    await checkPage(page, `contact-saved-${lang}`);
    const debtor = await product.db
      .selectFrom('debtors')
      .select('preferred_channel')
      .where('id', '=', id)
      .executeTakeFirst();
    expect(debtor?.preferred_channel).toBe('sms');
    const email = await product.db
      .selectFrom('contact_points')
      .select('opted_out_at')
      .where('debtor_id', '=', id)
      .where('channel', '=', 'email')
      .executeTakeFirst();
    expect(email?.opted_out_at).toBeInstanceOf(Date);

    const tomorrow = addDays(today(), 1);
    await page.getByLabel(t.callBackDate).fill(tomorrow);
    await page.getByLabel(t.callBackWindow).selectOption('10-12');
    await page.getByRole('button', { name: t.callBackSubmit }).click();
    expect(await page.getByRole('status').textContent()).toBe(t.callBackDone(day(tomorrow), '10:00–12:00'));
    const task = await product.db
      .selectFrom('agent_tasks')
      .select(['kind', 'status'])
      .where('debtor_id', '=', id)
      .where('kind', '=', 'call-back')
      .executeTakeFirst();
    expect(task).toEqual({ kind: 'call-back', status: 'open' });
    await page.context().close();
  });
});

describe('portal safety and measurement', () => {
  const signer = new LinkSigner(SECRET);
  const get = (path: string, init?: RequestInit) => fetch(`${product.apiUrl}${path}`, init);
  const csrfOf = async (path: string) =>
    /name="_csrf" value="([^"]+)"/.exec(await (await get(path)).text())?.[1] ?? '';

  it('refuses expired, tampered and foreign links with the same friendly page', async () => {
    const id = 'portal-safety-links';
    const link = new URL(await openCase(id, 'de'));
    const token = link.pathname.split('/')[2]!;
    const expired = signer.issue(id, 'portal', new Date(Date.now() - 40 * 86_400_000), 30);
    const tampered = token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const wrongPurpose = signer.issue(id, 'unsubscribe-email', new Date(), 30);
    const otherSecret = new LinkSigner('another-secret-0123456789abcdefghijkl').issue(
      id,
      'portal',
      new Date(),
      30,
    );
    for (const bad of [expired, tampered, wrongPurpose, otherSecret, 'not-a-token-at-all']) {
      const response = await get(`/p/${bad}`);
      expect(response.status, bad).toBe(404);
      expect(await response.text()).toContain(texts.de.invalidTitle);
    }
    const page = await phonePage('de');
    await page.goto(`${product.apiUrl}/p/${tampered}`);
    await checkPage(page, 'invalid-de');
    await page.goto(`${product.apiUrl}/p/${tampered}?lang=en`);
    await checkPage(page, 'invalid-en');
    await page.context().close();
  });

  it('refuses forms without a valid CSRF token bound to the link, and cross-site posts', async () => {
    const id = 'portal-safety-csrf';
    const token = new URL(await openCase(id, 'de')).pathname.split('/')[2]!;
    const other = new URL(await openCase('portal-safety-csrf-other', 'de')).pathname.split('/')[2]!;
    const date = addDays(today(), 5);
    const post = (csrf: string, headers: Record<string, string> = {}) =>
      get(`/p/${token}/promise`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ date, ...(csrf ? { _csrf: csrf } : {}) }).toString(),
      });
    expect((await post('')).status).toBe(403);
    expect((await post(await csrfOf(`/p/${other}/promise`))).status).toBe(403);
    const valid = await csrfOf(`/p/${token}/promise`);
    expect((await post(valid, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post(valid, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await product.cases.state(id)).status).toBe('active');
    expect((await post(valid)).status).toBe(200);
    expect((await product.cases.state(id)).status).toBe('promised');
  });

  it('answers a forged or unsigned Stripe webhook with 400 and records nothing', async () => {
    const id = 'portal-safety-stripe';
    await openCase(id, 'de');
    const forged = await stripe.forge({
      id: 'cs_test_forged',
      object: 'checkout.session',
      mode: 'payment',
      status: 'complete',
      payment_status: 'paid',
      amount_total: TOTAL,
      currency: 'eur',
      client_reference_id: id,
      metadata: { debtorId: id },
      success_url: '',
      cancel_url: '',
      url: '',
      livemode: false,
    });
    expect(forged.status).toBe(400);
    const unsigned = await get('/webhooks/stripe', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unsigned.status).toBe(400);
    expect(await product.db.selectFrom('payments').selectAll().where('debtor_id', '=', id).execute()).toEqual(
      [],
    );
  });

  it('records every portal step as a funnel event with segment and channel', async () => {
    const events = await product.db
      .selectFrom('portal_events')
      .select(['debtor_id', 'type', 'segment', 'channel'])
      .where('debtor_id', 'like', 'portal-de-%')
      .execute();
    const types = new Set(events.map((e) => e.type));
    for (const type of PORTAL_EVENT_TYPES) {
      expect(types, type).toContain(type);
    }
    expect(events.filter((e) => e.type === 'opened').every((e) => e.channel === 'email')).toBe(true);
    expect(events.find((e) => e.type === 'paid')).toMatchObject({ segment: 'assisted', channel: 'email' });
    const timeline = await product.db
      .selectFrom('case_events')
      .select(['type'])
      .where('source', '=', 'portal')
      .where('debtor_id', '=', 'portal-de-plan')
      .execute();
    expect(timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['portal-opened', 'portal-plan']));
  });

  it('100 rapid requests on one link hit the rate limit with a friendly page', async () => {
    const token = new URL(await openCase('portal-safety-rate', 'de')).pathname.split('/')[2]!;
    const statuses = await Promise.all(
      Array.from({ length: 100 }, () =>
        get(`/p/${token}/promise`).then(async (r) => ({
          status: r.status,
          retry: r.headers.get('retry-after'),
          body: await r.text(),
        })),
      ),
    );
    const limited = statuses.filter((s) => s.status === 429);
    expect(statuses.filter((s) => s.status === 200)).toHaveLength(60);
    expect(limited).toHaveLength(40);
    expect(limited[0]?.retry).toMatch(/^\d+$/);
    expect(limited[0]?.body).toContain(texts.de.tooManyTitle);
  });
});
