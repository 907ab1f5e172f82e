import { z } from 'zod';
import { trimmedText } from './text.js';
import {
  addDays,
  contactWindowFor,
  DAY_MS,
  isPublicHoliday,
  toLocal,
  weekdayOf,
  zonedTimeToEpoch,
  type ContactPolicyConfig,
} from './contact-policy/index.js';
import { formatMinorUnits } from './segmentation/assess.js';
import type { DebtorFlag } from './segmentation/types.js';
import type { AgentTaskKind } from './strategies/types.js';

/**
 * Agent tasks as the workflow plans them and agents answer them: the question, the priority, the
 * deadline, the skills, and the outcomes. Pure and deterministic, so workflows use it directly.
 */

/** What the agent must find out; shown at the top of the task. */
export const TASK_QUESTIONS: Record<AgentTaskKind, string> = {
  call: 'Reach the debtor: will they pay the open amount, and by when?',
  'call-back': 'Call back at the time the debtor asked for: will they pay, and by when?',
  'data-research': 'Find a working e-mail address or phone number for the debtor.',
  'protected-review': 'Review the protected case: is hardship confirmed, and how should the case go on?',
  'handoff-approval': 'Approve the hand-over to the collection agency, or keep the case in outreach.',
  'supervisor-decision':
    'Research found no way to reach the debtor: hand the case over, write it off, or keep it.',
  'write-off-approval': 'Approve writing off the open balance, or keep the case in outreach.',
  'supervisor-review': 'A task ran past its deadline unanswered: reach the debtor or record what happened.',
  'dispute-review': 'Review the dispute the debtor opened: is the claim right?',
};

const BASE_PRIORITY: Record<AgentTaskKind, number> = {
  'call-back': 70,
  'protected-review': 60,
  'handoff-approval': 55,
  'supervisor-decision': 55,
  'write-off-approval': 45,
  'supervisor-review': 65,
  'dispute-review': 55,
  call: 50,
  'data-research': 30,
};

/** 0–100, higher first: the kind of task, raised for large and long-overdue amounts. */
export function taskPriority(
  kind: AgentTaskKind,
  facts: { openAmount: number; daysPastDue: number },
  highValueFrom: number,
): number {
  const amount = facts.openAmount >= highValueFrom ? 20 : facts.openAmount >= highValueFrom / 5 ? 10 : 0;
  const overdue = facts.daysPastDue >= 60 ? 10 : 0;
  return Math.min(100, BASE_PRIORITY[kind] + amount + overdue);
}

const SKILLS_BY_KIND: Record<AgentTaskKind, string[]> = {
  call: [],
  'call-back': [],
  'data-research': [],
  'protected-review': ['hardship'],
  'handoff-approval': ['supervisor'],
  'supervisor-decision': ['supervisor'],
  'write-off-approval': ['supervisor'],
  'supervisor-review': ['supervisor'],
  'dispute-review': ['disputes'],
};

/** The skills an agent needs: the debtor's language, the kind's specialty, and what the case calls for. */
export function requiredSkills(
  kind: AgentTaskKind,
  debtor: { locale: string; flags: readonly string[]; b2b: boolean; openAmount: number },
  highValueFrom: number,
): string[] {
  const skills = new Set([`lang:${debtor.locale}`, ...SKILLS_BY_KIND[kind]]);
  const flags = debtor.flags as readonly DebtorFlag[];
  if (flags.includes('hardship') || flags.includes('vulnerable')) skills.add('hardship');
  if (flags.includes('legal-hold') || flags.includes('insolvency')) skills.add('legal');
  if (debtor.b2b) skills.add('b2b');
  if (debtor.openAmount >= highValueFrom) skills.add('high-value');
  return [...skills].sort();
}

/**
 * A call must happen while the debtor may be called: its deadline is the end of the contact window
 * on the day the SLA ends (local time), or on the last working day before it when that day has no
 * window (Sunday, public holiday).
 */
export function callDeadline(
  now: number,
  slaDays: number,
  timezone: string,
  country: string | null,
  config: ContactPolicyConfig,
): number {
  const latest = now + slaDays * DAY_MS;
  const window = contactWindowFor(country, config);
  let date = toLocal(latest, timezone).date;
  for (let i = 0; i <= slaDays + 7; i++, date = addDays(date, -1)) {
    if (!window.days.includes(weekdayOf(date))) continue;
    if (window.holidays && country && isPublicHoliday(date, country)) continue;
    const end = zonedTimeToEpoch(date, window.end, timezone);
    return end > now ? end : latest;
  }
  return latest;
}

// --- outcomes -----------------------------------------------------------------------------------

const isoDate = z.iso.date('must be a date YYYY-MM-DD');
const minorUnits = z.number().int().positive('must be greater than 0');

/**
 * What an agent found out. Never contact data: a found address goes to the database directly,
 * the workflow only learns which channel changed.
 */
