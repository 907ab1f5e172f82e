import { BASE_RATES, baseRateOn, hasBaseRateFor, type BaseRate } from './base-rates.js';
import { addDays, dateOfDay, dayNumber } from './days.js';
import type { AllocationPart, ClaimRules, ClaimTerms, DefaultBegins } from './rules.js';

/**
 * The claim of a case, computed from facts alone (no I/O, workflow-safe).
 *
 * Money is integers in minor units throughout. Interest is simple (§ 289 BGB: no interest on
 * interest), day count act/365: each calendar day of default adds principal × rate / 365, also in
 * leap years (so 29 February earns a day). Rates are basis points, so a day's interest is the
 * exact rational principal × bp / 3,650,000; these are summed exactly (bigint) and rounded half up
 * to minor units only when shown or paid. Lines are rounded cumulatively, so they add up exactly to
 * the total. A day's interest is earned on the principal open at the start of that day: a payment
 * counts from the day after it was made.
 */
export interface ClaimInvoice {
  id: string;
  amount: number;
  dueDate: string;
  /** The day the invoice was issued (taken as the day it was received). */
  issuedOn: string;
}

export interface ClaimPayment {
  id: string;
  amount: number;
  paidOn: string;
}

export interface ClaimFacts {
  currency: string;
  debtorType: 'consumer' | 'business';
  invoices: ClaimInvoice[];
  payments: ClaimPayment[];
  /** Days on which a dunning reminder went out, one per step (however many channels). */
  reminders: string[];
  /** The debtor's local today: interest runs up to and including this day. */
  asOf: string;
}

export type ClaimLine =
  | { kind: 'principal'; invoiceId: string; dueDate: string; defaultFrom: string | null; amount: number }
  | {
      kind: 'interest';
      invoiceId: string;
      from: string;
      to: string;
      days: number;
      base: number;
      /** Base rate + margin, basis points a year. */
      rateBasisPoints: number;
      /**
       * False when the base rate of these days' half-year is not in the table yet: the last known
       * one was carried forward (the line is split where that starts).
       */
      baseRateKnown: boolean;
      amount: number;
    }
  | { kind: 'fee'; fee: 'dunning-fee' | 'flat-fee' | 'flat-fee-set-off'; date: string; amount: number }
  | {
      kind: 'payment';
      paymentId: string;
      date: string;
      amount: number;
      applied: Record<AllocationPart, number>;
      credit: number;
      /** What is still open right after this payment. */
      remaining: Record<AllocationPart, number>;
    };

export interface ClaimBreakdown {
  currency: string;
  principal: number;
  interest: number;
  fees: number;
  /** Payments applied to the claim (a surplus is `credit`). */
  paid: number;
  credit: number;
  open: number;
  /** What `open` is made of. */
  outstanding: Record<AllocationPart, number>;
  /** The default interest rate on `asOf`, basis points a year; null when no interest runs. */
  interestRate: number | null;
  asOf: string;
  /** Interest or fees waived, and why. */
  waiver: { reason: string } | null;
  /** The base rate of asOf's half-year is not in the table yet: the last known one was used. */
  baseRateMissing: boolean;
  lines: ClaimLine[];
}

/** Interest numerators are in units of 1 / (10,000 bp × 365 days) of a minor unit. */
const DENOMINATOR = 3_650_000n;
const roundHalfUp = (numerator: bigint): number =>
  Number((numerator * 2n + DENOMINATOR) / (2n * DENOMINATOR));

