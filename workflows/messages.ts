import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AgentOutcomeReport } from '../domain/agent-tasks.js';
import type { CaseState, ReportedCaseState } from '../domain/case.js';
import type { HandoffReport } from '../domain/handoff.js';
import type { PaymentPlanProposal } from '../domain/payment-plan.js';

/**
 * Signals: billing facts changed in the database; the case re-reads them and re-assesses. They carry
 * nothing: the facts are in the database, and a payload the workflow ignored would only fill its
 * history (older histories carry one; the handlers never read it).
 */
export const invoiceRecordedSignal = defineSignal<[]>('invoiceRecorded');
export const paymentRecordedSignal = defineSignal<[]>('paymentRecorded');
export const contactDataChangedSignal = defineSignal<[]>('contactDataChanged');
/** Billing reduced or withdrew a claim: nothing to start, the running case re-reads what is open. */
export const claimChangedSignal = defineSignal<[]>('claimChanged');

export interface PromiseToPay {
  /** YYYY-MM-DD in the debtor's time zone. */
  date: string;
  /** Minor units; defaults to everything open. */
  amount?: number | undefined;
  source: 'api' | 'portal' | 'agent';
}
export interface DisputeOpened {
  reason: string;
  note?: string | undefined;
  source: 'api' | 'portal' | 'agent';
}
export interface CaseAnswer {
  status: CaseState['status'];
  message: string;
}

/** Updates: the caller needs an answer (a promise outside policy is rejected by the validator). */
export const promiseToPayUpdate = defineUpdate<CaseAnswer, [PromiseToPay]>('promiseToPay');
export const openDisputeUpdate = defineUpdate<CaseAnswer, [DisputeOpened]>('openDispute');
export const resolveDisputeUpdate = defineUpdate<
  CaseAnswer,
  [{ outcome: 'resume' | 'cancel'; note?: string }]
>('resolveDispute');
export const pauseUpdate = defineUpdate<CaseAnswer, [{ reason: string }]>('pause');
export const resumeUpdate = defineUpdate<CaseAnswer, []>('resume');
export const cancelUpdate = defineUpdate<CaseAnswer, [{ reason: string }]>('cancel');
/** An agent's outcome for the task the case waits for; rejected for any other task. */
export const recordAgentOutcomeUpdate = defineUpdate<CaseAnswer, [AgentOutcomeReport]>('recordAgentOutcome');
/**
 * A payment plan from the portal, an agent or billing. The validator rejects a proposal outside the
 * segment's plan policy with an ApplicationFailure of type PLAN_REJECTED whose detail is the
 * PlanRejection (code, message, params); an accepted plan pauses outreach and is followed.
 */
export type { PaymentPlanProposal };
export const proposePaymentPlanUpdate = defineUpdate<CaseAnswer, [PaymentPlanProposal]>('proposePaymentPlan');

/**
 * The collection agency's report on a handed-over case, or the creditor's recall. Rejected with an
 * ApplicationFailure of type HANDOFF_CONFLICT when the hand-over's state does not allow it.
 */
export const handoffReportUpdate = defineUpdate<CaseAnswer, [HandoffReport]>('handoffReport');
export const HANDOFF_CONFLICT = 'HANDOFF_CONFLICT';

/** Answered by whichever worker runs the case: one not yet updated names the open amount `amountDue`. */
export const caseStateQuery = defineQuery<ReportedCaseState>('caseState');
