import { ApplicationFailure, condition } from '@temporalio/workflow';
import { handoffReportConflict, type HandoffReport, type HandoffReturnTarget } from '../../domain/handoff.js';
import { HANDOFF_CONFLICT, type CaseAnswer } from '../messages.js';
import { createAgentTask, handOverCase, recordHandoffReport } from './activities.js';
import { priorityOf } from './agent-tasks.js';
import { DAY_MS } from './commitments.js';
import { publish, refresh } from './facts.js';
import type { Episode, OpenHandoff } from './state.js';
import { decisionAt } from './waiting.js';

/** The agency confirms a hand-over within this many days, or a supervisor follows up. */
export const AGENCY_CONFIRMS_WITHIN_DAYS = 14;
/** A supervisor has this long to follow up with a silent agency. */
const FOLLOW_UP_DAYS = 2;

/**
 * Hands the case to the collection agency (the package is built and delivered by activities), then
 * waits in status `escalated` for the agency's reports. A collection that covers the claim closes the
 * case as paid (the next read of the facts); a return or recall ends the wait with where the case
 * goes next. While waiting the case still decides at least every 7 days, and a supervisor is asked
 * to follow up when the agency has not confirmed within AGENCY_CONFIRMS_WITHIN_DAYS.
 */
export async function handOver(ep: Episode): Promise<HandoffReturnTarget> {
  const key = `${ep.caseKey}/${ep.carried.episode}/hand-over`;
  await handOverCase({ debtorId: ep.debtorId, handoffKey: key, asOf: new Date().toISOString() });
  const handoff: OpenHandoff = { key, status: 'sent', since: Date.now() };
  ep.handoff = handoff;
  for (let followUps = 1; ;) {
    if (handoff.ended) {
      ep.handoff = undefined;
      return handoff.ended;
    }
    const answerBy =
      handoff.status === 'sent' ? handoff.since + AGENCY_CONFIRMS_WITHIN_DAYS * DAY_MS : Infinity;
    const { state } = ep;
    state.currentStep = 'handed-off';
    state.nextStep =
      handoff.status === 'sent'
        ? 'The agency confirms the hand-over'
        : 'The agency reports what it collected';
    state.nextStepAt = Number.isFinite(answerBy) ? new Date(answerBy).toISOString() : null;
    const decideAt = decisionAt(ep, answerBy);
    await publish(ep);
    const woke = await condition(
      () => handoff.ended !== undefined || ep.factsChanges !== ep.factsRead,
      Math.max(decideAt - Date.now(), 1),
      { summary: `With the collection agency (${handoff.status})` },
    );
    await refresh(ep);
    if (!woke && handoff.status === 'sent' && Date.now() >= answerBy) {
      await followUp(ep, handoff, followUps++);
      handoff.since = Date.now();
    }
  }
}

async function followUp(ep: Episode, handoff: OpenHandoff, round: number): Promise<void> {
  ep.pending.push({
    type: 'agent-task-escalated',
    summary: `The agency has not confirmed the hand-over within ${AGENCY_CONFIRMS_WITHIN_DAYS} days: a supervisor follows up`,
  });
  await createAgentTask({
    debtorId: ep.debtorId,
    taskKey: `${handoff.key}/agency-silent-${round}`,
    kind: 'supervisor-review',
    label: 'Agency has not confirmed the hand-over',
    dueAt: Date.now() + FOLLOW_UP_DAYS * DAY_MS,
    priority: priorityOf(ep, 'supervisor-review'),
    question:
      'The collection agency has not confirmed the hand-over: ask the agency, or recall the hand-over.',
  });
}

/** Refuses a report the hand-over's state does not allow (the API answers 409). */
export function validateHandoffReport(ep: Episode, report: HandoffReport): void {
  ep.requireOpen();
  const open = ep.handoff && !ep.handoff.ended ? ep.handoff : undefined;
  const conflict = handoffReportConflict(open?.status, report.status);
  if (conflict) throw ApplicationFailure.nonRetryable(conflict, HANDOFF_CONFLICT);
}

const ANSWERS: Record<HandoffReport['status'], string> = {
  accepted: 'The hand-over is accepted; the case waits for the agency.',
  collected: 'The collection is recorded as a payment.',
  returned: 'The case is back from the agency.',
  recalled: 'The hand-over is recalled; the case goes back into outreach.',
};

/** Stores the report (timeline, webhook, a collection as a payment), then applies it to the hand-over. */
export async function applyHandoffReport(ep: Episode, report: HandoffReport): Promise<CaseAnswer> {
  const handoff = ep.handoff as OpenHandoff;
  await recordHandoffReport({ debtorId: ep.debtorId, handoffKey: handoff.key, report });
  if (report.status === 'accepted' || report.status === 'collected') handoff.status = 'accepted';
  if (report.status === 'returned') handoff.ended = report.then;
  if (report.status === 'recalled') handoff.ended = 'outreach';
  ep.factsChanged();
  return ep.answer(ANSWERS[report.status]);
}
