import { formatDueDate } from '../dates.js';
import { formatMoney } from '../money.js';
import type { ClaimBreakdown } from './compute.js';
import { addDays, dateOfDay, dayNumber } from './days.js';

/**
 * The information the law requires in a collector's first demand, as text blocks in German and
 * English (pure functions of the claim; every amount and date comes from the breakdown):
 * - § 13a (1) RDG: when Mahnwerk acts as a collection agency (creditor policy `actsAsAgency`) or a
 *   case was handed over: creditor, reason and date of the claim, the interest calculation with
 *   rate and period, the kind and amount of costs.
 * - Regulation F § 1006.34 (12 CFR 1006): for US consumer debts in third-party mode: the
 *   itemization date and the itemization of interest, fees, payments and credits since then, and
 *   the end of the validation period.
 */
export type LegalLocale = 'de' | 'en';

export interface LegalFacts {
  claim: ClaimBreakdown;
  locale: LegalLocale;
  creditorName: string;
  /** What the claim is for, e.g. "electricity supply contract 4711". */
  claimReason: string;
  /** The invoices with the day each was issued (the claim's date). */
  invoices: { id: string; issuedOn: string }[];
}

const rate = (basisPoints: number, locale: LegalLocale) =>
  new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 2 }).format(basisPoints / 10_000);

export function rdgFirstDemandInformation(f: LegalFacts): string {
  const money = (amount: number) => formatMoney({ amount, currency: f.claim.currency }, f.locale);
  const day = (date: string) => formatDueDate(date, f.locale);
  const de = f.locale === 'de';
  const invoices = f.invoices.map((i) =>
    de ? `${i.id} vom ${day(i.issuedOn)}` : `${i.id} of ${day(i.issuedOn)}`,
  );
  const interest = f.claim.lines.flatMap((l) =>
    l.kind !== 'interest'
      ? []
      : de
        ? [
            `${rate(l.rateBasisPoints, 'de')} p. a. auf ${money(l.base)} vom ${day(l.from)} bis ${day(l.to)} (${l.days} Tage): ${money(l.amount)}`,
          ]
        : [
            `${rate(l.rateBasisPoints, 'en')} a year on ${money(l.base)} from ${day(l.from)} to ${day(l.to)} (${l.days} days): ${money(l.amount)}`,
          ],
  );
  const costs = f.claim.lines.flatMap((l) =>
    l.kind !== 'fee' ? [] : [`${COST_NAMES[f.locale][l.fee]} (${day(l.date)}): ${money(l.amount)}`],
  );
  const none = de ? 'keine' : 'none';
  return (
    de
      ? [
          'Informationen nach § 13a Abs. 1 Rechtsdienstleistungsgesetz (RDG)',
          `Auftraggeber (Gläubiger): ${f.creditorName}`,
          `Forderungsgrund: ${f.claimReason}; Rechnung ${invoices.join(', ')}`,
          `Zinsberechnung (Verzugszinsen nach § 288 BGB, ohne Zinseszins): ${interest.join('; ') || none}`,
          `Kosten: ${costs.join('; ') || none}`,
        ]
      : [
          'Information under section 13a (1) of the German Legal Services Act (RDG)',
          `On behalf of (creditor): ${f.creditorName}`,
          `Reason for the claim: ${f.claimReason}; invoice ${invoices.join(', ')}`,
          `Interest calculation (default interest under § 288 BGB, no compound interest): ${interest.join('; ') || none}`,
          `Costs: ${costs.join('; ') || none}`,
        ]
  ).join('\n');
}

const COST_NAMES = {
  de: {
    'dunning-fee': 'Mahngebühr',
    'flat-fee': 'Verzugspauschale § 288 Abs. 5 BGB',
    'flat-fee-set-off': 'Anrechnung auf die Pauschale',
  },
  en: {
    'dunning-fee': 'Dunning fee',
    'flat-fee': 'Flat fee § 288 (5) BGB',
    'flat-fee-set-off': 'Set off against the flat fee',
  },
} as const;

