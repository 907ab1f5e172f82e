import { patched, workflowInfo } from '@temporalio/workflow';
import type { z } from 'zod';
import type { Policies } from '../../activities/index.js';
import type { AgentOutcome } from '../../domain/agent-tasks.js';
import type { HandoffReturnTarget, OpenHandoffStatus } from '../../domain/handoff.js';
import type { caseInputSchema, CaseState, CaseStatus } from '../../domain/case.js';
import { applyVariant } from '../../domain/experiments/variant.js';
import { planView } from '../../domain/payment-plan.js';
import type { Channel, SegmentId } from '../../domain/segmentation/types.js';
import { defaultStrategies } from '../../domain/strategies/defaults.js';
import type { AgentTaskKind, Strategy } from '../../domain/strategies/types.js';
import type { CaseAnswer } from '../messages.js';
import * as scheduled from './activities.js';
import { fail } from './errors.js';

/** What one episode hands to the next on continue-as-new: parsed by `caseInputSchema` both ways. */
export type CarriedState = z.output<typeof caseInputSchema>;

/** The agent task the step waits for; `recording` while an outcome is being stored. */
export interface AwaitedTask {
  key: string;
  kind: AgentTaskKind;
  label: string;
  dueAt: number;
  deadline: number;
  outcome?: AgentOutcome;
  recording: boolean;
}

/** A hand-over the case waits on: the agency's answers change it; `ended` when it comes back. */
export interface OpenHandoff {
  key: string;
  status: OpenHandoffStatus;
  /** Since when the agency's confirmation is awaited (a supervisor looks when it stays away). */
  since: number;
  ended?: HandoffReturnTarget;
}

export interface TimelineEntry {
  type: string;
  summary: string;
}

/**
 * Everything one segment episode knows. The modules of `workflows/episode/` read and change it; only
 * `carried` outlives the run (continue-as-new), the rest is re-read from the facts.
 */
export class Episode {
  readonly info = workflowInfo();
  readonly caseKey = `${this.info.workflowId}/${this.info.firstExecutionRunId}`;
  readonly strategy: Strategy;
  /** What the query answers and the database row shows. */
  readonly state: CaseState;

  /** Everything the debtor has paid, as of the last read of the facts (payment plans count from it). */
  paidTotal = 0;
  closing: CaseStatus | undefined = undefined;
  debtorZone = 'UTC';
  debtorCountry: string | null = null;
  preferredDigital: Channel | undefined = undefined;
  /** The due date of the oldest open invoice, as of the last read of the facts. */
  overdueSince: string | null = null;
  awaited: AwaitedTask | undefined = undefined;
  /** Set while the case is with a collection agency: status `escalated`, no outreach. */
  handoff: OpenHandoff | undefined = undefined;
  /** The open dispute-review task of a dispute the debtor opened on the portal. */
  disputeTaskKey: string | undefined = undefined;
  /** Outcomes of tasks no step waits for (the portal's call-backs and dispute reviews) being stored. */
  readonly answeringSideTasks = new Set<string>();
  /** Confirmations and agent tasks started from a handler: they finish (or give up) before the run ends. */
  readonly sideTasks: Promise<void>[] = [];
  /** Set when the run is ending: side tasks stop waiting for contact windows. */
  ending = false;
  /** The case state as last reported, and the search attributes as last upserted (lean runs skip repeats). */
  lastReport = '';
  readonly searchAttributes = new Map<string, unknown>();
  /** Timeline entries not yet reported to the database. */
  readonly pending: TimelineEntry[] = [];

  // Signals bump factsChanges; factsRead is its value when the facts were last read, so a signal
  // that arrives while an activity runs is never lost.
  factsChanges = 0;
  factsRead = -1;

  constructor(
    readonly segment: SegmentId,
    readonly policies: Policies,
    readonly carried: CarriedState,
    /** Opened since the lean case: reads once, reports once per decision, through local activities. */
    readonly lean = false,
    /**
     * Opened since the lean step: a step's send reports it and brings back the facts, a timer's
     * wake-up decides on the facts it has (every change of facts signals the case), and no search
     * attribute changes per step.
     */
    readonly leanStep = false,
  ) {
    this.strategy = strategyOf(segment, policies, carried);
    this.state = openingState(segment, this.strategy, carried);
  }

