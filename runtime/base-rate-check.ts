import type { Logger } from 'pino';
import { baseRateOn, missingBaseRate } from '../domain/claim/index.js';

/** Default interest needs this half-year's base rate: say so at start-up when the table lacks it. */
export function warnOnMissingBaseRate(logger: Logger, now: Date): void {
  const today = now.toISOString().slice(0, 10);
  const missing = missingBaseRate(today);
  if (!missing) return;
  const used = baseRateOn(today);
  logger.warn(
    { halfYear: missing, carriedForward: { from: used.from, basisPoints: used.basisPoints } },
    `the base rate (§ 247 BGB) from ${missing} is missing: interest uses the rate from ${used.from}; add the Bundesbank's announcement to domain/claim/base-rates.ts`,
  );
}
