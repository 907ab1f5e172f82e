import type { ClaimBreakdown, ClaimLine } from '../../domain/claim/index.js';
import { formatDueDate } from '../../domain/dates.js';
import { formatMoney } from '../../domain/money.js';
import { formatRate, type Locale } from './contexts.js';

/** What each line of a claim is called, in German and English (letters, portal, inbox). */
const LABELS = {
  de: {
    principal: (id: string, due: string) => `Hauptforderung Rechnung ${id} (fällig am ${due})`,
    interest: (from: string, to: string, days: number, rate: string, base: string) =>
      `Verzugszinsen ${from} – ${to} (${days} Tage, ${rate} p. a. auf ${base})`,
    'dunning-fee': (date: string) => `Mahngebühr vom ${date}`,
    'flat-fee': () => 'Verzugspauschale (§ 288 Abs. 5 BGB)',
    'flat-fee-set-off': (date: string) => `Anrechnung auf die Verzugspauschale (${date})`,
    payment: (date: string) => `Zahlung vom ${date}`,
    total: 'Offener Betrag',
    waiver: (reason: string) => `Zinsen und Kosten werden nicht berechnet (${reason}).`,
  },
  en: {
    principal: (id: string, due: string) => `Principal, invoice ${id} (due on ${due})`,
    interest: (from: string, to: string, days: number, rate: string, base: string) =>
      `Default interest ${from} – ${to} (${days} days, ${rate} a year on ${base})`,
    'dunning-fee': (date: string) => `Dunning fee of ${date}`,
    'flat-fee': () => 'Flat fee for late payment (§ 288 (5) BGB)',
    'flat-fee-set-off': (date: string) => `Set off against the flat fee (${date})`,
    payment: (date: string) => `Payment of ${date}`,
    total: 'Amount open',
    waiver: (reason: string) => `No interest or costs are charged (${reason}).`,
  },
} as const;

/** The claim as table rows: label and amount, the open total last. */
export function claimRows(claim: ClaimBreakdown, locale: Locale): [string, string][] {
  const t = LABELS[locale];
  const money = (amount: number) => formatMoney({ amount, currency: claim.currency }, locale);
  const day = (date: string) => formatDueDate(date, locale);
  const row = (line: ClaimLine): [string, string] => {
    switch (line.kind) {
      case 'principal':
        return [t.principal(line.invoiceId, day(line.dueDate)), money(line.amount)];
      case 'interest':
        return [
          t.interest(
            day(line.from),
            day(line.to),
            line.days,
            formatRate(line.rateBasisPoints, locale),
            money(line.base),
          ),
          money(line.amount),
        ];
      case 'fee':
        return [t[line.fee](day(line.date)), money(line.amount)];
      case 'payment':
        return [t.payment(day(line.date)), money(-(line.amount - line.credit))];
    }
  };
  return [...claim.lines.map(row), [t.total, money(claim.open)]];
}

/** Why no interest or costs run, for the debtor. */
export const waiverNote = (reason: string, locale: Locale): string => LABELS[locale].waiver(reason);