export function computeClaim(
  facts: ClaimFacts,
  terms: ClaimTerms,
  baseRates: readonly BaseRate[] = BASE_RATES,
): ClaimBreakdown {
  const rules = terms.kind === 'rules' ? terms.rules : null;
  const invoices = [...facts.invoices].sort(
    (a, b) => a.dueDate.localeCompare(b.dueDate) || a.id.localeCompare(b.id),
  );
  const reminders = [...facts.reminders].sort();
  const defaultFrom = new Map(
    invoices.map((i) => [
      i.id,
      rules ? defaultStart(i, reminders, rules.defaultBegins[facts.debtorType]) : null,
    ]),
  );
  const margin = rules
    ? facts.debtorType === 'business'
      ? rules.businessMarginBasisPoints
      : rules.consumerMarginBasisPoints
    : 0;
  const rateOn = (date: string) => Math.max(0, baseRateOn(date, baseRates).basisPoints + margin);
  const interestRuns = rules?.interest === true;

  const fees = rules ? feeLines(facts, invoices, reminders, defaultFrom, rules) : [];
  const order: readonly AllocationPart[] = rules?.allocationOrder ?? ['costs', 'interest', 'principal'];
  const open = new Map(invoices.map((i) => [i.id, i.amount]));
  const lines: ClaimLine[] = invoices.map((i) => ({
    kind: 'principal',
    invoiceId: i.id,
    dueDate: i.dueDate,
    defaultFrom: interestRuns ? (defaultFrom.get(i.id) ?? null) : null,
    amount: i.amount,
  }));

  // Interest accrues per invoice in runs of constant principal and rate; each run becomes a line.
  let accrued = 0n;
  let shownInterest = 0;
  const runs = new Map<
    string,
    { from: number; base: number; rate: number; known: boolean; numerator: bigint }
  >();
  const closeRun = (invoiceId: string, lastDay: number) => {
    const run = runs.get(invoiceId);
    if (!run) return;
    runs.delete(invoiceId);
    accrued += run.numerator;
    const amount = roundHalfUp(accrued) - shownInterest;
    shownInterest += amount;
    lines.push({
      kind: 'interest',
      invoiceId,
      from: dateOfDay(run.from),
      to: dateOfDay(lastDay),
      days: lastDay - run.from + 1,
      base: run.base,
      rateBasisPoints: run.rate,
      baseRateKnown: run.known,
      amount,
    });
  };
  const pendingInterest = () =>
    roundHalfUp(accrued + [...runs.values()].reduce((sum, run) => sum + run.numerator, 0n)) - interestPaid;

  let feesPaid = 0;
  let interestPaid = 0;
  let credit = 0;
  let paid = 0;
  const payments = [...facts.payments].sort(
    (a, b) => a.paidOn.localeCompare(b.paidOn) || a.id.localeCompare(b.id),
  );
  const firstDay = Math.min(
    dayNumber(facts.asOf),
    ...invoices.map((i) => dayNumber(i.dueDate)),
    ...payments.map((p) => dayNumber(p.paidOn)),
  );
  const lastDay = dayNumber(facts.asOf);

  for (let day = firstDay; day <= lastDay; day++) {
    const date = dateOfDay(day);
    if (interestRuns) {
      for (const invoice of invoices) {
        const from = defaultFrom.get(invoice.id);
        const base = open.get(invoice.id) ?? 0;
        if (!from || date < from || base === 0) continue;
        const rate = rateOn(date);
        const known = hasBaseRateFor(date, baseRates);
        const run = runs.get(invoice.id);
        if (run && (run.rate !== rate || run.base !== base || run.known !== known))
          closeRun(invoice.id, day - 1);
        const current = runs.get(invoice.id) ?? { from: day, base, rate, known, numerator: 0n };
        current.numerator += BigInt(base) * BigInt(rate);
        runs.set(invoice.id, current);
      }
    }
    for (const payment of payments.filter((p) => p.paidOn === date)) {
      const due: Record<AllocationPart, number> = {
        costs: sumUpTo(fees, date) - feesPaid,
        interest: pendingInterest(),
        principal: [...open.values()].reduce((a, b) => a + b, 0),
      };
      const applied: Record<AllocationPart, number> = { costs: 0, interest: 0, principal: 0 };
      let left = payment.amount;
      for (const part of order) {
        applied[part] = Math.min(left, due[part]);
        left -= applied[part];
      }
      feesPaid += applied.costs;
      interestPaid += applied.interest;
      let toPrincipal = applied.principal;
      for (const invoice of invoices) {
        const take = Math.min(toPrincipal, open.get(invoice.id) ?? 0);
        if (take === 0) continue;
        // The run so far was earned on the old principal; the next day starts a new one.
        if (runs.has(invoice.id)) closeRun(invoice.id, day);
        open.set(invoice.id, (open.get(invoice.id) ?? 0) - take);
        toPrincipal -= take;
      }
      credit += left;
      paid += payment.amount - left;
      lines.push({
        kind: 'payment',
        paymentId: payment.id,
        date,
        amount: payment.amount,
        applied,
        credit: left,
        remaining: {
          costs: due.costs - applied.costs,
          interest: due.interest - applied.interest,
          principal: due.principal - applied.principal,
        },
      });
    }
  }
  for (const invoiceId of [...runs.keys()]) closeRun(invoiceId, lastDay);
  lines.push(...fees.filter((f) => f.date <= facts.asOf));

  const principal = invoices.reduce((sum, i) => sum + i.amount, 0);
  const feeTotal = sumUpTo(fees, facts.asOf);
  const outstanding = {
    costs: feeTotal - feesPaid,
    interest: shownInterest - interestPaid,
    principal: [...open.values()].reduce((a, b) => a + b, 0),
  };
  return {
    currency: facts.currency,
    principal,
    interest: shownInterest,
    fees: feeTotal,
    paid,
    credit,
    open: outstanding.costs + outstanding.interest + outstanding.principal,
    outstanding,
    interestRate:
      interestRuns &&
      invoices.some((i) => (open.get(i.id) ?? 0) > 0 && (defaultFrom.get(i.id) ?? '9') <= facts.asOf)
        ? rateOn(facts.asOf)
        : null,
    asOf: facts.asOf,
    waiver: terms.kind === 'waived' ? { reason: terms.reason } : null,
    baseRateMissing: interestRuns && !hasBaseRateFor(facts.asOf, baseRates),
    lines: lines.sort(lineOrder),
  };
}