  /**
   * A first episode whose start carried its facts (every case billing opened since; the input, not a
   * patch marker, tells older histories apart): when it defers a contact, it waits on the facts it
   * has instead of reading them again, as a lean step's wake-up does.
   */
  get startedWithFacts(): boolean {
    return this.leanStep && this.carried.openingFacts !== undefined;
  }

  /**
   * Whether the run has a change made after its first version: a lean run has every earlier one (it
   * records no marker for them); an older history replays by the markers it carries.
   */
  since(patchId: string): boolean {
    return this.lean || patched(patchId);
  }

  /** The case's reads and reports: local activities in a lean run, scheduled ones in older histories. */
  get io(): Pick<typeof scheduled.local, 'loadCaseSnapshot' | 'reportCase'> {
    return this.lean ? scheduled.local : scheduled;
  }

  get debtorId(): string {
    return this.carried.debtorId;
  }

  /**
   * A message changed the facts and someone waits for the case's answer (a payment to show as paid):
   * the next read and report take the database's urgent lane (db/lanes.ts), ahead of bulk work.
   */
  answering = false;

  factsChanged(waitedFor = true): void {
    this.factsChanges++;
    if (waitedFor) this.answering = true;
  }

  open(): boolean {
    return this.closing === undefined && this.state.closedAt === null;
  }

  requireOpen(): void {
    if (!this.open()) fail('the case is closed');
  }

  /** Outreach waits: a dispute, an operator's pause, a running plan or a promise not yet due. */
  paused(): boolean {
    const { disputed, operatorPaused, plan, promise } = this.carried;
    return (
      disputed ||
      operatorPaused ||
      plan !== undefined ||
      (promise !== undefined && promise.until > Date.now())
    );
  }

  statusNow(): CaseStatus {
    if (this.handoff) return 'escalated';
    const { disputed, operatorPaused, plan, promise } = this.carried;
    if (disputed) return 'disputed';
    if (plan) return 'payment-plan';
    if (promise && promise.until > Date.now()) return 'promised';
    if (operatorPaused) return 'paused';
    return this.strategy.status;
  }

  planNow(): CaseState['plan'] {
    const plan = this.carried.plan;
    return plan ? planView(plan, this.paidTotal - plan.paidBaseline) : null;
  }

  /** An update's answer; a query right after the update sees what it answered, before the loop publishes it. */
  answer(message: string): CaseAnswer {
    this.state.status = this.closing ?? this.statusNow();
    this.state.plan = this.planNow();
    return { status: this.state.status, message };
  }

  /** Runs an activity beside the main flow (from a handler), kept until the run ends. */
  background(run: () => Promise<void>): void {
    this.sideTasks.push(run());
  }

  /** The plan policy of this segment; episodes started before plans existed use the defaults. */
  planPolicy() {
    return this.strategy.paymentPlan === undefined
      ? defaultStrategies[this.segment].paymentPlan
      : this.strategy.paymentPlan;
  }
}

/** The segment's strategy, with the case's variant applied while it is in the experiment's segment. */
function strategyOf(segment: SegmentId, policies: Policies, carried: CarriedState): Strategy {
  const strategy = policies.strategies[segment];
  const variant = carried.variant;
  return variant?.segment === segment ? applyVariant(strategy, variant.name, variant.overrides) : strategy;
}

/** The case's state before its first read of the facts. */
export function openingState(segment: SegmentId, strategy: Strategy, carried: CarriedState): CaseState {
  return {
    debtorId: carried.debtorId,
    status: strategy.status,
    segment,
    strategyVersion: strategy.version,
    currentStep: 'assessing',
    nextStep: null,
    nextStepAt: null,
    nextDecisionAt: null,
    openAmount: 0,
    currency: null,
    daysPastDue: 0,
    openedAt: carried.caseOpenedAt ?? new Date().toISOString(),
    closedAt: null,
    episode: carried.episode,
    ruleId: 'pending',
    reasons: [],
    promisedUntil: carried.promise ? new Date(carried.promise.until).toISOString() : null,
    plan: null,
    variant: carried.variant
      ? { experimentId: carried.variant.experimentId, name: carried.variant.name }
      : null,
  };
}
