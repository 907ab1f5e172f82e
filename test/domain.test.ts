import { describe, expect, it } from 'vitest';
import { daysPastDue, formatDueDate, localDate } from '../domain/dates.js';
import { formatMoney, isKnownCurrency, minorUnitDigits } from '../domain/money.js';

const plain = (s: string) => s.replaceAll('\u00a0', ' ').replaceAll('\u202f', ' ');

describe('money in minor units', () => {
  it.each([
    [{ amount: 123450, currency: 'EUR' }, 'de', '1.234,50 €'],
    [{ amount: 123450, currency: 'EUR' }, 'en', '€1,234.50'],
    [{ amount: 1500, currency: 'JPY' }, 'en', '¥1,500'],
    [{ amount: 1234, currency: 'KWD' }, 'en', 'KWD 1.234'],
  ])('%o in %s reads %s', (money, locale, expected) => {
    expect(plain(formatMoney(money, locale))).toBe(expected);
  });

  it('knows the minor unit of each currency and rejects made-up codes', () => {
    expect([minorUnitDigits('EUR'), minorUnitDigits('JPY'), minorUnitDigits('KWD')]).toEqual([2, 0, 3]);
    expect(isKnownCurrency('EUR')).toBe(true);
    expect(isKnownCurrency('XYZ')).toBe(false);
  });
});

describe('dates in the debtor’s time zone', () => {
  it('counts days past due from the local calendar day, not UTC', () => {
    const instant = new Date('2026-11-24T23:30:00Z'); // already the 25th in Berlin and Auckland, still the 24th in New York
    expect(localDate(instant, 'Europe/Berlin')).toBe('2026-11-25');
    expect(localDate(instant, 'America/New_York')).toBe('2026-11-24');
    expect(daysPastDue('2026-11-20', instant, 'Europe/Berlin')).toBe(5);
    expect(daysPastDue('2026-11-20', instant, 'America/New_York')).toBe(4);
    expect(daysPastDue('2026-12-01', instant, 'Pacific/Auckland')).toBe(0);
  });

  it('counts across a DST change without losing or adding a day', () => {
    expect(daysPastDue('2026-03-28', new Date('2026-03-30T10:00:00Z'), 'Europe/Berlin')).toBe(2);
    expect(daysPastDue('2026-10-24', new Date('2026-10-26T10:00:00Z'), 'Europe/Berlin')).toBe(2);
  });

  it('writes due dates as a reader of each language expects', () => {
    expect(formatDueDate('2026-03-15', 'de')).toBe('15. März 2026');
    expect(formatDueDate('2026-03-15', 'en')).toBe('March 15, 2026');
  });
});
