/** Amounts are integers in the currency's minor unit (cents for EUR), with an ISO 4217 code. */
export interface Money {
  amount: number;
  currency: string;
}

/** ISO 4217 codes as Intl knows them: the API's currency enum. */
export const KNOWN_CURRENCIES = Intl.supportedValuesOf('currency') as [string, ...string[]];
const knownCurrencies = new Set<string>(KNOWN_CURRENCIES);

export function isKnownCurrency(code: string): boolean {
  return knownCurrencies.has(code);
}

export function minorUnitDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

/** "1.234,50 €" for de, "€1,234.50" for en. */
export function formatMoney(money: Money, locale: string): string {
  const digits = minorUnitDigits(money.currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }).format(
    money.amount / 10 ** digits,
  );
}
