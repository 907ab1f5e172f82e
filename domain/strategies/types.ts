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
  | 'escalation-approval'
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
}
