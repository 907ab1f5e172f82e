import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays } from '../domain/claim/days.js';
import { formatDueDate, localDate } from '../domain/dates.js';
import { eventually } from './setup/eventually.js';
import { loginToInbox } from './setup/inbox-login.js';
import { startProduct, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';

/**
 * Where the claim shows beyond the API: the inbox's case view (the real server's HTML, in the
 * debtor's language) and the SMS, read from the Twilio-compatible sink on loopback. A business in
 * Germany, 60 days overdue: 129.50 principal, 30 days of default interest at 1.27 % + 9 points
 * (12,950 × 10.27 % × 30 / 365 = 1.09) and the € 40 flat fee: 170.59 open.
 */
const zone = zoneInContactWindowNow();
const PASSWORD = 'claim-views-password-1';
let product: RunningProduct;

beforeAll(async () => {
  product = await startProduct(inject('temporalAddress'));
});
afterAll(() => product?.stop());

const nbsp = (text: string) => text.replaceAll('\u00a0', ' ').replaceAll('\u202f', ' ');

async function openBusinessCase(id: string, extra: Record<string, unknown>): Promise<string> {
  const profile = {
    name: `Muster GmbH ${id}`,
    timezone: zone,
    country: 'DE',
    type: 'business',
    ...extra,
  };
  expect((await product.request('PUT', `/v1/debtors/${id}`, profile)).status).toBe(201);
  const dueDate = addDays(localDate(new Date(), zone), -60);
  const invoice = {
    currency: 'EUR',
    amountDue: 12_950,
    dueDate,
    issuedAt: `${addDays(dueDate, -14)}T10:00:00Z`,
  };
  expect((await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, invoice)).status).toBe(201);
  return dueDate;
}

/** A supervisor logged in to the inbox: the session cookie. */
async function supervisorSession(): Promise<string> {
  const email = 'claim-views-supervisor@example.com';
  const created = await product.request('POST', '/v1/agents', {
    email,
    name: 'Sina Supervisor',
    skills: ['lang:de', 'lang:en'],
    role: 'supervisor',
    password: PASSWORD,
  });
  expect(created.status).toBe(201);
  const { status, cookie } = await loginToInbox(product.apiUrl, email, PASSWORD);
  expect(status).toBe(303);
  return cookie;
}

/** The rows of the case view's claim table: label and amount. */
function claimTableRows(html: string): [string, string][] {
  const table = /<table data-claim><tbody>(.*?)<\/tbody><\/table>/s.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr><td>(.*?)<\/td><td>(.*?)<\/td><\/tr>/g)].map((m) => [
    nbsp(m[1]!.replaceAll('&amp;', '&')),
    nbsp(m[2]!),
  ]);
}

describe('the claim beyond the API', () => {
  it('the inbox case view shows principal, interest, fees, payments and the open claim in the debtor’s language', async () => {
    const session = await supervisorSession();
    const today = localDate(new Date(), zone);
    for (const locale of ['de', 'en'] as const) {
      const id = `claim-inbox-${locale}`;
      // An A-customer who may be called: the personal strategy opens a call task at once.
      const dueDate = await openBusinessCase(id, {
        locale,
        email: `${id}@example.com`,
        phone: '+4915123456789',
        consents: { call: true },
        customerValue: 'A',
      });
      const paid = await product.request('POST', `/v1/debtors/${id}/payments`, {
        paymentId: `${id}-p1`,
        amount: 1_000,
        currency: 'EUR',
        paidAt: new Date().toISOString(),
      });
      expect(paid).toMatchObject({ status: 201, body: { openAmount: 16_059 } });
      const task = await eventually(
        () =>
          product.db.selectFrom('agent_tasks').select('id').where('debtor_id', '=', id).executeTakeFirst(),
        (row) => row !== undefined,
      );
      const page = await fetch(`${product.apiUrl}/inbox/tasks/${task!.id}`, { headers: { cookie: session } });
      expect(page.status).toBe(200);
      const html = await page.text();
      const day = (date: string) => formatDueDate(date, locale);
      expect(nbsp(html)).toContain(
        locale === 'de' ? 'Total open: <strong>160,59 €' : 'Total open: <strong>€160.59',
      );
      const interestFrom = day(addDays(dueDate, 31));
      expect(claimTableRows(html)).toEqual(
        locale === 'de'
          ? [
              [`Hauptforderung Rechnung inv-1 (fällig am ${day(dueDate)})`, '129,50 €'],
              [
                `Verzugszinsen ${interestFrom} – ${day(today)} (30 Tage, 10,27 % p. a. auf 129,50 €)`,
                '1,09 €',
              ],
              ['Verzugspauschale (§ 288 Abs. 5 BGB)', '40,00 €'],
              [`Zahlung vom ${day(today)}`, '-10,00 €'],
              ['Offener Betrag', '160,59 €'],
            ]
          : [
              [`Principal, invoice inv-1 (due on ${day(dueDate)})`, '€129.50'],
              [
                `Default interest ${interestFrom} – ${day(today)} (30 days, 10.27% a year on €129.50)`,
                '€1.09',
              ],
              ['Flat fee for late payment (§ 288 (5) BGB)', '€40.00'],
              [`Payment of ${day(today)}`, '-€10.00'],
              ['Amount open', '€160.59'],
            ],
      );
    }
  });

  it('an SMS asks for the whole open claim in its short form', async () => {
    const sink = product.devSms!;
    const phone = '+4915111119001';
    await openBusinessCase('claim-sms', {
      locale: 'de',
      email: 'claim-sms@example.com',
      phone,
      consents: { email: true, sms: true },
    });
    const sms = await sink.waitFor((m) => m.to === phone && m.direction === 'outbound-api', 30_000);
    // Principal + interest + flat fee, not the principal (129,50 €); the portal link shows the parts.
    expect(nbsp(sms.body)).toMatch(/^Mahnwerk Demo GmbH: Bei uns sind noch 170,59 € offen\./);
    expect(sms.body).toContain(`${product.config.http.publicUrl}/p/`);
  });
});
