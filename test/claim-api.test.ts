import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays } from '../domain/claim/days.js';
import { localDate } from '../domain/dates.js';
import { eventually } from './setup/eventually.js';
import { startProduct, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';

let product: RunningProduct;
const zone = zoneInContactWindowNow();

describe('the claim in GET /v1/cases/{id}', () => {
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'));
  });
  afterAll(() => product?.stop());

  it('a business debtor 60 days overdue: principal, interest at base rate + 9 points, the € 40 flat fee', async () => {
    const id = 'claim-business-60';
    const today = localDate(new Date(), zone);
    const business = { name: 'Muster GmbH', locale: 'de', timezone: zone, country: 'DE', type: 'business' };
    expect(
      (await product.request('PUT', `/v1/debtors/${id}`, { ...business, email: 'gmbh@example.com' })).status,
    ).toBe(201);
    const dueDate = addDays(today, -60);
    const opened = await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, {
      currency: 'EUR',
      amountDue: 12_950,
      dueDate,
      issuedAt: `${addDays(dueDate, -14)}T10:00:00Z`,
    });
    expect(opened.status).toBe(201);
    const view = await product.request('GET', `/v1/cases/${id}`);
    expect(view.status).toBe(200);
    const { claim } = view.body as { claim: Record<string, unknown> & { lines: Record<string, unknown>[] } };
    // Against a business, default begins 30 days after the due date (§ 286 (3) BGB): interest for
    // days 31–60 at the base rate of the half-year (1.27 %, carried forward) + 9 points = 10.27 %.
    // 12,950 × 10.27 % × 30 / 365 = 109.31 → 1.09 €.
    expect(claim).toMatchObject({
      currency: 'EUR',
      principal: 12_950,
      interest: 109,
      fees: 4000,
      paid: 0,
      open: 17_059,
      interestRate: 1027,
      asOf: today,
      baseRateMissing: true,
    });
    expect(claim.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'interest',
          from: addDays(dueDate, 31),
          to: today,
          days: 30,
          rateBasisPoints: 1027,
          // No base rate from 2026-07-01 in the table yet: carried forward, and the line says so.
          baseRateKnown: false,
        }),
        { kind: 'fee', fee: 'flat-fee', date: addDays(dueDate, 31), amount: 4000 },
      ]),
    );

    // The reminder e-mail asks for the whole claim and says what it is made of.
    const mail = await product.devOutbox!.waitFor((m) => m.to.includes('gmbh@example.com'));
    const text = mail.text.replaceAll('\u00a0', ' ');
    expect(mail.subject.replaceAll('\u00a0', ' ')).toContain('170,59 €');
    expect(text).toContain(
      'Davon: Hauptforderung 129,50 €, Verzugszinsen 1,09 € (10,27 % pro Jahr), Kosten 40,00 €.',
    );

    // The portal the e-mail links to shows the same claim, line by line, and asks for its total.
    const portalUrl = /https?:\/\/\S+\/p\/[^\s?]+\?c=e/.exec(mail.text)?.[0];
    expect(portalUrl).toBeDefined();
    const portal = (await (await fetch(portalUrl!)).text()).replaceAll('\u00a0', ' ');
    expect(portal).toContain('Woraus sich der offene Betrag zusammensetzt');
    expect(portal).toContain('<p class="amount">170,59 €</p>');
    expect(portal).toMatch(/Hauptforderung Rechnung inv-1 \(fällig am [^)]+\)<\/th><td class="num">129,50 €/);
    expect(portal).toMatch(
      /Verzugszinsen [^<]+\(30 Tage, 10,27 % p\. a\. auf 129,50 €\)<\/th><td class="num">1,09 €/,
    );
    expect(portal).toContain('Verzugspauschale (§ 288 Abs. 5 BGB)</th><td class="num">40,00 €');
    const english = (await (await fetch(`${portalUrl!}&lang=en`)).text()).replaceAll('\u00a0', ' ');
    expect(english).toContain('What the amount open is made of');
    expect(english).toContain('Flat fee for late payment (§ 288 (5) BGB)</th><td class="num">€40.00');
  });

  it('a protected debtor: interest and fees waived, and the timeline says so with the reason', async () => {
    const id = 'claim-hardship';
    await product.request('PUT', `/v1/debtors/${id}`, {
      name: 'Hanna Härtefall',
      locale: 'de',
      timezone: zone,
      country: 'DE',
      flags: ['hardship'],
      email: 'hanna@example.com',
    });
    const dueDate = addDays(localDate(new Date(), zone), -60);
    await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, {
      currency: 'EUR',
      amountDue: 50_000,
      dueDate,
      issuedAt: `${addDays(dueDate, -14)}T10:00:00Z`,
    });
    type View = { segment: string; claim: unknown; timeline: { type: string; summary: string }[] };
    const view = await eventually(
      async () => (await product.request('GET', `/v1/cases/${id}`)).body as View,
      (v) => v.timeline.some((e) => e.type === 'claim-waived'),
    );
    expect(view.segment).toBe('protected');
    expect(view.claim).toMatchObject({
      interest: 0,
      fees: 0,
      open: 50_000,
      waiver: { reason: expect.any(String) },
    });
    const reason = (view.claim as { waiver: { reason: string } }).waiver.reason;
    expect(view.timeline.filter((e) => e.type === 'claim-waived').map((e) => e.summary)).toEqual([
      `Interest and fees waived: ${reason}`,
    ]);
  });

  it('a debtor abroad in another currency gets no German rules', async () => {
    const id = 'claim-us-consumer';
    await product.request('PUT', `/v1/debtors/${id}`, {
      name: 'Sam Smith',
      locale: 'en',
      timezone: zone,
      country: 'US',
      type: 'business',
      email: 'sam@example.com',
    });
    await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, {
      currency: 'USD',
      amountDue: 50_000,
      dueDate: addDays(localDate(new Date(), zone), -90),
      issuedAt: '2026-01-01T10:00:00Z',
    });
    const view = await product.request('GET', `/v1/cases/${id}`);
    expect((view.body as { claim: unknown }).claim).toMatchObject({
      principal: 50_000,
      interest: 0,
      fees: 0,
      open: 50_000,
      interestRate: null,
    });
  });

  it('refuses a postal address with a postcode not of its country, naming the field', async () => {
    const answer = await product.request('PUT', '/v1/debtors/claim-bad-address', {
      name: 'Erika Muster',
      locale: 'de',
      timezone: 'Europe/Berlin',
      address: { street: 'Hauptstraße', houseNumber: '5', postcode: '1234', city: 'Berlin', country: 'DE' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      issues: [{ field: 'address.postcode', message: expect.stringContaining('DE postcode') }],
    });
  });
});
