import { formatMoney, type Money } from '../../domain/money.js';
import type { Locale, ReminderTemplate } from '../email/reminder-templates.js';

export interface SmsContext {
  template: ReminderTemplate;
  locale: Locale;
  total: Money;
  creditor: { name: string };
  portalUrl: string;
}

// Short and kind: the link does the explaining. GSM-7 characters only (umlauts and € included) keep it to two segments.
const lead: Record<Locale, Record<ReminderTemplate, (total: string, creditor: string) => string>> = {
  de: {
    'reminder-1': (t, c) => `${c}: Bei uns sind noch ${t} offen.`,
    'reminder-2': (t, c) => `${c}: Es sind weiterhin ${t} offen. Brauchen Sie Hilfe? Melden Sie sich gern.`,
    'final-notice': (t, c) => `${c}: ${t} sind noch offen. Bitte zahlen Sie oder sprechen Sie mit uns.`,
    confirmation: (t, c) => `${c}: Danke für das Gespräch. Offen sind ${t}.`,
  },
  en: {
    'reminder-1': (t, c) => `${c}: ${t} is still open with us.`,
    'reminder-2': (t, c) => `${c}: ${t} is still open. Need help? Just get in touch.`,
    'final-notice': (t, c) => `${c}: ${t} is still open. Please pay or talk to us.`,
    confirmation: (t, c) => `${c}: Thanks for talking with us. ${t} is open.`,
  },
};

const tail: Record<Locale, (url: string) => string> = {
  de: (url) => `Details und Zahlung: ${url} STOP zum Abmelden`,
  en: (url) => `Details and payment: ${url} Reply STOP to opt out`,
};

export function renderSms(ctx: SmsContext): string {
  // Intl puts a no-break space before "€": outside GSM-7, it alone would make the SMS UCS-2 (3× the cost).
  const total = formatMoney(ctx.total, ctx.locale).replace(/[\u00a0\u202f]/g, ' ');
  return `${lead[ctx.locale][ctx.template](total, ctx.creditor.name)} ${tail[ctx.locale](ctx.portalUrl)}`;
}
