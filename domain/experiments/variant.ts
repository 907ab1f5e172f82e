import { z } from 'zod';
import { CHANNELS } from '../segmentation/types.js';
import { MESSAGE_TEMPLATES, TONES, type Strategy } from '../strategies/types.js';

/**
 * What a variant changes in its segment's strategy: cadence (days after the previous step, by step
 * id), tone, channel order of message steps, template per step (the template set), and call timing
 * (the days an agent has for a call step). Unknown step ids are refused by `applyVariant`.
 */
export const variantOverridesSchema = z.strictObject({
  cadenceDays: z.record(z.string(), z.number().min(0).max(365)).optional(),
  tone: z.enum(TONES).optional(),
  channelOrder: z
    .array(z.enum(CHANNELS))
    .min(1)
    // inDocument: the API document states the rule too (uniqueItems), so breaking it is malformed (400).
    .refine((c) => new Set(c).size === c.length, {
      message: 'a channel may appear once',
      params: { inDocument: true },
    })
    .meta({ uniqueItems: true })
    .optional(),
  templates: z.record(z.string(), z.enum(MESSAGE_TEMPLATES)).optional(),
  callSlaDays: z.record(z.string(), z.number().int().min(1).max(30)).optional(),
});
export type VariantOverrides = z.infer<typeof variantOverridesSchema>;

export class VariantError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'VariantError';
  }
}

/** Puts the listed channels first, in that order; channels not listed keep their place after them. */
const reorder = <T>(channels: readonly T[], order: readonly T[]): T[] => [
  ...order.filter((c) => channels.includes(c)),
  ...channels.filter((c) => !order.includes(c)),
];

/**
 * The strategy a case in the variant runs: pure, so the workflow applies it to the strategy it
 * loaded. The version names the variant (`<version>+<variant>`) so runs and KPIs tell them apart.
 */
export function applyVariant(strategy: Strategy, variant: string, overrides: VariantOverrides): Strategy {
  return { ...applyOverrides(strategy, overrides, 'overrides'), version: `${strategy.version}+${variant}` };
}

/**
 * The strategy with the overrides applied (the version unchanged). Unknown step ids throw a
 * VariantError naming `<field>.<override>.<step>`.
 */
export function applyOverrides(strategy: Strategy, overrides: VariantOverrides, field: string): Strategy {
  const stepIds = strategy.steps.map((s) => s.id);
  const check = (key: keyof VariantOverrides, ids: string[], allowed = stepIds) => {
    const unknown = ids.filter((id) => !allowed.includes(id));
    if (unknown.length) {
      throw new VariantError(
        `${field}.${key}.${unknown[0]}`,
        `no such step in ${strategy.segment} (steps: ${allowed.join(', ')})`,
      );
    }
  };
  const callSteps = strategy.steps.filter((s) => s.action.kind === 'agent-task').map((s) => s.id);
  const messageSteps = strategy.steps.filter((s) => s.action.kind === 'message').map((s) => s.id);
  check('cadenceDays', Object.keys(overrides.cadenceDays ?? {}));
  check('templates', Object.keys(overrides.templates ?? {}), messageSteps);
  check('callSlaDays', Object.keys(overrides.callSlaDays ?? {}), callSteps);
  return {
    ...strategy,
    tone: overrides.tone ?? strategy.tone,
    steps: strategy.steps.map((step) => {
      const afterDays = overrides.cadenceDays?.[step.id] ?? step.afterDays;
      const action = step.action;
      if (action.kind === 'message') {
        return {
          ...step,
          afterDays,
          action: {
            ...action,
            channels: overrides.channelOrder
              ? reorder(action.channels, overrides.channelOrder)
              : action.channels,
            template: overrides.templates?.[step.id] ?? action.template,
          },
        };
      }
      if (action.kind === 'agent-task') {
        return {
          ...step,
          afterDays,
          action: { ...action, slaDays: overrides.callSlaDays?.[step.id] ?? action.slaDays },
        };
      }
      return { ...step, afterDays };
    }),
  };
}
