import { z } from 'zod';
import { addDays, toLocal, zonedTimeToEpoch } from './contact-policy/index.js';

/**
 * Payment plans: the debtor (portal), an agent or billing (API) proposes instalments; the case
 * accepts them when they fit the segment's plan policy, and then follows them. Pure and
 * workflow-safe: the workflow validates and monitors with these functions, the portal uses the
 * same ones to preview a schedule before it asks the case.
 */
export const planPolicySchema = z.strictObject({
  /** At most this many instalments. */
  maxInstalments: z.number().int().min(2).max(36),
  /** Each instalment at least this much, in minor units of the case currency. */
  minInstalment: z.number().int().positive(),
  /** The last instalment at most this many days from the day of the proposal. */
  maxDurationDays: z.number().int().min(7).max(730),
  /** The first instalment at most this many days from the day of the proposal. */
  maxFirstDueDays: z.number().int().min(0).max(90),
  /** Days after a due date before a missing instalment breaks the plan (payments take time to book). */
  graceDays: z.number().int().min(0).max(30),
  /** A reminder this many days before each due date (0: none). */
  reminderDaysBefore: z.number().int().min(0).max(14),
});
export type PlanPolicy = z.infer<typeof planPolicySchema>;

export const PLAN_SOURCES = ['portal', 'agent', 'api'] as const;
export type PlanSource = (typeof PLAN_SOURCES)[number];

const isoDate = z.iso.date();
export const instalmentSchema = z.object({
  /** YYYY-MM-DD, a calendar day in the debtor's time zone. */
  dueDate: isoDate,
  /** Minor units of the case currency. */
  amount: z.number().int().positive(),
});
export type Instalment = z.infer<typeof instalmentSchema>;

/** The input of the `proposePaymentPlan` update. */
export const paymentPlanProposalSchema = z.object({
  instalments: z.array(instalmentSchema).min(1).max(60),
  source: z.enum(PLAN_SOURCES),
  /** Free text for the timeline, e.g. what an agent agreed on the phone. Never contact data. */
  note: z.string().max(500).optional(),
});
export type PaymentPlanProposal = z.input<typeof paymentPlanProposalSchema>;

/** Why a proposal was rejected: a stable code the portal translates, and its numbers. */
export const PLAN_REJECTIONS = [
  'invalid',
  'case-closed',
  'disputed',
  'plan-running',
  'no-plans',
  'too-few-instalments',
  'too-many-instalments',
  'instalment-too-small',
  'date-in-past',
  'dates-not-ascending',
  'first-too-late',
  'too-long',
  'sum-mismatch',
] as const;
export type PlanRejectionCode = (typeof PLAN_REJECTIONS)[number];
export interface PlanRejection {
  code: PlanRejectionCode;
  /** English, for the API, the timeline and the logs. */
  message: string;
  params: Record<string, number | string>;
}

/** The failure type a rejected proposal carries, with the PlanRejection as its only detail. */
export const PLAN_REJECTED = 'PaymentPlanRejected';

const reject = (code: PlanRejectionCode, message: string, params: PlanRejection['params'] = {}) => ({
  code,
  message,
  params,
});

const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

/**
 * Checks a proposal against the policy and the open claim. `today` is the debtor's local date.
 * A plan covers everything open: instalments must add up to exactly the open claim, read fresh
 * (`exact`). The case itself knows the claim as of its last refresh, and default interest has
 * grown it since: there the instalments must cover at least that figure (`at-least`).
 */
export function checkProposal(
  proposal: PaymentPlanProposal,
  policy: PlanPolicy | null | undefined,
  facts: { openAmount: number; today: string; cover?: 'exact' | 'at-least' },
): PlanRejection | undefined {
  const parsed = paymentPlanProposalSchema.safeParse(proposal);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || 'proposal').join(', ');
    return reject('invalid', `the proposal is invalid: ${fields}`, { fields });
  }
  if (!policy) return reject('no-plans', 'payment plans are arranged personally for this case');
  const { instalments } = parsed.data;
  if (instalments.length < 2)
    return reject('too-few-instalments', 'a plan needs at least 2 instalments', { min: 2 });
  if (instalments.length > policy.maxInstalments) {
    return reject('too-many-instalments', `at most ${policy.maxInstalments} instalments`, {
      max: policy.maxInstalments,
    });
  }
  const total = instalments.reduce((sum, i) => sum + i.amount, 0);
  // Before the case has read its facts it knows nothing open: then no plan can cover it yet.
  const covered =
    facts.cover === 'at-least'
      ? facts.openAmount > 0 && total >= facts.openAmount
      : total === facts.openAmount;
  if (!covered) {
    return reject('sum-mismatch', `the instalments add up to ${total}, but ${facts.openAmount} is open`, {
      total,
      open: facts.openAmount,
    });
  }
  const smallest = Math.min(...instalments.map((i) => i.amount));
  if (smallest < policy.minInstalment) {
    return reject('instalment-too-small', `each instalment must be at least ${policy.minInstalment}`, {
      min: policy.minInstalment,
    });
  }
  const dates = instalments.map((i) => i.dueDate);
  if (dates.some((d) => d < facts.today))
    return reject('date-in-past', 'a due date lies in the past', { today: facts.today });
  if (dates.some((d, n) => n > 0 && d <= dates[n - 1]!)) {
    return reject('dates-not-ascending', 'due dates must be in order, one instalment per day at most');
  }
  if (daysBetween(facts.today, dates[0]!) > policy.maxFirstDueDays) {
    return reject(
      'first-too-late',
      `the first instalment must be due within ${policy.maxFirstDueDays} days`,
      {
        maxDays: policy.maxFirstDueDays,
      },
    );
  }
  if (daysBetween(facts.today, dates.at(-1)!) > policy.maxDurationDays) {
    return reject('too-long', `the last instalment must be due within ${policy.maxDurationDays} days`, {
      maxDays: policy.maxDurationDays,
    });
  }
  return undefined;
}

