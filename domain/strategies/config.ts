import { z } from 'zod';
import { applyOverrides, variantOverridesSchema, VariantError } from '../experiments/variant.js';
import { isKnownCurrency } from '../money.js';
import { planPolicySchema, type PlanPolicy } from '../payment-plan.js';
import { perSegment } from '../segmentation/per-segment.js';
import { SEGMENTS, type SegmentId } from '../segmentation/types.js';
import { defaultStrategies } from './defaults.js';
import type { NextStage, Strategy } from './types.js';

/**
 * Strategy overrides in the configuration file, per segment: what an experiment variant may change
 * (cadence of existing steps, tone, channel order, templates, call timing; a promoted variant lands
 * here) and the payment plan policy. A changed strategy must carry a new version, so the Web UI and
 * the timeline tell the runs apart.
 */
const strategyOverrideSchema = variantOverridesSchema.extend({
  version: z.string().min(1),
  /** Payment plan policy: the fields given replace the segment's defaults; false: no plans. */
  paymentPlan: z.union([planPolicySchema.partial(), z.literal(false)]).optional(),
  /** Days from the last step to the next stage (0: at once); for protected cases the review period (at least 1). */
  nextStageAfterDays: z.number().int().min(0).max(365).optional(),
  /** Write-off stage: per ISO currency, balances below this many minor units are written off without approval. */
  // Keys are checked in nextStageOverride, not here: OpenAPI 3.0 cannot say which keys a map takes, so
  // the document promises any key and the API answers a documented 422 for one that is no currency.
  writeOffAutomaticallyBelow: z.record(z.string(), z.number().int().min(0)).optional(),
});

export const strategiesConfigSchema = perSegment(strategyOverrideSchema);
export type StrategiesConfigInput = z.input<typeof strategiesConfigSchema>;

export class StrategyConfigError extends Error {}

export function applyStrategyOverrides(
  overrides: z.output<typeof strategiesConfigSchema> = {},
): Record<SegmentId, Strategy> {
  const result = { ...defaultStrategies };
  for (const segment of SEGMENTS) {
    const override = overrides[segment];
    if (!override) continue;
    const { version, paymentPlan, ...changes } = override;
    const base = defaultStrategies[segment];
    let changed: Strategy;
    try {
      changed = applyOverrides(base, changes, `strategies.${segment}`);
    } catch (error) {
      if (error instanceof VariantError) throw new StrategyConfigError(error.message);
      throw error;
    }
    result[segment] = {
      ...changed,
      version,
      paymentPlan: planPolicyOverride(segment, base.paymentPlan, paymentPlan),
      nextStage: nextStageOverride(segment, base.nextStage, override),
    };
  }
  return result;
}

function nextStageOverride(
  segment: SegmentId,
  base: NextStage | undefined,
  override: z.output<typeof strategyOverrideSchema>,
): NextStage | undefined {
  if (!base) return base;
  const { nextStageAfterDays, writeOffAutomaticallyBelow } = override;
  if (writeOffAutomaticallyBelow && base.kind !== 'write-off') {
    throw new StrategyConfigError(
      `strategies.${segment}.writeOffAutomaticallyBelow: this strategy ends in ${base.kind}, not in a write-off`,
    );
  }
  const unknown = Object.keys(writeOffAutomaticallyBelow ?? {}).find((code) => !isKnownCurrency(code));
  if (unknown !== undefined) {
    throw new StrategyConfigError(
      `strategies.${segment}.writeOffAutomaticallyBelow.${unknown}: not an ISO 4217 currency code such as EUR`,
    );
  }
  const stage = { ...base, afterDays: nextStageAfterDays ?? base.afterDays };
  if (stage.kind === 'periodic-review' && stage.afterDays < 1) {
    throw new StrategyConfigError(
      `strategies.${segment}.nextStageAfterDays: a periodic review needs at least 1 day between reviews`,
    );
  }
  return stage.kind === 'write-off' && writeOffAutomaticallyBelow
    ? { ...stage, automaticallyBelow: writeOffAutomaticallyBelow }
    : stage;
}

function planPolicyOverride(
  segment: SegmentId,
  base: PlanPolicy | null | undefined,
  override: Partial<PlanPolicy> | false | undefined,
): PlanPolicy | null {
  if (override === false) return null;
  if (override === undefined) return base ?? null;
  const parsed = planPolicySchema.safeParse({ ...base, ...override });
  if (!parsed.success) {
    throw new StrategyConfigError(
      `strategies.${segment}.paymentPlan: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')} (this segment has no plan defaults: give every field)`,
    );
  }
  return parsed.data;
}
