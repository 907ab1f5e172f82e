import type { Policies } from '../../activities/index.js';
import type { PolicyVersions } from '../../config/policy-versions.js';
import { ConflictError, NotFoundError } from '../../db/billing.js';
import { audit, type Actor } from '../../db/audit.js';
import type { Database } from '../../db/database.js';
import { createExperiment, endExperiment, findExperiment, variantOutcomes } from '../../db/experiments.js';
import {
  experimentInputProblem,
  type Experiment,
  type ExperimentInput,
} from '../../domain/experiments/experiment.js';
import { experimentVerdict, wilsonInterval, type Verdict } from '../../domain/experiments/statistics.js';
import { applyVariant, VariantError, type VariantOverrides } from '../../domain/experiments/variant.js';
import { InputError } from '../input-error.js';
import { kpiReport } from '../kpis/report.js';

/** No verdict below this many cases in any variant (see domain/experiments/statistics.ts). */
export const MINIMUM_CASES_PER_VARIANT = 100;

/** Every variant's overrides must fit the segment's strategy in force (its step ids). */
export async function startExperiment(
  db: Database,
  policies: Policies,
  input: ExperimentInput,
  actor: Actor,
): Promise<Experiment> {
  const problem = experimentInputProblem(input);
  if (problem) throw new InputError(problem.field, problem.message);
  const strategy = policies.strategies[input.segment];
  input.variants.forEach((variant, i) => {
    try {
      applyVariant(strategy, variant.name, variant.overrides);
    } catch (error) {
      if (error instanceof VariantError) throw new InputError(`variants.${i}.${error.field}`, error.reason);
      throw error;
    }
  });
  const experiment = await createExperiment(db, input, actor.label);
  await audit(db, {
    actor: actor.audit,
    action: 'experiment.created',
    detail: {
      experimentId: experiment.id,
      segment: experiment.segment,
      by: actor.label,
      variants: experiment.variants.map((v) => ({ name: v.name, weight: v.weight })),
    },
  });
  return experiment;
}

export async function experimentOrFail(db: Database, id: string): Promise<Experiment> {
  const experiment = await findExperiment(db, id);
  if (!experiment) throw new NotFoundError(`experiment ${id} does not exist`);
  return experiment;
}

export interface VariantResult {
  name: string;
  /** Cases assigned to the variant. */
  n: number;
  /** Cases closed as paid in full. */
  paidInFull: number;
  /** paidInFull / n, with its 95 % Wilson interval; null without cases. */
  recoveryRate: number | null;
  recoveryRateInterval: { low: number; high: number } | null;
  /** Of the cases in `currency`: amount recovered / amount placed. */
  amountRecoveryRate: number | null;
  medianDaysToPay: number | null;
  costPerUnitRecovered: number | null;
}

export interface ExperimentResults {
  experiment: Experiment;
  /** Amount figures are over the cases in this currency (the experiment's most frequent). */
  currency: string | null;
  variants: VariantResult[];
  verdict: Verdict;
}

/**
 * Per variant: n, the share paid in full with its 95 % interval (the outcome the verdict tests),
 * median days to pay and cost per unit recovered from the KPIs of the experiment's cases.
 */
