import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BASE_RATES,
  baseRateOn,
  claimTermsFor,
  computeClaim,
  creditorPolicySchema,
  defaultCreditorPolicy,
  hasBaseRateFor,
  type ClaimFacts,
  type ClaimLine,
  type ClaimTerms,
} from '../domain/claim/index.js';

const statutory: ClaimTerms = { kind: 'rules', rules: defaultCreditorPolicy().rules };

/** € 1,000.00 due 2024-05-15, reminded 2024-06-10: default interest from 2024-06-11. */
const facts = (over: Partial<ClaimFacts> = {}): ClaimFacts => ({
  currency: 'EUR',
  debtorType: 'consumer',
  invoices: [{ id: 'inv-1', amount: 100_000, dueDate: '2024-05-15', issuedOn: '2024-04-15' }],
  payments: [],
  reminders: ['2024-06-10'],
  asOf: '2024-07-10',
  ...over,
});

const interestLines = (lines: ClaimLine[]) =>
  lines.flatMap((l) =>
    l.kind === 'interest' ? [[l.from, l.to, l.days, l.base, l.rateBasisPoints, l.amount]] : [],
  );

describe('base rates (§ 247 BGB)', () => {
  it('holds the Bundesbank values, each with its source', () => {
    expect(baseRateOn('2022-12-31').basisPoints).toBe(-88);
    expect(baseRateOn('2023-01-01').basisPoints).toBe(162);
    expect(baseRateOn('2023-07-01').basisPoints).toBe(312);
    expect(baseRateOn('2024-06-30').basisPoints).toBe(362);
    expect(baseRateOn('2024-07-01').basisPoints).toBe(337);
    expect(baseRateOn('2025-03-01').basisPoints).toBe(227);
    expect(baseRateOn('2025-07-01').basisPoints).toBe(127);
    for (const rate of BASE_RATES) {
      expect(rate.from).toMatch(/^\d{4}-(01|07)-01$/);
      expect(rate.source).toContain('Bundesbank');
    }
  });

  it('knows which half-years are missing', () => {
    expect(hasBaseRateFor('2026-03-31')).toBe(true);
    expect(hasBaseRateFor('2026-12-01')).toBe(false);
    expect(baseRateOn('2026-12-01').from).toBe('2026-01-01');
  });
});

