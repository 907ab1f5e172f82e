import { z } from 'zod';
import { SEGMENTS } from '../segmentation/types.js';
import { variantOverridesSchema } from './variant.js';

/** A variant's name: it becomes part of the strategy version (`<version>+<name>`) and a search attribute. */
export const variantNameSchema = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and - (e.g. "champion", "fast-call")');

export const experimentVariantSchema = z.strictObject({
  name: variantNameSchema,
  /** Relative share of the segment's new cases; weights need not add up to 100. */
  weight: z.number().positive().max(1000),
  /** Empty: the segment's strategy as it is (the champion). */
  overrides: variantOverridesSchema.default({}),
});
export type ExperimentVariant = z.infer<typeof experimentVariantSchema>;

/** `POST /v1/experiments`: a champion/challenger test on one segment's new cases. */
export const experimentInputSchema = z.strictObject({
  segment: z.enum(SEGMENTS),
  variants: z.array(experimentVariantSchema).min(2, 'an experiment compares at least two variants').max(5),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }).optional(),
});
export type ExperimentInput = z.infer<typeof experimentInputSchema>;

/**
 * What the schema cannot say (JSON Schema has no "unique by name" or "after"): the first problem of
 * a well-formed experiment, with its field.
 */
export function experimentInputProblem(e: ExperimentInput): { field: string; message: string } | undefined {
  if (new Set(e.variants.map((v) => v.name)).size !== e.variants.length) {
    return { field: 'variants', message: 'variant names must differ' };
  }
  if (e.startsAt && e.endsAt && Date.parse(e.startsAt) >= Date.parse(e.endsAt)) {
    return { field: 'endsAt', message: 'must be after startsAt' };
  }
  return undefined;
}

export const EXPERIMENT_STATUSES = ['running', 'stopped', 'promoted'] as const;
export type ExperimentStatus = (typeof EXPERIMENT_STATUSES)[number];

export interface Experiment extends ExperimentInput {
  id: string;
  status: ExperimentStatus;
  createdBy: string;
  createdAt: string;
  stoppedAt: string | null;
  promotedVariant: string | null;
}

/**
 * The variant a case runs, fixed at its opening and carried by every episode (continue-as-new), so
 * the case counts for its variant to the end. The overrides apply only while the case is in the
 * experiment's segment: other segments' strategies have other steps.
 */
export const caseVariantSchema = z.object({
  experimentId: z.string().min(1),
  segment: z.enum(SEGMENTS),
  name: variantNameSchema,
  overrides: variantOverridesSchema,
});
export type CaseVariant = z.infer<typeof caseVariantSchema>;

/** Whether the experiment takes new cases at `at`. */
export function isAssigning(e: Pick<Experiment, 'status' | 'startsAt' | 'endsAt'>, at: Date): boolean {
  const t = at.getTime();
  return (
    e.status === 'running' &&
    (!e.startsAt || Date.parse(e.startsAt) <= t) &&
    (!e.endsAt || t < Date.parse(e.endsAt))
  );
}
