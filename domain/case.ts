import { z } from 'zod';
import { caseVariantSchema } from './experiments/experiment.js';
import { activePlanSchema, type PlanView } from './payment-plan.js';
import { ESCALATED_SEGMENTS } from './strategies/types.js';
import { debtorIdSchema } from './debtor-id.js';
import { openingFactsSchema } from './opening-facts.js';

export { debtorIdSchema };

/**
 * The contract between the API and the case workflows: ids, amounts and the facts segmentation
 * reads, never contact data, so no address lands in Temporal's history.
 */
export const CASE_STATUSES = [
  'active',
  'paused',
  'promised',
  'disputed',
  'payment-plan',
  'paid',
  'escalated',
  'written-off',
  'cancelled',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

const CASE_WORKFLOW_PREFIX = 'case-';

export function caseWorkflowId(debtorId: string): string {
  return `${CASE_WORKFLOW_PREFIX}${debtorId}`;
}

export const caseInputSchema = z.object({
  debtorId: debtorIdSchema,
  /** Fixed when the run starts, so a config change never alters a running episode. */
  strategyVersion: z.string().min(1),
  /** Carried across episodes (continue-as-new into another segment). */
  episode: z.number().int().positive().default(1),
  caseOpenedAt: z.iso.datetime().optional(),
  brokenPromises: z.number().int().min(0).default(0),
  promise: z.object({ until: z.number(), expectedOpen: z.number().int() }).optional(),
  disputed: z.boolean().default(false),
  operatorPaused: z.boolean().default(false),
  plan: activePlanSchema.optional(),
  /**
   * The segment a strategy's next stage moved the case on to: the ordinary assessment does not take
   * it back below (domain/strategies `raisedSegment`).
   */
  stageFloor: z.enum(ESCALATED_SEGMENTS).optional(),
  /** The experiment variant assigned at the case's opening: kept by every episode. */
  variant: caseVariantSchema.optional(),
  /**
   * The facts the API read as it started the case, so that the opening need not read them again.
   * Only the first episode's start carries them; facts that do not check out are read instead.
   */
  openingFacts: openingFactsSchema.optional().catch(undefined),
});
export type CaseInput = z.input<typeof caseInputSchema>;

export const invoiceRecordedSchema = z.object({
  invoiceId: z.string().min(1),
  amountDue: z.number().int().positive(),
  currency: z.string().length(3),
});
export type InvoiceRecorded = z.infer<typeof invoiceRecordedSchema>;

/** What an activity reads from the database right before the workflow decides. */
export interface CaseFacts {
  debtorExists: boolean;
  locale: 'de' | 'en';
  timezone: string;
  openAmount: number;
  currency: string | null;
  openInvoiceCount: number;
  daysPastDue: number;
  oldestDueDate: string | null;
  emailReachable: boolean;
}

export interface CaseState {
  debtorId: string;
  status: CaseStatus;
  segment: string;
  strategyVersion: string;
  currentStep: string | null;
  nextStep: string | null;
  nextStepAt: string | null;
  /** When the case decides next at the latest (ISO): set whenever it waits; null once closed. */
  nextDecisionAt: string | null;
  /** The case's open amount (minor units), as of the workflow's last read of the facts. */
  openAmount: number;
  currency: string | null;
  daysPastDue: number;
  openedAt: string;
  closedAt: string | null;
  episode: number;
  /** Why the case is in its segment: the rule and the facts that matched. */
  ruleId: string;
  reasons: string[];
  promisedUntil: string | null;
  /** The accepted payment plan being followed, with each instalment paid or open. */
  plan: PlanView | null;
  /** The experiment variant of the case (from its opening on, in every segment). */
  variant: { experimentId: string; name: string } | null;
}

/**
 * The figures of the case state that come from the facts. The workflow sets them from each read, and
 * a send that reports its step sets them from the read after it, so both store the same state.
 */
export function caseFigures(facts: {
  openAmount: number;
  currency: string | null;
  daysPastDue: number;
}): Pick<CaseState, 'openAmount' | 'currency' | 'daysPastDue'> {
  return { openAmount: facts.openAmount, currency: facts.currency, daysPastDue: facts.daysPastDue };
}

/**
 * The case as it waits for its next step after a send at `at` (ms): the figures of the facts read
 * after the send, the next step `nextAfterMs` later (also its next decision).
 */
export function stateAfterSend(
  state: CaseState,
  facts: Parameters<typeof caseFigures>[0],
  at: number,
  nextAfterMs: number,
): CaseState {
  const nextAt = new Date(at + nextAfterMs).toISOString();
  return { ...state, ...caseFigures(facts), nextStepAt: nextAt, nextDecisionAt: nextAt };
}

/**
 * A case state as workflow code from before the rename to `openAmount` sent it (a `reportCase` task
 * scheduled then, a worker not yet updated answering the `caseState` query).
 */
export type ReportedCaseState = CaseState | (Omit<CaseState, 'openAmount'> & { amountDue: number });

/** The state in today's names, whichever code reported it. */
export function currentCaseState(reported: ReportedCaseState): CaseState {
  if (!('amountDue' in reported)) return reported;
  const { amountDue, ...state } = reported;
  return { ...state, openAmount: amountDue };
}

export interface CaseOutcome {
  status: CaseStatus;
  closedAt: string;
}

/** The debtor of a case workflow id; undefined for any other workflow. */
export function debtorIdOfCaseWorkflow(workflowId: string): string | undefined {
  return workflowId.startsWith(CASE_WORKFLOW_PREFIX)
    ? workflowId.slice(CASE_WORKFLOW_PREFIX.length)
    : undefined;
}