describe('claim breakdown (hand-computed)', () => {
  it('consumer: base rate + 5 points, split at the base-rate change of 2024-07-01', () => {
    const claim = computeClaim(facts(), statutory);
    // June 11–30: 20 days × 100,000 × 8.62 % / 365 = 472.33; July 1–10: 10 days × 8.37 % = 229.32.
    expect(interestLines(claim.lines)).toEqual([
      ['2024-06-11', '2024-06-30', 20, 100_000, 862, 472],
      ['2024-07-01', '2024-07-10', 10, 100_000, 837, 230],
    ]);
    expect(claim).toMatchObject({ principal: 100_000, interest: 702, fees: 0, paid: 0, open: 100_702 });
    expect(claim.interestRate).toBe(837);
  });

  it('after 2026-06-30 the last known base rate is carried forward, and the lines say so', () => {
    const claim = computeClaim(
      facts({
        invoices: [{ id: 'inv-1', amount: 100_000, dueDate: '2026-05-15', issuedOn: '2026-04-15' }],
        reminders: ['2026-06-10'],
        asOf: '2026-07-10',
      }),
      statutory,
    );
    // 1.27 % + 5 points = 6.27 % on both sides of 2026-07-01; June 11–30: 20 × 100,000 × 6.27 % /
    // 365 = 343.56; July 1–10 (no announcement in the table): 10 days = 171.78; total 515.34.
    expect(
      claim.lines.flatMap((l) =>
        l.kind === 'interest' ? [[l.from, l.to, l.rateBasisPoints, l.baseRateKnown]] : [],
      ),
    ).toEqual([
      ['2026-06-11', '2026-06-30', 627, true],
      ['2026-07-01', '2026-07-10', 627, false],
    ]);
    expect(claim).toMatchObject({ interest: 515, baseRateMissing: true, interestRate: 627 });
  });

  it('business: base rate + 9 points and the € 40 flat fee once', () => {
    const claim = computeClaim(facts({ debtorType: 'business' }), statutory);
    // 20 × 100,000 × 12.62 % / 365 = 691.51; 10 × 12.37 % = 338.90; total 1,030.41.
    expect(interestLines(claim.lines).map((l) => l.at(-1))).toEqual([692, 338]);
    expect(claim).toMatchObject({ interest: 1030, fees: 4000, open: 105_030, interestRate: 1237 });
    expect(claim.lines.filter((l) => l.kind === 'fee')).toEqual([
      { kind: 'fee', fee: 'flat-fee', date: '2024-06-11', amount: 4000 },
    ]);
  });

  it('business: dunning fees are set off against the flat fee', () => {
    const claim = computeClaim(
      facts({ debtorType: 'business', reminders: ['2024-06-10', '2024-06-20'] }),
      statutory,
    );
    expect(claim.fees).toBe(4000);
    expect(claim.lines.filter((l) => l.kind === 'fee').map((l) => l.amount)).toEqual([4000, 250, -250]);
  });

  it('leap year: 29 February is a day of interest, and the year still has 365 days', () => {
    const claim = computeClaim(
      facts({
        invoices: [{ id: 'inv-1', amount: 365_000, dueDate: '2024-01-15', issuedOn: '2024-01-01' }],
        reminders: ['2024-01-31'],
        asOf: '2024-03-01',
      }),
      statutory,
    );
    // 1 Feb – 1 Mar 2024 = 30 days; 365,000 × 8.62 % × 30 / 365 = 2,586 exactly.
    expect(interestLines(claim.lines)).toEqual([['2024-02-01', '2024-03-01', 30, 365_000, 862, 2586]]);
  });

  it('a partial payment goes to costs, then interest, then principal (§ 367 BGB)', () => {
    const claim = computeClaim(
      facts({
        reminders: ['2024-06-10', '2024-06-20'],
        payments: [{ id: 'p-1', amount: 1000, paidOn: '2024-06-30' }],
      }),
      statutory,
    );
    // By 30 June: fee 250 (second reminder), interest 472; the rest, 278, reduces the principal.
    expect(claim.lines.find((l) => l.kind === 'payment')).toMatchObject({
      applied: { costs: 250, interest: 472, principal: 278 },
      remaining: { costs: 0, interest: 0, principal: 99_722 },
      credit: 0,
    });
    // July 1–10 on 99,722 at 8.37 %: 228.68; cumulated 700.99 → 701 in all.
    expect(interestLines(claim.lines)).toEqual([
      ['2024-06-11', '2024-06-30', 20, 100_000, 862, 472],
      ['2024-07-01', '2024-07-10', 10, 99_722, 837, 229],
    ]);
    expect(claim).toMatchObject({
      interest: 701,
      fees: 250,
      paid: 1000,
      open: 99_951,
      outstanding: { costs: 0, interest: 229, principal: 99_722 },
    });
  });

  it('a configured order applies principal first', () => {
    const rules = {
      ...defaultCreditorPolicy().rules,
      allocationOrder: ['principal', 'interest', 'costs'] as const,
    };
    const claim = computeClaim(facts({ payments: [{ id: 'p-1', amount: 1000, paidOn: '2024-06-30' }] }), {
      kind: 'rules',
      rules: { ...rules, allocationOrder: [...rules.allocationOrder] },
    });
    expect(claim.lines.find((l) => l.kind === 'payment')).toMatchObject({
      applied: { costs: 0, interest: 0, principal: 1000 },
    });
  });

  it('a surplus is a credit; the open claim is zero, and interest stops', () => {
    const claim = computeClaim(
      facts({ payments: [{ id: 'p-1', amount: 200_000, paidOn: '2024-06-30' }] }),
      statutory,
    );
    expect(claim).toMatchObject({
      interest: 472,
      paid: 100_472,
      credit: 99_528,
      open: 0,
      interestRate: null,
    });
  });

  it('thirty days after due date and receipt, without any reminder', () => {
    const rules = {
      ...defaultCreditorPolicy().rules,
      defaultBegins: { consumer: 'thirty-days' as const, business: 'earliest' as const },
    };
    const claim = computeClaim(facts({ reminders: [] }), { kind: 'rules', rules });
    // Due 15 May: the 30 days end on 14 June, interest runs from 15 June (16 days in June).
    expect(interestLines(claim.lines)[0]?.slice(0, 3)).toEqual(['2024-06-15', '2024-06-30', 16]);
  });

  it('no default without a reminder past the due date', () => {
    const claim = computeClaim(facts({ reminders: ['2024-05-10'] }), statutory);
    expect(claim).toMatchObject({ interest: 0, fees: 0, open: 100_000, interestRate: null });
  });

  it('dunning fees: first reminder free, then the fee up to the cap', () => {
    const claim = computeClaim(
      facts({ reminders: ['2024-06-10', '2024-06-17', '2024-06-24', '2024-07-01', '2024-07-08'] }),
      statutory,
    );
    expect(claim.lines.filter((l) => l.kind === 'fee').map((l) => l.amount)).toEqual([250, 250, 250]);
    expect(claim.fees).toBe(750);
  });

  it('a waiver: no interest and no fees, with its reason', () => {
    const claim = computeClaim(facts({ debtorType: 'business', reminders: ['2024-06-10', '2024-06-20'] }), {
      kind: 'waived',
      reason: 'hardship',
    });
    expect(claim).toMatchObject({ interest: 0, fees: 0, open: 100_000, waiver: { reason: 'hardship' } });
    expect(claim.lines.map((l) => l.kind)).toEqual(['principal']);
  });
});

