import type { ClaimBreakdown } from '../../domain/claim/index.js';
import { formatDueDate, localDate } from '../../domain/dates.js';
import { formatMoney, type Money } from '../../domain/money.js';
import type { MessageTemplate, Tone } from '../../domain/strategies/types.js';

export const LOCALES = ['de', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** What an e-mail says: the debtor's open invoices, where to pay, whom to ask. */
export interface EmailContext {
  template: MessageTemplate;
  tone: Tone;
  locale: Locale;
  debtorName: string;
  total: Money;
  /** `dueDate` is a calendar date (YYYY-MM-DD), shown as it is written on the invoice. */
  invoices: { id: string; open: Money; dueDate: string }[];
  creditor: { name: string; email: string; phone: string };
  /** The debtor's signed portal link: overview, pay, plan, promise, dispute, contact preferences. */
  portalUrl: string;
  /** The instalment a plan reminder is about. */
  instalment?: Instalment | undefined;
  /** What the total is made of (domain/claim/): principal, default interest, fees, payments. */
  claim?: ClaimBreakdown | undefined;
  /** A visible opt-out link besides the List-Unsubscribe header; without it the text points at the header. */
  unsubscribeUrl?: string;
  /** The debtor's IANA time zone: "payments booked by <date>" is the debtor's today. Default UTC. */
  timezone?: string;
  /** When the message is written; default now. */
  now?: Date;
}

/** What an SMS says: short, no name (a phone is often shared), the amount and the link. */
export interface SmsContext {
  template: MessageTemplate;
  tone: Tone;
  locale: Locale;
  total: Money;
  creditor: { name: string };
  portalUrl: string;
  /** The instalment a plan reminder is about. */
  instalment?: Instalment | undefined;
}

/** One instalment of a payment plan: `dueDate` is a calendar date (YYYY-MM-DD). */
export interface Instalment {
  amount: Money;
  dueDate: string;
}

export interface RenderedEmail {
  subject: string;
  /** The template's own text without the layout (letters put it in their own frame). */
  body: string;
  text: string;
  html: string;
}

/** Every SMS ends with this (TCPA, Regulation F: a simple opt-out in every text); checked at load. */
export const SMS_OPT_OUT: Record<Locale, string> = {
  de: 'STOP zum Abmelden',
  en: 'Reply STOP to opt out',
};

/** `{{instalment.amount}}` and `{{instalment.dueDate}}`: empty in messages that are not about one. */
function instalmentValues(instalment: Instalment | undefined, locale: Locale) {
  return {
    amount: instalment ? formatMoney(instalment.amount, locale) : '',
    dueDate: instalment ? formatDueDate(instalment.dueDate, locale) : '',
  };
}

/** "10,27 %" / "10.27%": basis points as the debtor's locale writes a percentage. */
export function formatRate(basisPoints: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 2 }).format(
    basisPoints / 10_000,
  );
}

/** `{{claim.*}}`: empty strings when there is nothing beyond the principal to explain. */
function claimValues(claim: ClaimBreakdown | undefined, locale: Locale) {
  const money = (amount: number) => (claim ? formatMoney({ amount, currency: claim.currency }, locale) : '');
  const explained = claim !== undefined && (claim.interest > 0 || claim.fees > 0 || claim.paid > 0);
  return {
    /** Non-empty when interest, fees or payments make the total differ from the principal. */
    breakdown: explained ? 'yes' : '',
    principal: money(claim?.principal ?? 0),
    interest: money(claim?.interest ?? 0),
    interestRate: claim?.interestRate != null ? formatRate(claim.interestRate, locale) : '',
    fees: claim && claim.fees > 0 ? money(claim.fees) : '',
    paid: claim && claim.paid > 0 ? money(claim.paid) : '',
  };
}

/** The placeholders of an e-mail template, formatted for the debtor's locale. */
export function emailValues(ctx: EmailContext) {
  const money = (m: Money) => formatMoney(m, ctx.locale);
  return {
    debtorName: ctx.debtorName,
    total: money(ctx.total),
    invoices: ctx.invoices.map((invoice) => ({
      id: invoice.id,
      open: money(invoice.open),
      dueDate: formatDueDate(invoice.dueDate, ctx.locale),
    })),
    /** The debtor's today: payments booked until then are in the amounts. */
    asOf: formatDueDate(localDate(ctx.now ?? new Date(), ctx.timezone ?? 'UTC'), ctx.locale),
    creditor: { name: ctx.creditor.name, email: ctx.creditor.email, phone: ctx.creditor.phone },
    portalUrl: ctx.portalUrl,
    unsubscribeUrl: ctx.unsubscribeUrl ?? '',
    instalment: instalmentValues(ctx.instalment, ctx.locale),
    claim: claimValues(ctx.claim, ctx.locale),
  };
}
export type EmailValues = ReturnType<typeof emailValues>;

/** The placeholders of an SMS template. */
export function smsValues(ctx: SmsContext) {
  return {
    total: formatMoney(ctx.total, ctx.locale),
    creditor: { name: ctx.creditor.name },
    portalUrl: ctx.portalUrl,
    instalment: instalmentValues(ctx.instalment, ctx.locale),
  };
}
export type SmsValues = ReturnType<typeof smsValues>;

const SAMPLE_CLAIM: ClaimBreakdown = {
  currency: 'EUR',
  principal: 1_190_000,
  interest: 40_567,
  fees: 4_000,
  paid: 0,
  credit: 0,
  open: 1_234_567,
  outstanding: { costs: 4_000, interest: 40_567, principal: 1_190_000 },
  interestRate: 1027,
  asOf: '2026-09-30',
  waiver: null,
  baseRateMissing: false,
  lines: [],
};

/** A link as long as a real portal link (about 75 characters), so length checks at load are honest. */
export const SAMPLE_PORTAL_URL = `https://zahlung.example-stadtwerke.de/p/${'x'.repeat(35)}`;

/**
 * What every template is checked with at load: a sample of each placeholder, long where length
 * matters (a five-digit amount, a 27-character creditor name, a 75-character link).
 */
export function sampleContexts(locale: Locale): { email: EmailContext; sms: SmsContext } {
  const base = {
    template: 'reminder-1',
    tone: 'supportive',
    locale,
    total: { amount: 1_234_567, currency: 'EUR' },
    portalUrl: SAMPLE_PORTAL_URL,
    instalment: { amount: { amount: 1_234_567, currency: 'EUR' }, dueDate: '2026-09-30' },
  } as const;
  return {
    email: {
      ...base,
      debtorName: 'Erika Mustermann',
      invoices: [{ id: 'R-2026-0001', open: { amount: 1_234_567, currency: 'EUR' }, dueDate: '2026-03-15' }],
      creditor: {
        name: 'Stadtwerke Musterstadt GmbH',
        email: 'forderungen@example.test',
        phone: '+49 30 1234567',
      },
      unsubscribeUrl: 'https://zahlung.example-stadtwerke.de/u/sample',
      claim: SAMPLE_CLAIM,
    },
    sms: { ...base, creditor: { name: 'Stadtwerke Musterstadt GmbH' } },
  };
}
