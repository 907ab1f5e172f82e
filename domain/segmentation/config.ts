import { z } from 'zod';
import { perSegment } from './per-segment.js';

/**
 * The thresholds of segmentation, as configuration. Every field is optional in input and falls back
 * to its default, so a config file can override only what it needs. Unknown keys are rejected: a
 * misspelt threshold must fail loudly instead of silently keeping the default.
 *
 * Amounts are in minor units of the case currency (one threshold for all currencies).
 */
export const segmentationConfigSchema = z.strictObject({
  /** Open amount (minor units) at or below which a debtor goes to the low-touch small-balance track. */
  smallBalanceMax: z.number().int().nonnegative().default(2500),
  /** Broken promises (history plus running case) from which a debtor is high-risk. */
  highRiskBrokenPromises: z.number().int().positive().default(2),
  /** Days past due from which a debtor is high-risk. */
  highRiskDaysPastDue: z.number().int().nonnegative().default(90),
  /** Open amount (minor units) from which a debtor gets personal handling. */
  personalMinOpenAmount: z.number().int().nonnegative().default(500000),
  /** Customer values that get personal handling regardless of the amount. */
  personalCustomerValues: z.array(z.enum(['A', 'B', 'C'])).default(['A']),
  /** Minimum on-time payment rate (0..1) for self-service; debtors without history qualify too. */
  selfServiceMinOnTimeRate: z.number().min(0).max(1).default(0.8),
  /** Strategy version per segment; a missing entry means `<segment>-v1`. */
  strategyVersions: perSegment(z.string().min(1)).optional(),
});

/** The resolved configuration (defaults applied). */
export type SegmentationConfig = z.output<typeof segmentationConfigSchema>;
/** What a config file may contain (every field optional). */
export type SegmentationConfigInput = z.input<typeof segmentationConfigSchema>;

const defaults = segmentationConfigSchema.parse({});
Object.freeze(defaults.personalCustomerValues);
/** All defaults; frozen, so no caller can change the thresholds of everyone else. */
export const defaultSegmentationConfig: SegmentationConfig = Object.freeze(defaults);