/** YYYY-MM-DD plus whole months; the day is clamped to the month's end (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, lastDay));
  return first.toISOString().slice(0, 10);
}

/** Equal monthly instalments from `firstDueDate`; the cents that do not divide go to the first one. */
export function monthlySchedule(total: number, count: number, firstDueDate: string): Instalment[] {
  const base = Math.floor(total / count);
  return Array.from({ length: count }, (_, n) => ({
    dueDate: addMonths(firstDueDate, n),
    amount: n === 0 ? total - base * (count - 1) : base,
  }));
}

/** The largest number of monthly instalments the policy allows for an amount. */
export function maxMonthlyInstalments(policy: PlanPolicy, total: number): number {
  const byAmount = Math.floor(total / policy.minInstalment);
  const byDuration = Math.floor((policy.maxDurationDays - policy.maxFirstDueDays) / 31) + 1;
  return Math.max(0, Math.min(policy.maxInstalments, byAmount, byDuration));
}

/** An accepted plan as the workflow keeps it (and carries across segment changes). */
export const activePlanSchema = z.object({
  instalments: z.array(instalmentSchema),
  source: z.enum(PLAN_SOURCES),
  acceptedAt: z.number(),
  /** Everything the debtor had paid when the plan was accepted; instalments count what came after. */
  paidBaseline: z.number().int().min(0),
  /** Instalments whose reminder moment has passed (sent or skipped). */
  reminded: z.number().int().min(0),
  /** Instalments checked and found paid. */
  settled: z.number().int().min(0),
  graceDays: z.number().int().min(0),
  reminderDaysBefore: z.number().int().min(0),
});
export type ActivePlan = z.infer<typeof activePlanSchema>;

export function acceptPlan(
  proposal: PaymentPlanProposal,
  policy: PlanPolicy,
  at: number,
  paidBaseline: number,
): ActivePlan {
  return {
    instalments: proposal.instalments.map(({ dueDate, amount }) => ({ dueDate, amount })),
    source: proposal.source,
    acceptedAt: at,
    paidBaseline,
    reminded: 0,
    settled: 0,
    graceDays: policy.graceDays,
    reminderDaysBefore: policy.reminderDaysBefore,
  };
}

export type PlanEvent =
  { kind: 'remind'; index: number; at: number } | { kind: 'check'; index: number; at: number };

/** Reminders go out at 10:00 local time, when every contact window is open on a working day. */
const REMINDER_TIME = '10:00';

/** The next thing the plan needs: a reminder before a due date, or the check after its grace period. */
export function nextPlanEvent(plan: ActivePlan, timeZone: string): PlanEvent | undefined {
  const events: PlanEvent[] = [];
  const remind = plan.instalments[plan.reminded];
  if (remind && plan.reminded >= plan.settled) {
    events.push({
      kind: 'remind',
      index: plan.reminded,
      at: zonedTimeToEpoch(addDays(remind.dueDate, -plan.reminderDaysBefore), REMINDER_TIME, timeZone),
    });
  }
  const check = plan.instalments[plan.settled];
  if (check) {
    events.push({
      kind: 'check',
      index: plan.settled,
      at: zonedTimeToEpoch(addDays(check.dueDate, 1 + plan.graceDays), '00:00', timeZone),
    });
  }
  return events.sort((a, b) => a.at - b.at)[0];
}

/** Whether a reminder is worth sending now: not right after acceptance, not after the due date. */
export function shouldRemind(plan: ActivePlan, event: PlanEvent, now: number, timeZone: string): boolean {
  const due = plan.instalments[event.index];
  if (!due || plan.reminderDaysBefore === 0) return false;
  return event.at >= plan.acceptedAt && toLocal(now, timeZone).date <= due.dueDate;
}

/** What the first `count` instalments add up to. */
export const dueThrough = (plan: ActivePlan, count: number): number =>
  plan.instalments.slice(0, count).reduce((sum, i) => sum + i.amount, 0);

export type InstalmentStatus = 'paid' | 'open';
export interface PlanView {
  source: PlanSource;
  acceptedAt: string;
  instalments: (Instalment & { status: InstalmentStatus })[];
}

/** The plan as the case query and the portal show it; `paidSince` counts payments after acceptance. */
export function planView(plan: ActivePlan, paidSince: number): PlanView {
  return {
    source: plan.source,
    acceptedAt: new Date(plan.acceptedAt).toISOString(),
    instalments: plan.instalments.map((i, n) => ({
      ...i,
      status: n < plan.settled || dueThrough(plan, n + 1) <= paidSince ? 'paid' : 'open',
    })),
  };
}