export const agentOutcomeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('promise'), date: isoDate, amount: minorUnits.optional() }),
  z.strictObject({
    kind: z.literal('payment-plan'),
    instalments: z.number().int().min(2).max(24),
    firstDate: isoDate,
  }),
  z.strictObject({ kind: z.literal('dispute'), reason: trimmedText(1, 200) }),
  z.strictObject({ kind: z.literal('refuses') }),
  z.strictObject({
    kind: z.literal('not-reached'),
    reason: z.enum(['no-answer', 'voicemail', 'wrong-number']),
  }),
  z.strictObject({ kind: z.literal('call-back'), at: z.iso.datetime({ offset: true }) }),
  z.strictObject({ kind: z.literal('hardship') }),
  z.strictObject({ kind: z.literal('decision'), decision: z.enum(['hand-over', 'write-off', 'keep']) }),
  z.strictObject({
    kind: z.literal('data-found'),
    channels: z
      .array(z.enum(['email', 'phone']))
      .min(1)
      .max(2),
  }),
]);
export type AgentOutcome = z.infer<typeof agentOutcomeSchema>;
export type AgentOutcomeKind = AgentOutcome['kind'];
export const AGENT_OUTCOME_KINDS: readonly AgentOutcomeKind[] = [
  'promise',
  'payment-plan',
  'dispute',
  'refuses',
  'not-reached',
  'call-back',
  'hardship',
  'data-found',
  'decision',
];

export type SupervisorDecision = Extract<AgentOutcome, { kind: 'decision' }>['decision'];

/** What each supervisor decision task can decide; other kinds end with an agent's outcome. */
export type DecisionTaskKind = 'handoff-approval' | 'supervisor-decision' | 'write-off-approval';
export const DECISIONS: Record<DecisionTaskKind, readonly SupervisorDecision[]> = {
  'handoff-approval': ['hand-over', 'keep'],
  'write-off-approval': ['write-off', 'keep'],
  'supervisor-decision': ['hand-over', 'write-off', 'keep'],
};

export const isDecisionTask = (kind: AgentTaskKind): kind is DecisionTaskKind =>
  Object.hasOwn(DECISIONS, kind);

export const agentNoteSchema = z.string().trim().max(2000);

/** The outcome as the workflow receives it: which task, who, what, and the agent's note. */
export interface AgentOutcomeReport {
  taskKey: string;
  /** The task's kind, for a task the case does not wait for (one the portal or a handler opened). */
  taskKind?: AgentTaskKind | undefined;
  agentId: string;
  agentName: string;
  outcome: AgentOutcome;
  note?: string | undefined;
}

const CALL_OUTCOMES: readonly AgentOutcomeKind[] = AGENT_OUTCOME_KINDS.filter((k) => k !== 'decision');
const DESK_OUTCOMES: readonly AgentOutcomeKind[] = [
  'promise',
  'payment-plan',
  'dispute',
  'refuses',
  'hardship',
  'data-found',
];

/**
 * Which outcomes a task can have: calls can also not reach anyone or be asked to call back; a
 * supervisor's decision task ends with a decision only.
 */
export function outcomesFor(kind: AgentTaskKind): readonly AgentOutcomeKind[] {
  if (isDecisionTask(kind)) return ['decision'];
  return kind === 'call' || kind === 'call-back' ? CALL_OUTCOMES : DESK_OUTCOMES;
}

/** For the contact policy's call caps: a conversation, an attempt, or no call at all. */
export function callResult(kind: AgentTaskKind, outcome: AgentOutcome): 'conversation' | 'attempt' | null {
  if (kind !== 'call' && kind !== 'call-back') return null;
  if (outcome.kind === 'data-found') return null;
  // A debtor who asks for a call-back has not had the conversation yet: the quiet period must not block it.
  return outcome.kind === 'not-reached' || outcome.kind === 'call-back' ? 'attempt' : 'conversation';
}

export const DECISION_LABELS: Record<SupervisorDecision, string> = {
  'hand-over': 'hand over to the collection agency',
  'write-off': 'write off the open balance',
  keep: 'keep the case in outreach',
};

const NOT_REACHED: Record<'no-answer' | 'voicemail' | 'wrong-number', string> = {
  'no-answer': 'not reached, no answer',
  voicemail: 'not reached, voicemail',
  'wrong-number': 'not reached, wrong number: phone marked invalid',
};

/** One line for the timeline, e.g. "reached, promise to pay 500.00 by 2026-11-27". */
export function describeOutcome(outcome: AgentOutcome): string {
  switch (outcome.kind) {
    case 'promise':
      return `reached, promise to pay${outcome.amount ? ` ${formatMinorUnits(outcome.amount)}` : ' everything open'} by ${outcome.date}`;
    case 'payment-plan':
      return `reached, payment plan in ${outcome.instalments} instalments from ${outcome.firstDate}`;
    case 'dispute':
      return `reached, disputes the claim: ${outcome.reason}`;
    case 'refuses':
      return 'reached, refuses to pay';
    case 'not-reached':
      return NOT_REACHED[outcome.reason];
    case 'call-back':
      return `call back at ${outcome.at}`;
    case 'hardship':
      return 'hardship identified: case protected';
    case 'data-found':
      return `new contact data found (${outcome.channels.join(', ')})`;
    case 'decision':
      return `supervisor decided: ${DECISION_LABELS[outcome.decision]}`;
  }
}
