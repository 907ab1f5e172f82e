import {
  ApplicationFailure,
  isGrpcServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import {
  caseWorkflowId,
  currentCaseState,
  type CaseInput,
  type CaseState,
  type InvoiceRecorded,
} from '../domain/case.js';
import type { Database } from '../db/database.js';
import { storeNote } from '../db/notes.js';
import type { AgentOutcomeReport } from '../domain/agent-tasks.js';
import type { HandoffReport } from '../domain/handoff.js';
import type { CaseVariant } from '../domain/experiments/experiment.js';
import { applyVariant } from '../domain/experiments/variant.js';
import { PLAN_REJECTED, type PaymentPlanProposal, type PlanRejection } from '../domain/payment-plan.js';
import * as sa from '../domain/search-attributes.js';
import type { OpeningFacts } from '../domain/opening-facts.js';
import type { Assessment } from '../domain/segmentation/types.js';
import { strategyFor } from '../domain/strategies/defaults.js';
import type { Strategy } from '../domain/strategies/types.js';
import {
  cancelUpdate,
  caseStateQuery,
  HANDOFF_CONFLICT,
  handoffReportUpdate,
  claimChangedSignal,
  contactDataChangedSignal,
  invoiceRecordedSignal,
  openDisputeUpdate,
  paymentRecordedSignal,
  pauseUpdate,
  promiseToPayUpdate,
  recordAgentOutcomeUpdate,
  proposePaymentPlanUpdate,
  resolveDisputeUpdate,
  resumeUpdate,
  type CaseAnswer,
  type DisputeOpened,
  type PromiseToPay,
} from '../workflows/messages.js';

/**
 * Task-queue priority (lower goes first; the server's default is 3). Cases open and step at
 * `background`: nobody waits for them, and a bulk import is thousands of them. A message someone
 * waits for (a payment, an operator's or agent's update) first raises its case to `interactive`,
 * so that its workflow task overtakes the import's backlog.
 */
export const CASE_PRIORITY = { interactive: 1, background: 4 } as const;

/** gRPC NOT_FOUND and FAILED_PRECONDITION: no such case, or it has closed. */
/**
 * gRPC codes that leave nothing to raise: NOT_FOUND and FAILED_PRECONDITION (no running case), and
 * UNIMPLEMENTED (a server without priorities, such as Temporal's time-skipping test server). Raising
 * the priority only speeds the message up; the message itself still goes.
 */
const NOTHING_TO_RAISE: readonly number[] = [5, 9, 12];

/** How the API talks to case workflows: ids, amounts and segmentation's facts, never contact data. */
export class CaseClient {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    /** Notes are stored here; the workflow gets only their reference (db/notes.ts). */
    private readonly db: Database,
  ) {}

  /**
   * Opens the debtor's case in the workflow of its segment, or tells the running case about the
   * invoice. Signal-with-start makes concurrent calls from billing land in one workflow.
   */
  async invoiceRecorded(
    debtorId: string,
    invoice: InvoiceRecorded,
    opening: {
      assessment: Assessment;
      /** The due date of the oldest open invoice (YYYY-MM-DD), when there is one. */
      overdueSince: string | null | undefined;
      openAmount: number;
      strategy?: Strategy;
      /** The experiment variant assigned to the case (runs the strategy with its overrides). */
      variant?: CaseVariant | undefined;
      /** The facts read for the assessment: the case opens on them unless they change first. */
      facts?: OpeningFacts;
    },
  ): Promise<{ runId: string; strategy: Strategy }> {
    const { variant } = opening;
    const segmentStrategy = opening.strategy ?? strategyFor(opening.assessment.segment);
    const strategy = variant
      ? applyVariant(segmentStrategy, variant.name, variant.overrides)
      : segmentStrategy;
    const input: CaseInput = {
      debtorId,
      strategyVersion: strategy.version,
      variant,
      openingFacts: opening.facts,
    };
    const handle = await this.client.workflow.signalWithStart<(input: CaseInput) => Promise<unknown>, []>(
      strategy.workflowType,
      {
        workflowId: caseWorkflowId(debtorId),
        taskQueue: this.taskQueue,
        args: [input],
        signal: invoiceRecordedSignal,
        signalArgs: [],
        priority: { priorityKey: CASE_PRIORITY.background },
        staticSummary: `Dunning case, debtor ${debtorId}: ${strategy.segment} (${strategy.version})`,
        staticDetails: `${strategy.purpose}\n\nOpened with invoice ${invoice.invoiceId}. Segment rule ${opening.assessment.ruleId}: ${opening.assessment.reasons.join('; ')}.`,
        typedSearchAttributes: [
          { key: sa.DunningStatus, value: strategy.status },
          { key: sa.DunningSegment, value: strategy.segment },
          { key: sa.StrategyVersion, value: strategy.version },
          { key: sa.AmountDue, value: opening.openAmount },
          ...(opening.overdueSince
            ? [{ key: sa.OverdueSince, value: sa.overdueSinceValue(opening.overdueSince) }]
            : []),
          ...(variant ? [{ key: sa.StrategyVariant, value: variant.name }] : []),
        ],
      },
    );
    return { runId: handle.signaledRunId, strategy };
  }

  /** Tells a running case that a payment was recorded; with no running case there is nobody to tell. */
  async paymentRecorded(debtorId: string): Promise<'signalled' | 'no-running-case'> {
    await this.raisePriority(debtorId);
    return this.signal(debtorId, (handle) => handle.signal(paymentRecordedSignal));
  }

  contactDataChanged(debtorId: string): Promise<'signalled' | 'no-running-case'> {
    return this.signal(debtorId, (handle) => handle.signal(contactDataChangedSignal));
  }

  /** A claim reduced or withdrawn: the running case re-reads what is open (and closes if nothing is). */
  claimChanged(debtorId: string): Promise<'signalled' | 'no-running-case'> {
    return this.signal(debtorId, (handle) => handle.signal(claimChangedSignal));
  }

  promiseToPay(debtorId: string, promise: PromiseToPay): Promise<CaseAnswer> {
    return this.urgent(debtorId, (handle) => handle.executeUpdate(promiseToPayUpdate, { args: [promise] }));
  }

  async openDispute(debtorId: string, dispute: DisputeOpened): Promise<CaseAnswer> {
    const note = await this.noteReference(debtorId, dispute.note);
    return this.urgent(debtorId, (handle) =>
      handle.executeUpdate(openDisputeUpdate, { args: [{ ...dispute, note }] }),
    );
  }

  /** Accepted within the segment's plan policy; rejected with a PlanRejection (see `planRejectionOf`). */
  async proposePaymentPlan(debtorId: string, proposal: PaymentPlanProposal): Promise<CaseAnswer> {
    const note = await this.noteReference(debtorId, proposal.note);
    return this.urgent(debtorId, (handle) =>
      handle.executeUpdate(proposePaymentPlanUpdate, { args: [{ ...proposal, note }] }),
    );
  }

  async resolveDispute(debtorId: string, outcome: 'resume' | 'cancel', text?: string): Promise<CaseAnswer> {
    const note = await this.noteReference(debtorId, text);
    return this.urgent(debtorId, (handle) =>
      handle.executeUpdate(resolveDisputeUpdate, { args: [{ outcome, note }] }),
    );
  }

  pause(debtorId: string, reason: string): Promise<CaseAnswer> {
    return this.urgent(debtorId, (handle) => handle.executeUpdate(pauseUpdate, { args: [{ reason }] }));
  }

  resume(debtorId: string): Promise<CaseAnswer> {
    return this.urgent(debtorId, (handle) => handle.executeUpdate(resumeUpdate, { args: [] }));
  }

  cancel(debtorId: string, reason: string): Promise<CaseAnswer> {
    return this.urgent(debtorId, (handle) => handle.executeUpdate(cancelUpdate, { args: [{ reason }] }));
  }

  async recordAgentOutcome(debtorId: string, report: AgentOutcomeReport): Promise<CaseAnswer> {
    const note = await this.noteReference(debtorId, report.note);
    return this.urgent(debtorId, (handle) =>
      handle.executeUpdate(recordAgentOutcomeUpdate, { args: [{ ...report, note }] }),
    );
  }

  /** The collection agency's report on a handed-over case, or a recall (see `handoffConflictOf`). */
  handoffReport(debtorId: string, report: HandoffReport): Promise<CaseAnswer> {
    return this.urgent(debtorId, (handle) => handle.executeUpdate(handoffReportUpdate, { args: [report] }));
  }

  /** Free text stays in the database; history carries `[note:<id>]` in its place. */
  private async noteReference(debtorId: string, text: string | undefined): Promise<string | undefined> {
    return text ? storeNote(this.db, debtorId, text) : undefined;
  }

  /** Ends the running case at once (an erasure); false when none was running. */
  async terminate(debtorId: string, reason: string): Promise<boolean> {
    try {
      await this.handle(debtorId).terminate(reason);
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  async state(debtorId: string): Promise<CaseState> {
    return currentCaseState(await this.handle(debtorId).query(caseStateQuery));
  }

  private handle(debtorId: string) {
    return this.client.workflow.getHandle(caseWorkflowId(debtorId));
  }

  /** A message someone waits for: the case goes first from now on. */
  private async urgent<T>(debtorId: string, send: (handle: ReturnType<CaseClient['handle']>) => Promise<T>) {
    // A case that is not running fails the message itself, with the error callers already handle.
    await this.raisePriority(debtorId);
    return send(this.handle(debtorId));
  }

  /**
   * Raises the running case to `interactive` priority (also its workflow task already queued, as
   * checked on server 1.32). Without a running case there is nothing to raise: the message that
   * follows gets the answer callers already handle.
   */
  private async raisePriority(debtorId: string): Promise<void> {
    try {
      await this.client.workflowService.updateWorkflowExecutionOptions({
        namespace: this.client.options.namespace,
        workflowExecution: { workflowId: caseWorkflowId(debtorId) },
        workflowExecutionOptions: { priority: { priorityKey: CASE_PRIORITY.interactive } },
        updateMask: { paths: ['priority'] },
      });
    } catch (error) {
      if (!isGrpcServiceError(error) || !NOTHING_TO_RAISE.includes(error.code)) throw error;
    }
  }

  private async signal(
    debtorId: string,
    send: (handle: ReturnType<CaseClient['handle']>) => Promise<void>,
  ): Promise<'signalled' | 'no-running-case'> {
    try {
      await send(this.handle(debtorId));
      return 'signalled';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'no-running-case';
      throw error;
    }
  }
}

/** Why the case rejected a payment plan, when that is what the error says. */
export function planRejectionOf(error: unknown): PlanRejection | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== PLAN_REJECTED) return undefined;
  return cause.details?.[0] as PlanRejection | undefined;
}

/** Why the case refused a hand-over report (not handed over, recall after acceptance), if that is the error. */
export function handoffConflictOf(error: unknown): string | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = error.cause;
  return cause instanceof ApplicationFailure && cause.type === HANDOFF_CONFLICT ? cause.message : undefined;
}
