import { z } from 'zod';
import { planPolicySchema, type PlanPolicy } from '../payment-plan.js';
import { SEGMENTS, type SegmentId } from '../segmentation/types.js';
import { defaultStrategies } from './defaults.js';
import { TONES, type NextStage, type Strategy } from './types.js';

/**
 * Strategy overrides in the configuration file: the cadence of existing steps and the tone of the
 * messages, per segment. A changed strategy must carry a new version, so the Web UI and the
 * timeline tell the runs apart.
 */
const strategyOverrideSchema = z.strictObject({
  version: z.string().min(1),
  /** Days after the previous step, by step id. */
  cadenceDays: z.record(z.string(), z.number().min(0).max(365)).default({}),
  /** Payment plan policy: the fields given replace the segment's defaults; false: no plans. */
  paymentPlan: z.union([planPolicySchema.partial(), z.literal(false)]).optional(),
  /** The tone of the segment's messages (templates/…/<template>.<locale>.<tone>.hbs). */
  tone: z.enum(TONES).optional(),
  /** Days from the last step to the next stage; for protected cases the review period. */
  nextStageAfterDays: z.number().int().min(1).max(365).optional(),
  /** Write-off stage: per ISO currency, balances below this many minor units are written off without approval. */
  writeOffAutomaticallyBelow: z
    .record(z.string().regex(/^[A-Z]{3}$/, 'an ISO currency code such as EUR'), z.number().int().min(0))
    .optional(),
});

export const strategiesConfigSchema = z.partialRecord(z.enum(SEGMENTS), strategyOverrideSchema);
export type StrategiesConfigInput = z.input<typeof strategiesConfigSchema>;

export class StrategyConfigError extends Error {}

export function applyStrategyOverrides(
  overrides: z.output<typeof strategiesConfigSchema> = {},
): Record<SegmentId, Strategy> {
  const result = { ...defaultStrategies };
  for (const segment of SEGMENTS) {
    const override = overrides[segment];
    if (!override) continue;
    const base = defaultStrategies[segment];
    const unknown = Object.keys(override.cadenceDays).filter((id) => !base.steps.some((s) => s.id === id));
    if (unknown.length) {
      throw new StrategyConfigError(
        `strategies.${segment}.cadenceDays: unknown step ${unknown.join(', ')} (steps: ${base.steps.map((s) => s.id).join(', ')})`,
      );
    }
    result[segment] = {
      ...base,
      version: override.version,
      tone: override.tone ?? base.tone,
      steps: base.steps.map((s) => ({ ...s, afterDays: override.cadenceDays[s.id] ?? s.afterDays })),
      paymentPlan: planPolicyOverride(segment, base.paymentPlan, override.paymentPlan),
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
  const stage = { ...base, afterDays: nextStageAfterDays ?? base.afterDays };
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
