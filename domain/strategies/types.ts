import type { PlanPolicy } from '../payment-plan.js';
import type { Channel, SegmentId } from '../segmentation/types.js';

/**
 * The Temporal workflow type that runs each segment's strategy, so the Web UI shows the treatment at
 * a glance. workflows/segments.ts exports one workflow under each name (checked by the compiler).
 */
export const SEGMENT_WORKFLOW_TYPES = {
  protected: 'protectedCase',
  'data-collection': 'dataCollection',
  'small-balance': 'smallBalanceOutreach',
  'self-service': 'selfServiceOutreach',
  assisted: 'assistedOutreach',
  personal: 'personalOutreach',
  'high-risk': 'highRiskOutreach',
} as const satisfies Record<SegmentId, string>;
export type WorkflowTypeOf<S extends SegmentId> = (typeof SEGMENT_WORKFLOW_TYPES)[S];

/**
 * Dunning steps use the first four; `dispute-received` (a receipt for a dispute opened on the
 * portal) and `plan-reminder` (before an instalment is due) are service messages.
 */
export const MESSAGE_TEMPLATES = [
  'reminder-1',
  'reminder-2',
  'final-notice',
  'confirmation',
  'dispute-received',
  'plan-reminder',
] as const;
export type MessageTemplate = (typeof MESSAGE_TEMPLATES)[number];

/**
 * How a strategy's messages speak. Every tone is respectful and never threatens: `friendly` assumes
 * an oversight, `supportive` offers help and a conversation, `firm` is clear and serious.
 */
export const TONES = ['friendly', 'supportive', 'firm'] as const;
export type Tone = (typeof TONES)[number];
export type AgentTaskKind =
  | 'call'
  | 'data-research'
  | 'protected-review'
  /** A supervisor approves handing the case to a collection agency, or keeps it (strategy next stage). */
  | 'handoff-approval'
  /** A supervisor decides a case research could not make contactable: hand over, write off or keep. */
  | 'supervisor-decision'
  /** A supervisor approves writing off a balance above the automatic write-off limit, or keeps it. */
  | 'write-off-approval'
  /** A person's task ran past its deadline unanswered: a supervisor sees to it. */
  | 'supervisor-review'
  /** A dispute the debtor opened on the portal. */
  | 'dispute-review'
  /** The debtor asked for a call in a time window they chose. */
  | 'call-back';

export type StepAction =
  /** A message on the first channel that is allowed; 'preferred' puts the debtor's preferred digital channel first. */
  | { kind: 'message'; channels: Channel[]; preferred?: boolean; template: MessageTemplate }
  /** Work for a person; the case waits for the outcome until `slaDays` pass, then moves on. */
  | { kind: 'agent-task'; task: AgentTaskKind; slaDays: number }
  /** Hand the case to an external collection agency. */
  | { kind: 'escalate' }
  /** The claim costs more to collect than it is worth: recommend writing it off and stop. */
  | { kind: 'recommend-write-off' };

export interface StrategyStep {
  id: string;
  /** Shown in the Web UI and the timeline, e.g. "Reminder 1". Never names the debtor. */
  label: string;
  /** Days after the previous step (after the episode start for the first step). */
  afterDays: number;
  action: StepAction;
}

/**
 * Where a strategy leads once its last step has run and the case is still open, `afterDays` after that
 * step (a pause, promise or plan holds it). No strategy ends in a plain wait.
 */
export type NextStage =
  /** Another segment's strategy; the ordinary assessment no longer takes the case back below it. */
  | { kind: 'segment'; segment: EscalatedSegment; afterDays: number }
  /** A supervisor approves the hand-over to a collection agency (`handoff-approval`). */
  | { kind: 'hand-over'; afterDays: number }
  /** Written off: automatically below the limit of its currency, else with a supervisor's approval. */
  | { kind: 'write-off'; afterDays: number; automaticallyBelow: Record<string, number> }
  /** The strategy's agent task again, every `afterDays` (a protected case's specialist review). */
  | { kind: 'periodic-review'; afterDays: number }
  /** The strategy's agent task up to `retries` times more, then a supervisor decides (hand over, write off, keep). */
  | { kind: 'supervisor-decision'; afterDays: number; retries: number };
export const NEXT_STAGE_KINDS = [
  'segment',
  'hand-over',
  'write-off',
  'periodic-review',
  'supervisor-decision',
] as const satisfies readonly NextStage['kind'][];

/** The segments a strategy can move a case on to, in order: each is stronger than the ordinary outreach. */
export const ESCALATED_SEGMENTS = ['assisted', 'high-risk'] as const;
export type EscalatedSegment = (typeof ESCALATED_SEGMENTS)[number];

export interface Strategy {
  segment: SegmentId;
  /** Temporal workflow type that runs it (SEGMENT_WORKFLOW_TYPES). */
  workflowType: WorkflowTypeOf<SegmentId>;
  version: string;
  purpose: string;
  /** The tone of every message this strategy sends (templates/email and templates/sms per tone). */
  tone: Tone;
  /** Status the case shows while this strategy runs. */
  status: 'active' | 'paused';
  steps: StrategyStep[];
  /** Payment plans the case accepts on its own; null: arranged personally (the portal says whom to ask). */
  paymentPlan?: PlanPolicy | null;
  /** Where the case goes after the last step; absent only in strategies recorded before it existed. */
  nextStage?: NextStage;
}

/** The next stage in a few words, for the README, the API and the timeline. */
export function describeNextStage(stage: NextStage): string {
  const after = `${stage.afterDays} days after the last step`;
  switch (stage.kind) {
    case 'segment':
      return `moves on to ${stage.segment} ${after}`;
    case 'hand-over':
      return `hand-over to a collection agency after a supervisor's approval, ${after}`;
    case 'write-off':
      return `write-off (automatic below the limit, else a supervisor approves), ${after}`;
    case 'periodic-review':
      return `the review again every ${stage.afterDays} days`;
    case 'supervisor-decision':
      return `the task again up to ${stage.retries} times every ${stage.afterDays} days, then a supervisor decides: hand over, write off or keep`;
  }
}

/** The ordinary outreach segments a next stage moves a case on from; the others follow the rules alone. */
const OUTREACH_RANK: Partial<Record<SegmentId, number>> = {
  'self-service': 0,
  assisted: 1,
  personal: 1,
  'high-risk': 2,
};

/**
 * The segment the case runs in: the assessed one, raised to the floor a next stage set when the
 * assessment names a weaker ordinary outreach segment (protected, data-collection and small-balance
 * always win: protection and data quality never depend on the stage).
 */
export function raisedSegment(assessed: SegmentId, floor: EscalatedSegment | undefined): SegmentId {
  const rank = OUTREACH_RANK[assessed];
  if (!floor || rank === undefined) return assessed;
  return rank < (OUTREACH_RANK[floor] ?? 0) ? floor : assessed;
}
