import type { SegmentId } from '../segmentation/types.js';
import type { PlanPolicy } from '../payment-plan.js';
import { SEGMENT_WORKFLOW_TYPES, type Strategy } from './types.js';

/**
 * Monthly instalments over at most six months, at least 20.00 each, the first within 30 days; three
 * days' grace for booking, a reminder three days before each due date.
 */
const STANDARD_PLAN: PlanPolicy = {
  maxInstalments: 6,
  minInstalment: 2_000,
  maxDurationDays: 186,
  maxFirstDueDays: 30,
  graceDays: 3,
  reminderDaysBefore: 3,
};

/**
 * The longest an open case waits without deciding anything: after this many days it re-reads its
 * facts and re-assesses, so days past due and expired tasks move it on even when nothing happens.
 */
export const REASSESS_EVERY_DAYS = 7;

/**
 * The strategies that ship with Mahnwerk. Every digital strategy makes its first contact as soon as
 * the case opens and the contact window allows (afterDays 0), not a cadence interval later.
 *
 * Letters: a first message falls back to a letter when neither e-mail nor SMS can be used (a debtor
 * with only a postal address is written to rather than researched), and the final notice of the
 * strategies that end in a final notice or a hand-over goes by post whenever an address exists. Small
 * balances get no letter: the postage would eat what chasing recovers.
 */
