import { z } from 'zod';
import { perSegment } from './per-segment.js';

/** The segmentation rules by id, in their default order (see assess.ts for each rule's purpose). */
export const SEGMENT_RULE_IDS = [
  'protected',
  'quality-gate',
  'small-balance',
  'high-risk',
  'personal',
  'self-service',
  'assisted',
] as const;
export type SegmentRuleId = (typeof SEGMENT_RULE_IDS)[number];

/** Rules whose place is fixed: protection never depends on data quality, and the fallback matches everyone. */
const FIXED_FIRST = ['protected', 'quality-gate'] as const;
const FIXED_LAST = 'assisted';

/**
 * The order in which the rules are tried (first match wins): every rule exactly once, `protected`
 * then the `quality-gate` first, the `assisted` fallback last; the rules between may be reordered.
 */
export const ruleOrderSchema = z.array(z.enum(SEGMENT_RULE_IDS)).superRefine((order, ctx) => {
  const missing = SEGMENT_RULE_IDS.filter((id) => !order.includes(id));
  const twice = [...new Set(order.filter((id, i) => order.indexOf(id) !== i))];
  if (missing.length || twice.length) {
    const problems = [
      ...(missing.length ? [`missing ${missing.join(', ')}`] : []),
      ...(twice.length ? [`more than once: ${twice.join(', ')}`] : []),
    ];
    ctx.addIssue({
      code: 'custom',
      message: `name every rule exactly once (${problems.join('; ')}); the rules are ${SEGMENT_RULE_IDS.join(', ')}`,
    });
    return;
  }
  if (order[0] !== FIXED_FIRST[0] || order[1] !== FIXED_FIRST[1] || order.at(-1) !== FIXED_LAST) {
    ctx.addIssue({
      code: 'custom',
      message:
        'protected and then quality-gate stay first (protection never depends on data quality, and no ' +
        'debtor is contacted without a locale, a time zone and a reachable channel), and assisted stays ' +
        'last (it matches everyone); reorder only the rules between them',
    });
  }
});

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
  /** The order in which the rules are tried; the first that matches decides. */
  ruleOrder: ruleOrderSchema.default([...SEGMENT_RULE_IDS]),
  /** Strategy version per segment; a missing entry means `<segment>-v1`. */
  strategyVersions: perSegment(z.string().min(1)).optional(),
});

/** The resolved configuration (defaults applied). */
export type SegmentationConfig = z.output<typeof segmentationConfigSchema>;
/** What a config file may contain (every field optional). */
export type SegmentationConfigInput = z.input<typeof segmentationConfigSchema>;

const defaults = segmentationConfigSchema.parse({});
Object.freeze(defaults.personalCustomerValues);
Object.freeze(defaults.ruleOrder);
/** All defaults; frozen, so no caller can change the thresholds of everyone else. */
export const defaultSegmentationConfig: SegmentationConfig = Object.freeze(defaults);
