import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { CaseState } from '../../domain/case.js';
import type { SegmentId } from '../../domain/segmentation/types.js';
import { defaultStrategies } from '../../domain/strategies/defaults.js';
import {
  cancelUpdate,
  caseStateQuery,
  handoffReportUpdate,
  claimChangedSignal,
  contactDataChangedSignal,
  invoiceRecordedSignal,
  openDisputeUpdate,
  paymentRecordedSignal,
  pauseUpdate,
  promiseToPayUpdate,
  proposePaymentPlanUpdate,
  recordAgentOutcomeUpdate,
  resolveDisputeUpdate,
  resumeUpdate,
  type CaseAnswer,
} from '../messages.js';
import { withdrawAgentTask } from './activities.js';
import { recordAgentOutcome, validateAgentOutcome } from './agent-tasks.js';
import {
  openDispute,
  promiseToPay,
  proposePaymentPlan,
  validatePlan,
  validatePromise,
} from './commitments.js';
import { fail } from './errors.js';
import { applyHandoffReport, validateHandoffReport } from './handoff.js';
import { openingState, type CarriedState, type Episode } from './state.js';

/** The episode once its policies are read; handlers are installed before that. */
export interface EpisodeSlot {
  ep?: Episode;
  /** Signals that arrived before the episode existed (the opening reads after them). */
  earlySignals?: number;
}

/**
 * The case's messages, installed at the first instant of the run so nothing sent while the policies
 * load is refused: a query answers the opening state, signals before that change nothing (the first
 * read of the facts follows), and an update waits for the episode, then is validated and applied.
 * Signals only say "the facts changed" (the loop re-reads them); updates change the episode's state
 * at once and answer, and their validators reject what the case cannot accept.
 */
export function installHandlers(slot: EpisodeSlot, segment: SegmentId, carried: CarriedState): void {
  const factsChanged = (waitedFor = true) => {
    if (slot.ep) slot.ep.factsChanged(waitedFor);
    else slot.earlySignals = (slot.earlySignals ?? 0) + 1;
  };
  // Billing's invoices (an import's rows among them) are bulk work: nobody waits for the answer.
  setHandler(invoiceRecordedSignal, () => factsChanged(false));
  setHandler(paymentRecordedSignal, factsChanged);
  setHandler(contactDataChangedSignal, factsChanged);
  setHandler(claimChangedSignal, factsChanged);
  const opening: CaseState = openingState(segment, defaultStrategies[segment], carried);
  setHandler(caseStateQuery, () => slot.ep?.state ?? opening);

  const update = episodeUpdate(slot);
  setHandler(promiseToPayUpdate, ...update(promiseToPay, validatePromise));
  setHandler(openDisputeUpdate, ...update(openDispute, (ep) => ep.requireOpen()));
  setHandler(
    resolveDisputeUpdate,
    ...update(resolveDispute, (ep) => void (ep.carried.disputed || fail('there is no open dispute'))),
  );
  setHandler(pauseUpdate, ...update(pause, (ep) => ep.requireOpen()));
  setHandler(
    resumeUpdate,
    ...update(resume, (ep) => void (ep.carried.operatorPaused || fail('the case is not paused'))),
  );
  setHandler(cancelUpdate, ...update(cancel, (ep) => ep.requireOpen()));
  setHandler(proposePaymentPlanUpdate, ...update(proposePaymentPlan, validatePlan));
  setHandler(recordAgentOutcomeUpdate, ...update(recordAgentOutcome, validateAgentOutcome));
  setHandler(handoffReportUpdate, ...update(applyHandoffReport, validateHandoffReport));
}

/**
 * An update handler and its validator bound to the episode. Once the episode exists both run as
 * they are; before that the validator lets the update in and the handler waits, then validates.
 */
function episodeUpdate(slot: EpisodeSlot) {
  return <Args extends unknown[], R>(
    run: (ep: Episode, ...input: Args) => R | Promise<R>,
    validate: (ep: Episode, ...input: Args) => void,
  ) =>
    [
      (...input: Args): R | Promise<R> => {
        if (slot.ep) return run(slot.ep, ...input);
        return condition(() => slot.ep !== undefined).then(() => {
          const ep = slot.ep as Episode;
          try {
            validate(ep, ...input);
          } catch (error) {
            // Fails the update, as a validator would have rejected it (any other error fails the task).
            throw ApplicationFailure.nonRetryable(error instanceof Error ? error.message : String(error));
          }
          return run(ep, ...input);
        });
      },
      {
        validator: (...input: Args) => {
          if (slot.ep) validate(slot.ep, ...input);
        },
      },
    ] as const;
}

function resolveDispute(ep: Episode, r: { outcome: 'resume' | 'cancel'; note?: string }): CaseAnswer {
  ep.carried.disputed = false;
  const reviewTask = ep.disputeTaskKey;
  ep.disputeTaskKey = undefined;
  if (reviewTask) {
    ep.background(() =>
      withdrawAgentTask({ debtorId: ep.debtorId, taskKey: reviewTask, reason: 'dispute resolved' }),
    );
  }
  if (r.outcome === 'cancel') ep.closing = 'cancelled';
  ep.pending.push({
    type: 'dispute-resolved',
    summary: `Dispute resolved: ${r.outcome}${r.note ? ` (${r.note})` : ''}`,
  });
  ep.factsChanged();
  return ep.answer(r.outcome === 'cancel' ? 'The claim is withdrawn.' : 'Outreach resumes.');
}

function pause(ep: Episode, p: { reason: string }): CaseAnswer {
  ep.carried.operatorPaused = true;
  ep.pending.push({ type: 'paused', summary: `Paused by an operator: ${p.reason}` });
  ep.factsChanged();
  return ep.answer('Paused.');
}

function resume(ep: Episode): CaseAnswer {
  ep.carried.operatorPaused = false;
  ep.pending.push({ type: 'resumed', summary: 'Resumed by an operator' });
  ep.factsChanged();
  return ep.answer('Resumed.');
}

function cancel(ep: Episode, c: { reason: string }): CaseAnswer {
  ep.closing = 'cancelled';
  ep.pending.push({ type: 'cancelled', summary: `Claim withdrawn by billing: ${c.reason}` });
  ep.factsChanged();
  return ep.answer('The case is cancelled; no further contact.');
}