/**
 * § 1006.34 (b)(5): the consumer may be assumed to receive the notice five days (not counting
 * legal public holidays, Saturdays or Sundays) after it is sent; the validation period ends at the
 * earliest 30 days after that. Holidays are not known here, so we count weekdays and add a day of
 * margin, which only lengthens the period.
 */
export function validationPeriodEnd(sentOn: string): string {
  let day = dayNumber(sentOn);
  for (let weekdays = 0; weekdays < 6;) {
    day += 1;
    const weekday = new Date(day * 86_400_000).getUTCDay();
    if (weekday !== 0 && weekday !== 6) weekdays += 1;
  }
  return addDays(dateOfDay(day), 30);
}

export function regulationFValidationInformation(
  f: Omit<LegalFacts, 'locale' | 'invoices'> & {
    locale: LegalLocale;
    itemizationDate: string;
    sentOn: string;
  },
): string {
  const money = (amount: number) => formatMoney({ amount, currency: f.claim.currency }, f.locale);
  const day = (date: string) => formatDueDate(date, f.locale);
  const since = (date: string) => date > f.itemizationDate;
  const sum = (amounts: number[]) => amounts.reduce((a, b) => a + b, 0);
  const lines = f.claim.lines;
  const owedThen = sum(lines.flatMap((l) => (l.kind === 'principal' ? [l.amount] : [])));
  const interest = sum(lines.flatMap((l) => (l.kind === 'interest' && since(l.to) ? [l.amount] : [])));
  const fees = sum(lines.flatMap((l) => (l.kind === 'fee' && since(l.date) ? [l.amount] : [])));
  const payments = sum(
    lines.flatMap((l) => (l.kind === 'payment' && since(l.date) ? [l.amount - l.credit] : [])),
  );
  const end = day(validationPeriodEnd(f.sentOn));
  return f.locale === 'de'
    ? [
        `${f.creditorName} fordert einen Betrag von Ihnen. Wir treiben diese Forderung ein (Regulation F § 1006.34).`,
        `Stand am ${day(f.itemizationDate)}: ${money(owedThen)}`,
        `Seitdem: + Zinsen ${money(interest)}, + Gebühren ${money(fees)}, − Zahlungen ${money(payments)}, − Gutschriften ${money(0)}`,
        `Heute geschuldet: ${money(f.claim.open)}`,
        `Bis zum ${end} können Sie die Forderung ganz oder teilweise bestreiten oder Namen und Anschrift des ursprünglichen Gläubigers verlangen. Tun Sie das nicht, gehen wir davon aus, dass unsere Angaben stimmen.`,
      ].join('\n')
    : [
        `${f.creditorName} is trying to collect a debt that you owe. We are a debt collector (Regulation F § 1006.34).`,
        `As of ${day(f.itemizationDate)}, you owed: ${money(owedThen)}`,
        `Between ${day(f.itemizationDate)} and today: you were charged this amount in interest: + ${money(interest)}; in fees: + ${money(fees)}; you paid or were credited this amount toward the debt: − ${money(payments)}`,
        `Total amount of the debt now: ${money(f.claim.open)}`,
        `Call or write to us by ${end} to dispute all or part of the debt or to request the name and address of the original creditor. If you do not, we will assume that our information is correct.`,
      ].join('\n');
}

export type LegalNotice = 'rdg-13a' | 'regulation-f-validation';

/** Which blocks a first demand carries: § 13a RDG as an agency or after a hand-over; Regulation F for US consumers in third-party mode. */
export function legalNoticesFor(c: {
  actsAsAgency: boolean;
  handedOver: boolean;
  debtorType: 'consumer' | 'business';
  country: string | null;
}): LegalNotice[] {
  const notices: LegalNotice[] = [];
  if ((c.actsAsAgency || c.handedOver) && c.country !== 'US') notices.push('rdg-13a');
  if (c.actsAsAgency && c.country === 'US' && c.debtorType === 'consumer')
    notices.push('regulation-f-validation');
  return notices;
}