describe('creditor policy', () => {
  const policy = defaultCreditorPolicy();

  it('German rules for euro claims against debtors in Germany only', () => {
    expect(claimTermsFor(policy, { segment: 'assisted', currency: 'EUR', country: 'DE' }).kind).toBe('rules');
    expect(claimTermsFor(policy, { segment: 'assisted', currency: 'USD', country: 'US' }).kind).toBe('none');
    expect(claimTermsFor(policy, { segment: 'assisted', currency: 'EUR', country: 'AT' }).kind).toBe('none');
    expect(claimTermsFor(policy, { segment: 'assisted', currency: 'CHF', country: 'DE' }).kind).toBe('none');
  });

  it('the protected segment is waived by default', () => {
    expect(claimTermsFor(policy, { segment: 'protected', currency: 'EUR', country: 'DE' })).toEqual({
      kind: 'waived',
      reason: expect.stringContaining('protected'),
    });
  });

  it('a segment overrides some rules and keeps the others', () => {
    const custom = creditorPolicySchema.parse({
      rules: { dunningFee: { amount: 500 } },
      segments: { 'high-risk': { rules: { consumerMarginBasisPoints: 400 } }, assisted: { enabled: false } },
    });
    const terms = claimTermsFor(custom, { segment: 'high-risk', currency: 'EUR', country: 'DE' });
    expect(terms).toMatchObject({
      kind: 'rules',
      rules: { consumerMarginBasisPoints: 400, dunningFee: { amount: 500 } },
    });
    expect(claimTermsFor(custom, { segment: 'assisted', currency: 'EUR', country: 'DE' }).kind).toBe('none');
  });

  it('names the bad field', () => {
    const result = creditorPolicySchema.safeParse({
      rules: { allocationOrder: ['costs', 'costs', 'principal'] },
    });
    expect(result.error?.issues[0]?.path).toEqual(['rules', 'allocationOrder']);
  });
});

describe('claim properties', () => {
  const day = fc
    .integer({ min: 0, max: 1600 })
    .map((n) => new Date(Date.UTC(2022, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
  const scenario = fc.record({
    debtorType: fc.constantFrom('consumer' as const, 'business' as const),
    invoices: fc.array(
      fc.record({ amount: fc.integer({ min: 1, max: 5_000_000 }), dueDate: day, issuedOn: day }),
      { minLength: 1, maxLength: 3 },
    ),
    payments: fc.array(fc.record({ amount: fc.integer({ min: 1, max: 3_000_000 }), paidOn: day }), {
      maxLength: 5,
    }),
    reminders: fc.array(day, { maxLength: 6 }),
    asOf: day,
    defaultBegins: fc.constantFrom('first-reminder' as const, 'thirty-days' as const, 'earliest' as const),
  });

  it('the open claim is never negative, adds up, and principal is paid only after costs and interest', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const claim = computeClaim(
          {
            currency: 'EUR',
            debtorType: s.debtorType,
            invoices: s.invoices.map((i, n) => ({ ...i, id: `inv-${n}` })),
            payments: s.payments.map((p, n) => ({ ...p, id: `p-${n}` })),
            reminders: s.reminders,
            asOf: s.asOf,
          },
          {
            kind: 'rules',
            rules: {
              ...defaultCreditorPolicy().rules,
              defaultBegins: { consumer: s.defaultBegins, business: s.defaultBegins },
            },
          },
        );
        expect(claim.open).toBeGreaterThanOrEqual(0);
        expect(Object.values(claim.outstanding).every((v) => v >= 0)).toBe(true);
        expect(claim.principal + claim.interest + claim.fees - claim.paid).toBe(claim.open);
        for (const line of claim.lines) {
          if (line.kind !== 'payment' || line.applied.principal === 0) continue;
          expect(line.remaining.costs).toBe(0);
          expect(line.remaining.interest).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