export const defaultStrategies: Record<SegmentId, Strategy> = {
  protected: {
    segment: 'protected',
    tone: 'supportive',
    workflowType: SEGMENT_WORKFLOW_TYPES['protected'],
    version: 'protected-v1',
    purpose:
      'Vulnerable, hardship, insolvency, deceased or legal hold: no automated contact, a specialist decides.',
    status: 'paused',
    // Hardship and vulnerability: a specialist agrees a plan with the debtor, never an automatism.
    paymentPlan: null,
    steps: [
      {
        id: 'review',
        label: 'Specialist review',
        afterDays: 0,
        action: { kind: 'agent-task', task: 'protected-review', slaDays: 5 },
      },
    ],
    nextStage: { kind: 'periodic-review', afterDays: 30 },
  },
  'data-collection': {
    segment: 'data-collection',
    tone: 'supportive',
    workflowType: SEGMENT_WORKFLOW_TYPES['data-collection'],
    version: 'data-collection-v1',
    purpose: 'Contact data or profile data is missing: an agent researches it before anyone is contacted.',
    status: 'active',
    paymentPlan: STANDARD_PLAN,
    steps: [
      {
        id: 'research',
        label: 'Research contact data',
        afterDays: 0,
        action: { kind: 'agent-task', task: 'data-research', slaDays: 5 },
      },
    ],
    nextStage: { kind: 'supervisor-decision', afterDays: 7, retries: 2 },
  },
  'small-balance': {
    segment: 'small-balance',
    tone: 'friendly',
    workflowType: SEGMENT_WORKFLOW_TYPES['small-balance'],
    version: 'small-balance-v1',
    purpose: 'Collecting costs more than the claim: one friendly digital reminder, then a write-off.',
    status: 'active',
    paymentPlan: { ...STANDARD_PLAN, maxInstalments: 2, minInstalment: 1_000, maxDurationDays: 62 },
    steps: [
      {
        id: 'reminder',
        label: 'Friendly reminder',
        afterDays: 0,
        action: { kind: 'message', channels: ['email', 'sms'], preferred: true, template: 'reminder-1' },
      },
    ],
    // Small credits go without review; a supervisor approves anything larger.
    nextStage: {
      kind: 'write-off',
      afterDays: 14,
      automaticallyBelow: { EUR: 1500, USD: 1500, GBP: 1500, CHF: 1500 },
    },
  },
  'self-service': {
    segment: 'self-service',
    tone: 'friendly',
    workflowType: SEGMENT_WORKFLOW_TYPES['self-service'],
    version: 'self-service-v1',
    purpose:
      'Digitally active with a good history: portal link, a reminder, an SMS nudge; a person only at the end.',
    status: 'active',
    paymentPlan: STANDARD_PLAN,
    steps: [
      {
        id: 'portal-link',
        label: 'Portal link',
        afterDays: 0,
        action: { kind: 'message', channels: ['email', 'sms'], preferred: true, template: 'reminder-1' },
      },
      {
        id: 'reminder',
        label: 'E-mail reminder',
        afterDays: 5,
        action: { kind: 'message', channels: ['email'], template: 'reminder-2' },
      },
      {
        id: 'sms-nudge',
        label: 'SMS nudge',
        afterDays: 4,
        action: { kind: 'message', channels: ['sms', 'email'], template: 'reminder-2' },
      },
      {
        id: 'call',
        label: 'Agent call',
        afterDays: 5,
        action: { kind: 'agent-task', task: 'call', slaDays: 3 },
      },
    ],
    nextStage: { kind: 'segment', segment: 'assisted', afterDays: 3 },
  },
  assisted: {
    segment: 'assisted',
    tone: 'supportive',
    workflowType: SEGMENT_WORKFLOW_TYPES['assisted'],
    version: 'assisted-v2',
    purpose: 'Mixed signals: e-mail and SMS with the portal link on the first day, and a call early.',
    status: 'active',
    paymentPlan: STANDARD_PLAN,
    steps: [
      {
        id: 'email-1',
        label: 'Reminder 1',
        afterDays: 0,
        action: { kind: 'message', channels: ['email', 'sms', 'letter'], template: 'reminder-1' },
      },
      {
        id: 'sms-1',
        label: 'SMS reminder',
        afterDays: 0,
        action: { kind: 'message', channels: ['sms'], template: 'reminder-1' },
      },
      {
        id: 'call',
        label: 'Agent call',
        afterDays: 4,
        action: { kind: 'agent-task', task: 'call', slaDays: 3 },
      },
      {
        id: 'final',
        label: 'Final notice',
        afterDays: 7,
        action: { kind: 'message', channels: ['letter', 'email', 'sms'], template: 'final-notice' },
      },
    ],
    nextStage: { kind: 'segment', segment: 'high-risk', afterDays: 14 },
  },
  personal: {
    segment: 'personal',
    tone: 'supportive',
    workflowType: SEGMENT_WORKFLOW_TYPES['personal'],
    version: 'personal-v2',
    purpose: 'High value, A-customer or prefers people: a person calls first, written confirmation follows.',
    status: 'active',
    paymentPlan: { ...STANDARD_PLAN, maxInstalments: 12, maxDurationDays: 370 },
    steps: [
      {
        id: 'call',
        label: 'Agent call',
        afterDays: 0,
        action: { kind: 'agent-task', task: 'call', slaDays: 2 },
      },
      {
        id: 'confirmation',
        label: 'Written confirmation',
        afterDays: 0,
        action: { kind: 'message', channels: ['email', 'sms', 'letter'], template: 'confirmation' },
      },
      {
        id: 'follow-up-call',
        label: 'Follow-up call',
        afterDays: 7,
        action: { kind: 'agent-task', task: 'call', slaDays: 3 },
      },
    ],
    nextStage: { kind: 'segment', segment: 'high-risk', afterDays: 14 },
  },
  'high-risk': {
    segment: 'high-risk',
    tone: 'firm',
    workflowType: SEGMENT_WORKFLOW_TYPES['high-risk'],
    version: 'high-risk-v2',
    purpose:
      'Broken promises or long overdue: a tighter cadence, then hand-over to a collection agency once a supervisor approves.',
    status: 'active',
    paymentPlan: {
      ...STANDARD_PLAN,
      maxInstalments: 3,
      minInstalment: 5_000,
      maxDurationDays: 92,
      graceDays: 2,
    },
    steps: [
      {
        id: 'notice',
        label: 'E-mail notice',
        afterDays: 0,
        action: { kind: 'message', channels: ['email', 'sms', 'letter'], template: 'reminder-2' },
      },
      {
        id: 'sms',
        label: 'SMS reminder',
        afterDays: 2,
        action: { kind: 'message', channels: ['sms', 'email'], template: 'reminder-2' },
      },
      {
        id: 'call',
        label: 'Agent call',
        afterDays: 1,
        action: { kind: 'agent-task', task: 'call', slaDays: 2 },
      },
      {
        id: 'final',
        label: 'Final notice',
        afterDays: 3,
        action: { kind: 'message', channels: ['letter', 'email', 'sms'], template: 'final-notice' },
      },
    ],
    nextStage: { kind: 'hand-over', afterDays: 7 },
  },
};

export function strategyFor(segment: SegmentId): Strategy {
  return defaultStrategies[segment];
}
