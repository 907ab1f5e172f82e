import { describe, expect, it } from 'vitest';
import {
  computeClaim,
  defaultCreditorPolicy,
  legalNoticesFor,
  rdgFirstDemandInformation,
  regulationFValidationInformation,
  validationPeriodEnd,
} from '../domain/claim/index.js';

const rules = { kind: 'rules' as const, rules: defaultCreditorPolicy().rules };
const nbsp = (text: string) => text.replaceAll('\u00a0', ' ');

/** € 1,000.00 due 15 May 2024, reminded 10 June and 20 June, as of 10 July 2024 (see claim.test.ts). */
const claim = computeClaim(
  {
    currency: 'EUR',
    debtorType: 'consumer',
    invoices: [{ id: 'inv-1', amount: 100_000, dueDate: '2024-05-15', issuedOn: '2024-04-15' }],
    payments: [],
    reminders: ['2024-06-10', '2024-06-20'],
    asOf: '2024-07-10',
  },
  rules,
);

describe('§ 13a RDG first-demand information', () => {
  const facts = {
    claim,
    creditorName: 'Stadtwerke Musterstadt GmbH',
    claimReason: 'Stromlieferungsvertrag 4711',
    invoices: [{ id: 'inv-1', issuedOn: '2024-04-15' }],
  };

  it('names creditor, reason and date, the interest per rate and period, and each cost (de)', () => {
    expect(nbsp(rdgFirstDemandInformation({ ...facts, locale: 'de' })).split('\n')).toEqual([
      'Informationen nach § 13a Abs. 1 Rechtsdienstleistungsgesetz (RDG)',
      'Auftraggeber (Gläubiger): Stadtwerke Musterstadt GmbH',
      'Forderungsgrund: Stromlieferungsvertrag 4711; Rechnung inv-1 vom 15. April 2024',
      'Zinsberechnung (Verzugszinsen nach § 288 BGB, ohne Zinseszins): ' +
        '8,62 % p. a. auf 1.000,00 € vom 11. Juni 2024 bis 30. Juni 2024 (20 Tage): 4,72 €; ' +
        '8,37 % p. a. auf 1.000,00 € vom 1. Juli 2024 bis 10. Juli 2024 (10 Tage): 2,30 €',
      'Kosten: Mahngebühr (20. Juni 2024): 2,50 €',
    ]);
  });

  it('in English, and says "none" when there is nothing', () => {
    const plain = computeClaim(
      {
        ...{ currency: 'EUR', debtorType: 'consumer' as const, payments: [], asOf: '2024-07-10' },
        invoices: [{ id: 'inv-1', amount: 100, dueDate: '2024-05-15', issuedOn: '2024-04-15' }],
        reminders: [],
      },
      rules,
    );
    const text = nbsp(rdgFirstDemandInformation({ ...facts, claim: plain, locale: 'en' }));
    expect(text).toContain('On behalf of (creditor): Stadtwerke Musterstadt GmbH');
    expect(text).toContain(
      'Interest calculation (default interest under § 288 BGB, no compound interest): none',
    );
    expect(text).toContain('Costs: none');
  });
});

describe('Regulation F § 1006.34 validation information', () => {
  it('itemizes interest, fees and payments since the itemization date and names the end of the validation period', () => {
    const usd = computeClaim(
      {
        currency: 'USD',
        debtorType: 'consumer',
        invoices: [{ id: 'A-7', amount: 250_000, dueDate: '2026-10-15', issuedOn: '2026-09-15' }],
        payments: [{ id: 'p-1', amount: 50_000, paidOn: '2026-11-02' }],
        reminders: [],
        asOf: '2026-12-01',
      },
      { kind: 'none' },
    );
    const text = regulationFValidationInformation({
      claim: usd,
      locale: 'en',
      creditorName: 'Acme Utilities',
      claimReason: 'electricity',
      itemizationDate: '2026-10-15',
      sentOn: '2026-12-01',
    });
    expect(text.split('\n')).toEqual([
      'Acme Utilities is trying to collect a debt that you owe. We are a debt collector (Regulation F § 1006.34).',
      'As of October 15, 2026, you owed: $2,500.00',
      'Between October 15, 2026 and today: you were charged this amount in interest: + $0.00; in fees: + $0.00; you paid or were credited this amount toward the debt: − $500.00',
      'Total amount of the debt now: $2,000.00',
      'Call or write to us by January 8, 2027 to dispute all or part of the debt or to request the name and address of the original creditor. If you do not, we will assume that our information is correct.',
    ]);
  });

  it('the validation period ends 30 days after receipt, assumed five weekdays (plus one day of margin) after sending', () => {
    // Tue 1 Dec 2026 + 6 weekdays = Wed 9 Dec; + 30 days = Fri 8 Jan 2027.
    expect(validationPeriodEnd('2026-12-01')).toBe('2027-01-08');
    // Fri 4 Dec 2026: Mon 7 … Mon 14 Dec is the sixth weekday; + 30 = 13 Jan 2027.
    expect(validationPeriodEnd('2026-12-04')).toBe('2027-01-13');
  });
});

describe('which legal blocks a first demand carries', () => {
  it('§ 13a RDG as an agency or after a hand-over; Regulation F for US consumers as a third party', () => {
    const base = { actsAsAgency: false, handedOver: false, debtorType: 'consumer' as const, country: 'DE' };
    expect(legalNoticesFor(base)).toEqual([]);
    expect(legalNoticesFor({ ...base, handedOver: true })).toEqual(['rdg-13a']);
    expect(legalNoticesFor({ ...base, actsAsAgency: true })).toEqual(['rdg-13a']);
    expect(legalNoticesFor({ ...base, actsAsAgency: true, country: 'US' })).toEqual([
      'regulation-f-validation',
    ]);
    expect(legalNoticesFor({ ...base, actsAsAgency: true, country: 'US', debtorType: 'business' })).toEqual(
      [],
    );
  });
});