export async function experimentResults(
  db: Database,
  policies: Policies,
  id: string,
): Promise<ExperimentResults> {
  const experiment = await experimentOrFail(db, id);
  const outcomes = await variantOutcomes(db, id);
  const rows = await kpiReport(db, policies.costs, { groupBy: 'variant', experimentId: id });
  const casesByCurrency = new Map<string, number>();
  for (const row of rows)
    casesByCurrency.set(row.currency, (casesByCurrency.get(row.currency) ?? 0) + row.casesOpened);
  const currency = [...casesByCurrency].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  const variants = experiment.variants.map(({ name }): VariantResult => {
    const outcome = outcomes.find((o) => o.name === name) ?? { n: 0, successes: 0 };
    const kpi = rows.find((r) => r.group === name && r.currency === currency);
    return {
      name,
      n: outcome.n,
      paidInFull: outcome.successes,
      recoveryRate: outcome.n ? outcome.successes / outcome.n : null,
      recoveryRateInterval: wilsonInterval(outcome.successes, outcome.n),
      amountRecoveryRate: kpi && kpi.amountPlaced > 0 ? kpi.amountRecovered / kpi.amountPlaced : null,
      medianDaysToPay: kpi?.medianDaysToPay ?? null,
      costPerUnitRecovered: kpi?.costPerUnitRecovered ?? null,
    };
  });
  const verdict = experimentVerdict(
    variants.map((v) => ({ name: v.name, n: v.n, successes: v.paidInFull })),
    { minimumPerVariant: MINIMUM_CASES_PER_VARIANT },
  );
  return { experiment, currency, variants, verdict };
}

export async function stopExperiment(db: Database, id: string, actor: Actor): Promise<Experiment> {
  const experiment = await experimentOrFail(db, id);
  const stopped = await endExperiment(db, id, 'stopped');
  if (!stopped) throw new ConflictError(`experiment ${id} is already ${experiment.status}`);
  await audit(db, {
    actor: actor.audit,
    action: 'experiment.stopped',
    detail: { experimentId: id, segment: stopped.segment, by: actor.label },
  });
  return stopped;
}

/** The variant's overrides laid over the segment's overrides in the policy document. */
const merged = (base: VariantOverrides, top: VariantOverrides): VariantOverrides => ({
  ...base,
  ...top,
  cadenceDays: { ...base.cadenceDays, ...top.cadenceDays },
  templates: { ...base.templates, ...top.templates },
  callSlaDays: { ...base.callSlaDays, ...top.callSlaDays },
});

/**
 * Makes the variant (by default the verdict's winner) the segment's next strategy version: a new
 * policy version (who, when, what changed) that new cases and new episodes run from then on.
 */
export async function promoteExperiment(
  db: Database,
  policyVersions: PolicyVersions,
  id: string,
  actor: Actor,
  requested?: string,
): Promise<{ experiment: Experiment; policyVersion: number; strategyVersion: string }> {
  const { experiment, verdict } = await experimentResults(db, (await policyVersions.current()).policies, id);
  if (experiment.status !== 'running')
    throw new ConflictError(`experiment ${id} is already ${experiment.status}`);
  const name = requested ?? (verdict.kind === 'winner' ? verdict.winner : undefined);
  if (!name) {
    throw new ConflictError(
      `experiment ${id} has no winner yet (${verdict.kind}): wait for more cases, or name the variant to promote`,
      'variant',
    );
  }
  const variant = experiment.variants.find((v) => v.name === name);
  if (!variant) {
    throw new InputError(
      'variant',
      `variant ${name} is not part of experiment ${id} (variants: ${experiment.variants.map((v) => v.name).join(', ')})`,
    );
  }
  const current = await policyVersions.current();
  const { segment } = experiment;
  const strategyVersion = applyVariant(current.policies.strategies[segment], name, {}).version;
  const {
    version: _old,
    paymentPlan,
    ...overrides
  } = current.document.strategies[segment] ?? {
    version: strategyVersion,
  };
  const document = {
    ...current.document,
    strategies: {
      ...current.document.strategies,
      [segment]: { ...merged(overrides, variant.overrides), version: strategyVersion, paymentPlan },
    },
  };
  const policyVersion = await policyVersions.publish(
    document,
    actor,
    `experiment ${id}: variant ${name} promoted to ${segment} strategy ${strategyVersion}`,
  );
  const promoted = await endExperiment(db, id, 'promoted', name);
  await audit(db, {
    actor: actor.audit,
    action: 'experiment.promoted',
    detail: { experimentId: id, segment, variant: name, policyVersion, strategyVersion, by: actor.label },
  });
  return { experiment: promoted ?? experiment, policyVersion, strategyVersion };
}
