import { z } from 'zod';
import { perSegment } from '../segmentation/per-segment.js';
import type { SegmentId } from '../segmentation/types.js';

/**
 * The creditor policy: what a creditor charges on top of the principal, and how payments are
 * applied. The built-in rules are the German statutory ones (§§ 286, 288, 289, 367 BGB); they apply
 * by default to euro claims against debtors in Germany, and to nothing else unless configured.
 */
export const ALLOCATION_PARTS = ['costs', 'interest', 'principal'] as const;
export type AllocationPart = (typeof ALLOCATION_PARTS)[number];

export const DEFAULT_BEGINS = ['first-reminder', 'thirty-days', 'earliest'] as const;
export type DefaultBegins = (typeof DEFAULT_BEGINS)[number];

const minor = z.number().int().min(0);

const marginBasisPoints = z.number().int().min(-10_000).max(10_000);

/** Each rule without its default, so a segment can override some and keep the others. */
const ruleValues = {
  interest: z.boolean(),
  consumerMarginBasisPoints: marginBasisPoints,
  businessMarginBasisPoints: marginBasisPoints,
  defaultBegins: z.strictObject({
    consumer: z.enum(DEFAULT_BEGINS).default('first-reminder'),
    business: z.enum(DEFAULT_BEGINS).default('earliest'),
  }),
  dunningFee: z.strictObject({
    amount: minor.default(250),
    freeReminders: z.number().int().min(0).default(1),
    /** The most all dunning fees of a claim may add up to. */
    cap: minor.default(750),
  }),
  businessFlatFee: minor,
  allocationOrder: z
    .array(z.enum(ALLOCATION_PARTS))
    .length(3)
    .refine((parts) => new Set(parts).size === 3, 'name costs, interest and principal once each'),
};

export const claimRulesSchema = z.strictObject({
  /** Default interest on the open principal (§ 288 BGB); false: none. */
  interest: ruleValues.interest.default(true),
  /** Points over the base rate, in basis points: § 288 (1) 5 pp consumers, (2) 9 pp businesses. */
  consumerMarginBasisPoints: marginBasisPoints.default(500),
  businessMarginBasisPoints: marginBasisPoints.default(900),
  /**
   * When default begins (§ 286 BGB), per debtor type: the day after a reminder past the due date
   * reached the debtor (`first-reminder`), 30 days after the due date and receipt of the invoice
   * (`thirty-days`), or whichever comes first (`earliest`). § 286 (3) holds against consumers only
   * if the invoice said so, hence `first-reminder` for consumers and `earliest` for businesses.
   */
  defaultBegins: ruleValues.defaultBegins.prefault({}),
  /** A fee per dunning reminder, in the claim's minor units; the first `freeReminders` are free. */
  dunningFee: ruleValues.dunningFee.prefault({}),
  /** § 288 (5) BGB: a flat fee once per claim against businesses (set off against dunning fees). */
  businessFlatFee: ruleValues.businessFlatFee.default(4000),
  /** § 367 BGB: costs, then interest, then principal. */
  allocationOrder: ruleValues.allocationOrder.default([...ALLOCATION_PARTS]),
});
export type ClaimRules = z.output<typeof claimRulesSchema>;

const segmentRulesSchema = z.strictObject({
  /** false: no interest and fees in this segment; true: the rules apply whatever the currency or country. */
  enabled: z.boolean().optional(),
  /** A reason here waives interest and fees for every case in the segment (it shows in the timeline). */
  waive: z.string().trim().min(1).max(200).optional(),
  rules: z.strictObject(ruleValues).partial().optional(),
});

export const creditorPolicySchema = z.strictObject({
  /** Mahnwerk acts as a collection agency: every first demand carries the § 13a RDG information. */
  actsAsAgency: z.boolean().default(false),
  /** Where `rules` apply unless a segment says otherwise. */
  appliesTo: z
    .strictObject({
      currencies: z.array(z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR')).default(['EUR']),
      countries: z.array(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 code such as DE')).default(['DE']),
    })
    .prefault({}),
  rules: claimRulesSchema.prefault({}),
  segments: perSegment(segmentRulesSchema).default({
    protected: { waive: 'protected segment: no interest or fees while the debtor is protected' },
  }),
});
export type CreditorPolicy = z.output<typeof creditorPolicySchema>;

export type ClaimTerms =
  { kind: 'none' } | { kind: 'waived'; reason: string } | { kind: 'rules'; rules: ClaimRules };

/** Which terms a case gets: its segment first, then the currency and country of the claim. */
export function claimTermsFor(
  policy: CreditorPolicy,
  claim: { segment: SegmentId | string; currency: string; country: string | null },
): ClaimTerms {
  const segment = policy.segments[claim.segment as SegmentId];
  const inScope =
    policy.appliesTo.currencies.includes(claim.currency) &&
    claim.country !== null &&
    policy.appliesTo.countries.includes(claim.country);
  if (segment?.enabled === false || (!inScope && segment?.enabled !== true)) return { kind: 'none' };
  if (segment?.waive) return { kind: 'waived', reason: segment.waive };
  return { kind: 'rules', rules: { ...policy.rules, ...segment?.rules } };
}

export function defaultCreditorPolicy(): CreditorPolicy {
  return creditorPolicySchema.parse({});
}
