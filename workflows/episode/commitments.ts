import { ApplicationFailure } from '@temporalio/workflow';
import type { AgentOutcome } from '../../domain/agent-tasks.js';
import { addDays, toLocal, zonedTimeToEpoch } from '../../domain/contact-policy/index.js';
import {
  acceptPlan,
  checkProposal,
  monthlySchedule,
  PLAN_REJECTED,
  type PaymentPlanProposal,
  type PlanRejection,
} from '../../domain/payment-plan.js';
import type { CaseAnswer, DisputeOpened, PromiseToPay } from '../messages.js';
import { createAgentTask } from './activities.js';
import { notify } from './notify.js';
import type { Episode } from './state.js';

/**
 * What the debtor (or an agent for them) commits to or objects to: promises, disputes and payment
 * plans. Used by the update handlers and by agent outcomes, which end in the same commitments.
 */

export const DAY_MS = 86_400_000;
const MAX_PROMISE_DAYS = 30;
/** A person reviews a dispute from the portal within this many days. */
const DISPUTE_REVIEW_DAYS = 3;
/** A promise is checked one day after its date: payments take a day to be booked. */
const PROMISE_GRACE_MS = DAY_MS;

export function validatePromise(ep: Episode, p: { date: string; amount?: number | undefined }): void {
  ep.requireOpen();
  if (ep.carried.plan) throw new Error('a payment plan is running; instalments replace a promise');
  const date = Date.parse(`${p.date}T00:00:00Z`);
  if (Number.isNaN(date)) throw new Error('date must be YYYY-MM-DD');
  const days = (date - Date.now()) / DAY_MS;
  if (days < -1) throw new Error('the promised date is in the past');
  if (days > MAX_PROMISE_DAYS) throw new Error(`a promise may reach at most ${MAX_PROMISE_DAYS} days ahead`);
  if (p.amount !== undefined && (p.amount <= 0 || p.amount > ep.state.openAmount)) {
    throw new Error('the promised amount must be above 0 and at most the open amount');
  }
}

export function promiseToPay(ep: Episode, p: PromiseToPay): CaseAnswer {
  // The promised day ends at midnight where the debtor lives; then a day of grace for booking.
  const until = zonedTimeToEpoch(addDays(p.date, 1), '00:00', ep.debtorZone) + PROMISE_GRACE_MS;
  ep.carried.promise = {
    until,
    expectedOpen: Math.max(0, ep.state.openAmount - (p.amount ?? ep.state.openAmount)),
  };
  ep.state.promisedUntil = new Date(until).toISOString();
  ep.pending.push({
    type: 'promise-made',
    summary: `Promise to pay by ${p.date} (${p.source}); outreach paused`,
  });
  ep.factsChanged();
  return ep.answer(`Outreach paused until ${p.date}.`);
}

export function openDispute(ep: Episode, d: DisputeOpened): CaseAnswer {
  ep.carried.disputed = true;
  ep.pending.push({
    type: 'dispute-opened',
    summary: `Dispute opened (${d.source}): ${d.reason}; all outreach paused`,
  });
  if (d.source === 'portal') {
    // The debtor objected themselves: a person reviews it, and the debtor gets a receipt.
    const key = `${ep.caseKey}/dispute-${Date.now()}`;
    ep.disputeTaskKey = key;
    ep.background(() =>
      createAgentTask({
        debtorId: ep.debtorId,
        taskKey: key,
        kind: 'dispute-review',
        label: `Review dispute: ${d.reason}`,
        dueAt: Date.now() + DISPUTE_REVIEW_DAYS * DAY_MS,
      }),
    );
    notify(ep, 'dispute-received', `${key}/receipt`, 'Dispute receipt');
  }
  ep.factsChanged();
  return ep.answer('All outreach is paused while the dispute is reviewed.');
}

export function planRejection(ep: Episode, p: PaymentPlanProposal): PlanRejection | undefined {
  const refuse = (code: 'case-closed' | 'disputed' | 'plan-running', message: string) => ({
    code,
    message,
    params: {},
  });
  if (!ep.open()) return refuse('case-closed', 'the case is closed');
  if (ep.carried.disputed) return refuse('disputed', 'the case is disputed; a plan can follow the review');
  if (ep.carried.plan) return refuse('plan-running', 'a payment plan is already running');
  return checkProposal(p, ep.planPolicy(), {
    openAmount: ep.state.openAmount,
    today: toLocal(Date.now(), ep.debtorZone).date,
    cover: 'at-least',
  });
}

/** The payment-plan update's validator: a rejection carries its code and parameters to the caller. */
export function validatePlan(ep: Episode, p: PaymentPlanProposal): void {
  const rejection = planRejection(ep, p);
  if (rejection) {
    throw ApplicationFailure.create({
      type: PLAN_REJECTED,
      message: rejection.message,
      details: [rejection],
      nonRetryable: true,
    });
  }
}

export function proposePaymentPlan(ep: Episode, p: PaymentPlanProposal): CaseAnswer {
  const policy = ep.planPolicy();
  if (!policy) throw new Error('payment plans are arranged personally for this case');
  ep.carried.plan = acceptPlan(p, policy, Date.now(), ep.paidTotal);
  // Instalments replace a promise: the plan says when each part is due.
  ep.carried.promise = undefined;
  ep.state.promisedUntil = null;
  const last = p.instalments.at(-1)?.dueDate;
  ep.pending.push({
    type: 'plan-accepted',
    summary: `Payment plan accepted (${p.source}): ${p.instalments.length} instalments from ${p.instalments[0]?.dueDate} to ${last}${p.note ? ` (${p.note})` : ''}; outreach paused`,
  });
  ep.factsChanged();
  return ep.answer(`Payment plan accepted: ${p.instalments.length} instalments until ${last}.`);
}

/** The plan an agent agreed on the phone: monthly instalments of everything open. */
export const agentPlan = (
  ep: Episode,
  outcome: Extract<AgentOutcome, { kind: 'payment-plan' }>,
  note: string | undefined,
): PaymentPlanProposal => ({
  instalments: monthlySchedule(ep.state.openAmount, outcome.instalments, outcome.firstDate),
  source: 'agent',
  note: note?.slice(0, 500),
});
