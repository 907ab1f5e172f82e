import { numberOrText, type PolicyForm } from './policy-form.js';

/** Variant rows on the form: the API's maximum. A row without a name is left out. */
export const VARIANT_ROWS = 5;

/** The overrides a row takes as "key=value, …" text: by step id (cadence, templates, call timing). */
export const KEYED_OVERRIDES = ['cadenceDays', 'templates', 'callSlaDays'] as const;
const NUMERIC: ReadonlySet<string> = new Set(['cadenceDays', 'callSlaDays']);

const first = (value: string | string[] | undefined): string =>
  (Array.isArray(value) ? value[0] : value)?.trim() ?? '';

/** "call=2, final=10" → {call: 2, final: 10}; a malformed pair stays text, so the schema names it. */
function keyed(text: string, numeric: boolean): Record<string, unknown> | undefined {
  if (!text) return undefined;
  const pairs = text.split(',').map((pair) => {
    const [key = '', value = ''] = pair.split('=').map((part) => part.trim());
    return [key, numeric ? numberOrText(value) : value];
  });
  return Object.fromEntries(pairs);
}

/**
 * The raw `POST /v1/experiments` body the cockpit's form describes (fields `variants.<i>.name`,
 * `variants.<i>.weight`, `variants.<i>.overrides.<field>`), to be validated by the API's schema.
 */
export function experimentFromForm(form: PolicyForm): Record<string, unknown> {
  const variants = [];
  for (let i = 0; i < VARIANT_ROWS; i++) {
    const at = (field: string) => first(form[`variants.${i}.${field}`]);
    const name = at('name');
    if (!name) continue;
    const channelOrder = at('overrides.channelOrder');
    const overrides = {
      ...(at('overrides.tone') ? { tone: at('overrides.tone') } : {}),
      ...(channelOrder ? { channelOrder: channelOrder.split(',').map((c) => c.trim()) } : {}),
      ...Object.fromEntries(
        KEYED_OVERRIDES.flatMap((field) => {
          const value = keyed(at(`overrides.${field}`), NUMERIC.has(field));
          return value ? [[field, value]] : [];
        }),
      ),
    };
    variants.push({ name, weight: numberOrText(at('weight')), overrides });
  }
  return { segment: first(form.segment), variants };
}