/** The first day of default interest for one invoice under the rule of § 286 BGB in force. */
function defaultStart(invoice: ClaimInvoice, reminders: string[], rule: DefaultBegins): string | null {
  const reminder = reminders.find((day) => day > invoice.dueDate);
  const afterReminder = reminder ? addDays(reminder, 1) : null;
  const later = invoice.dueDate > invoice.issuedOn ? invoice.dueDate : invoice.issuedOn;
  const afterThirtyDays = addDays(later, 31);
  if (rule === 'first-reminder') return afterReminder;
  if (rule === 'thirty-days') return afterThirtyDays;
  return afterReminder && afterReminder < afterThirtyDays ? afterReminder : afterThirtyDays;
}

type FeeLine = Extract<ClaimLine, { kind: 'fee' }>;

/** Dunning fees per reminder past the due date (the first ones free, up to the cap), § 288 (5). */
function feeLines(
  facts: ClaimFacts,
  invoices: ClaimInvoice[],
  reminders: string[],
  defaultFrom: Map<string, string | null>,
  rules: ClaimRules,
): FeeLine[] {
  const firstDue = invoices[0]?.dueDate;
  const lines: FeeLine[] = [];
  let dunning = 0;
  reminders
    .filter((day) => firstDue !== undefined && day > firstDue)
    .forEach((date, index) => {
      if (index < rules.dunningFee.freeReminders) return;
      const amount = Math.min(rules.dunningFee.amount, rules.dunningFee.cap - dunning);
      if (amount <= 0) return;
      dunning += amount;
      lines.push({ kind: 'fee', fee: 'dunning-fee', date, amount });
    });
  const inDefault = [...defaultFrom.values()].filter((d): d is string => d !== null).sort()[0];
  if (facts.debtorType === 'business' && rules.businessFlatFee > 0 && inDefault) {
    lines.push({ kind: 'fee', fee: 'flat-fee', date: inDefault, amount: rules.businessFlatFee });
    // The flat fee is set off against other costs of pursuing the claim: they count only above it.
    for (const line of [...lines].filter((l) => l.fee === 'dunning-fee')) {
      const covered = Math.min(line.amount, rules.businessFlatFee - setOffSoFar(lines));
      if (covered > 0)
        lines.push({ kind: 'fee', fee: 'flat-fee-set-off', date: line.date, amount: -covered });
    }
  }
  return lines;
}

const setOffSoFar = (lines: FeeLine[]) =>
  -lines.filter((l) => l.fee === 'flat-fee-set-off').reduce((sum, l) => sum + l.amount, 0);

const sumUpTo = (fees: FeeLine[], date: string) =>
  fees.filter((f) => f.date <= date).reduce((sum, f) => sum + f.amount, 0);

const lineDate = (line: ClaimLine): string =>
  line.kind === 'principal' ? line.dueDate : line.kind === 'interest' ? line.from : line.date;
const KIND_ORDER = { principal: 0, interest: 1, fee: 2, payment: 3 } as const;
const lineOrder = (a: ClaimLine, b: ClaimLine) =>
  KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || lineDate(a).localeCompare(lineDate(b));
