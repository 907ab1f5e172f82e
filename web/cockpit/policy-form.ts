import type { Policies } from '../../activities/index.js';
import type { PolicyDocument } from '../../config/policy-file.js';
import { planPolicySchema, type PlanPolicy } from '../../domain/payment-plan.js';
import type { SegmentationConfig } from '../../domain/segmentation/config.js';
import { SEGMENTS } from '../../domain/segmentation/types.js';

/**
 * The cockpit's policy form: every field is named by its path in the policy document
 * (`contactPolicy.windows.DE.start`), so the schema's errors name the field the manager typed in.
 * The form is turned back into a raw document here and validated by `policyDocumentSchema`.
 */
export type PolicyForm = Record<string, string | string[] | undefined>;

/** The thresholds of segmentation the form edits (its numeric fields). */
export const THRESHOLDS = [
  'smallBalanceMax',
  'highRiskBrokenPromises',
  'highRiskDaysPastDue',
  'personalMinOpenAmount',
  'selfServiceMinOnTimeRate',
] as const satisfies readonly (keyof SegmentationConfig)[];

/** Contact caps per channel, as in `contactPolicy.caps`. */
export const CAPS = {
  call: ['maxAttempts', 'perDays', 'quietDaysAfterConversation'],
  sms: ['maxPerDay'],
  email: ['maxPerDay'],
  letter: ['maxPerDay'],
  overall: ['maxPerDay'],
} as const;

export const PLAN_FIELDS = Object.keys(planPolicySchema.shape) as (keyof PlanPolicy)[];

/** Rules that keep their place (see `ruleOrderSchema`): no move buttons. */
export const FIXED_RULES: readonly string[] = ['protected', 'quality-gate', 'assisted'];

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** A number when the text is one, else the text as typed: the schema then refuses it, naming the field. */
export const numberOrText = (text: string): number | string =>
  text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;

function numberOr(value: string | string[] | undefined, fallback: number): number | string {
  return value === undefined ? fallback : numberOrText(list(value)[0]?.trim() ?? '');
}

const textOr = (value: string | string[] | undefined, fallback: string): string =>
  value === undefined ? fallback : (list(value)[0] ?? '');

/** `order` with the rule in `move` ("<rule>:up" or "<rule>:down") one place earlier or later. */
export function movedRuleOrder(order: readonly string[], move: string): string[] {
  const [rule, direction] = move.split(':');
  const from = order.indexOf(rule ?? '');
  const to = from + (direction === 'up' ? -1 : 1);
  const moved = [...order];
  if (from < 0 || to < 0 || to >= order.length) return moved;
  [moved[from], moved[to]] = [moved[to]!, moved[from]!];
  return moved;
}

/**
 * The raw document the posted form describes, over `base` (the draft or the document in force)
 * whose strategies in effect are `strategies`. A field missing from the form keeps its value; a
 * segment's strategy goes into the document only when the form changes it.
 */
export function documentFromForm(
  form: PolicyForm,
  base: PolicyDocument,
  strategies: Policies['strategies'],
): Record<string, unknown> {
  const at = (path: string) => form[path];
  const ruleOrder = list(at('segmentation.ruleOrder'));
  const segmentation = {
    ...base.segmentation,
    ...Object.fromEntries(
      THRESHOLDS.map((key) => [key, numberOr(at(`segmentation.${key}`), base.segmentation[key])]),
    ),
    ruleOrder: ruleOrder.length ? ruleOrder : base.segmentation.ruleOrder,
  };
  const windows = Object.fromEntries(
    Object.entries(base.contactPolicy.windows).map(([country, window]) => {
      const path = `contactPolicy.windows.${country}`;
      // Checkboxes post nothing when unticked: a hidden empty value marks that the form had them.
      const days = at(`${path}.days`);
      const holidays = at(`${path}.holidays`);
      return [
        country,
        {
          days:
            days === undefined
              ? window!.days
              : list(days)
                  .filter(Boolean)
                  .map((d) => numberOr(d, 0)),
          start: textOr(at(`${path}.start`), window!.start),
          end: textOr(at(`${path}.end`), window!.end),
          holidays: holidays === undefined ? window!.holidays : list(holidays).includes('on'),
        },
      ];
    }),
  );
  const caps = Object.fromEntries(
    Object.entries(CAPS).map(([channel, fields]) => {
      const current = base.contactPolicy.caps[channel as keyof typeof CAPS] as Record<string, number>;
      const values = fields.map((f) => [f, numberOr(at(`contactPolicy.caps.${channel}.${f}`), current[f]!)]);
      return [channel, Object.fromEntries(values)];
    }),
  );
  return {
    segmentation,
    contactPolicy: { windows, caps },
    strategies: Object.fromEntries(
      SEGMENTS.map((segment) => [segment, strategyFromForm(form, segment, base, strategies)]),
    ),
  };
}

function strategyFromForm(
  form: PolicyForm,
  segment: (typeof SEGMENTS)[number],
  base: PolicyDocument,
  strategies: Policies['strategies'],
): unknown {
  const effective = strategies[segment];
  const path = `strategies.${segment}`;
  const version = textOr(form[`${path}.version`], effective.version);
  const tone = textOr(form[`${path}.tone`], effective.tone);
  const cadenceDays = Object.fromEntries(
    effective.steps.map((step) => [
      step.id,
      numberOr(form[`${path}.cadenceDays.${step.id}`], step.afterDays),
    ]),
  );
  const plan = effective.paymentPlan;
  const paymentPlan = plan
    ? Object.fromEntries(PLAN_FIELDS.map((f) => [f, numberOr(form[`${path}.paymentPlan.${f}`], plan[f])]))
    : undefined;
  const unchanged =
    version === effective.version &&
    tone === effective.tone &&
    effective.steps.every((step) => cadenceDays[step.id] === step.afterDays) &&
    (!plan || PLAN_FIELDS.every((f) => paymentPlan?.[f] === plan[f]));
  if (unchanged) return base.strategies[segment];
  return { ...base.strategies[segment], version, tone, cadenceDays, ...(paymentPlan ? { paymentPlan } : {}) };
}
