import { formatDueDate } from '../../domain/dates.js';
import { formatMoney } from '../../domain/money.js';
import type { Lang } from './i18n.js';

/** Amounts, calendar days and instants as the debtor reads them, in their language and time zone. */
export interface Formats {
  money(amount: number): string;
  /** A calendar day (YYYY-MM-DD): due dates, instalments, promises. */
  day(date: string): string;
  /** An instant, as the date it is where the debtor lives. */
  dateOf(instant: Date): string;
}

export function formats(lang: Lang, currency: string, timeZone: string): Formats {
  return {
    money: (amount) => formatMoney({ amount, currency }, lang),
    day: (date) => formatDueDate(date, lang),
    dateOf: (instant) => new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone }).format(instant),
  };
}

/** "maria@example.com" → "m***@example.com": enough to recognise, too little to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

// ITU-T E.164 country codes: 1 and 7 have one digit; these have two; all others three.
const TWO_DIGIT_CODES = new Set(
  '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'.split(
    ' ',
  ),
);

/** "+4915123456789" → "+49 *** ** 789": the country and the last three digits. */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/^\+/, '');
  const codeLength = /^[17]/.test(digits) ? 1 : TWO_DIGIT_CODES.has(digits.slice(0, 2)) ? 2 : 3;
  return `+${digits.slice(0, codeLength)} *** ** ${digits.slice(-3)}`;
}
