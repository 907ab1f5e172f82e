import { z } from 'zod';

/** What one contact costs, in minor units of the currency it is listed under. */
const unitCostSchema = z.strictObject({
  email: z.number().int().nonnegative(),
  /** Per billed SMS segment (GSM-7/UCS-2), not per message. */
  smsSegment: z.number().int().nonnegative(),
  letter: z.number().int().nonnegative(),
  callAttempt: z.number().int().nonnegative(),
});
export type UnitCost = z.infer<typeof unitCostSchema>;

/**
 * Unit costs per ISO currency: cost figures of cases in a currency without an entry stay empty
 * rather than being converted at a made-up rate.
 */
export const unitCostsSchema = z.record(
  z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like EUR'),
  unitCostSchema,
);
export type UnitCosts = z.infer<typeof unitCostsSchema>;

export const defaultUnitCosts: UnitCosts = {
  EUR: { email: 1, smsSegment: 8, letter: 95, callAttempt: 150 },
  USD: { email: 1, smsSegment: 1, letter: 80, callAttempt: 150 },
};

export interface ContactUnits {
  emails: number;
  smsSegments: number;
  letters: number;
  callAttempts: number;
}

/** The cost of the contacts in minor units, or null when the currency has no unit costs. */
export function contactCost(units: ContactUnits, cost: UnitCost | undefined): number | null {
  if (!cost) return null;
  return (
    units.emails * cost.email +
    units.smsSegments * cost.smsSegment +
    units.letters * cost.letter +
    units.callAttempts * cost.callAttempt
  );
}
