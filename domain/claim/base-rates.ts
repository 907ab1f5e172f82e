/**
 * The base rate of § 247 BGB, in basis points (1 bp = 0.01 %), from the day it took effect.
 * It changes on 1 January and 1 July by the change of the ECB's main refinancing rate since the
 * last change; the Deutsche Bundesbank announces it in the Federal Gazette (Bundesanzeiger) a few
 * days before. Source of every value: Deutsche Bundesbank, "Basiszinssatz nach § 247 BGB"
 * (https://www.bundesbank.de/de/bundesbank/organisation/agb-und-regelungen/basiszinssatz-607820),
 * each half-year's press release. Add the next half-year here when the Bundesbank announces it:
 * start-up warns while the current half-year is missing, and the calculation carries the last
 * known rate forward (and says so in the breakdown).
 */
export interface BaseRate {
  /** First day the rate applies, YYYY-MM-DD (always a 1 January or 1 July). */
  from: string;
  /** Basis points; negative rates are real (2013–2022). */
  basisPoints: number;
  /** The announcement it comes from. */
  source: string;
}

const bundesbank = (date: string) => `Deutsche Bundesbank, announcement of the base rate, ${date}`;

export const BASE_RATES: readonly BaseRate[] = [
  // -0.88 % from 2016-07-01 unchanged until 2022-12-31 (the ECB rate did not move).
  { from: '2020-01-01', basisPoints: -88, source: bundesbank('2019-12-27 (unchanged since 2016-07-01)') },
  { from: '2020-07-01', basisPoints: -88, source: bundesbank('2020-06-26 (unchanged)') },
  { from: '2021-01-01', basisPoints: -88, source: bundesbank('2020-12-29 (unchanged)') },
  { from: '2021-07-01', basisPoints: -88, source: bundesbank('2021-06-25 (unchanged)') },
  { from: '2022-01-01', basisPoints: -88, source: bundesbank('2021-12-28 (unchanged)') },
  { from: '2022-07-01', basisPoints: -88, source: bundesbank('2022-06-28 (unchanged)') },
  { from: '2023-01-01', basisPoints: 162, source: bundesbank('2022-12-27') },
  { from: '2023-07-01', basisPoints: 312, source: bundesbank('2023-06-27') },
  { from: '2024-01-01', basisPoints: 362, source: bundesbank('2023-12-27') },
  { from: '2024-07-01', basisPoints: 337, source: bundesbank('2024-06-25') },
  { from: '2025-01-01', basisPoints: 227, source: bundesbank('2024-12-27') },
  { from: '2025-07-01', basisPoints: 127, source: bundesbank('2025-06-24') },
  // The ECB's main refinancing rate stayed at 2.15 % from 2025-06-11 through 2025, so the base
  // rate stayed at 1.27 %. 2026-07-01 is not in this table yet: add it from the announcement.
  {
    from: '2026-01-01',
    basisPoints: 127,
    source: bundesbank('2025-12 (unchanged, ECB rate unchanged at 2.15 %)'),
  },
];

/** The half-year a day falls in, as its first day: 2026-03-10 → 2026-01-01. */
export function halfYearStart(date: string): string {
  const [year, month] = date.split('-');
  return `${year}-${Number(month) <= 6 ? '01' : '07'}-01`;
}

/** Whether the table has the half-year of `date` (start-up warns when today's is missing). */
export function hasBaseRateFor(date: string, rates: readonly BaseRate[] = BASE_RATES): boolean {
  const start = halfYearStart(date);
  return rates.some((r) => r.from === start);
}

/** The rate in force on `date`: the last entry starting on or before it (carried forward). */
export function baseRateOn(date: string, rates: readonly BaseRate[] = BASE_RATES): BaseRate {
  let found: BaseRate | undefined;
  for (const rate of rates) if (rate.from <= date) found = rate;
  if (!found) throw new Error(`no base rate for ${date}: the table starts on ${rates[0]?.from}`);
  return found;
}

/** The start-up check: which half-year of `date` has no base rate yet, if any. */
export function missingBaseRate(date: string, rates: readonly BaseRate[] = BASE_RATES): string | undefined {
  return hasBaseRateFor(date, rates) ? undefined : halfYearStart(date);
}
