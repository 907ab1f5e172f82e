import { setHandler } from '@temporalio/workflow';
import {
  cancelUpdate,
  caseStateQuery,
  contactDataChangedSignal,
  invoiceRecordedSignal,
  openDisputeUpdate,
  paymentRecordedSignal,
  pauseUpdate,
  promiseToPayUpdate,
  proposePaymentPlanUpdate,
  resolveDisputeUpdate,
  resumeUpdate,
} from '../messages.js';
import { withdrawAgentTask } from './activities.js';
import { installAgentOutcomeHandler } from './agent-tasks.js';
import {
  openDispute,
  promiseToPay,
  proposePaymentPlan,
  validatePlan,
  validatePromise,
} from './commitments.js';
import { fail } from './errors.js';
import type { Episode } from './state.js';

/**
 * The case's messages. Signals only say "the facts changed" (the loop re-reads them); updates change
 * the episode's state at once and answer, and their validators reject what the case cannot accept.
 */
export function installHandlers(ep: Episode): void {
  const factsChanged = () => ep.factsChanged();
  setHandler(invoiceRecordedSignal, factsChanged);
  setHandler(paymentRecordedSignal, factsChanged);
  setHandler(contactDataChangedSignal, factsChanged);
  setHandler(caseStateQuery, () => ep.state);

  setHandler(promiseToPayUpdate, (p) => promiseToPay(ep, p), { validator: (p) => validatePromise(ep, p) });
  setHandler(openDisputeUpdate, (d) => openDispute(ep, d), { validator: (_input) => ep.requireOpen() });
  setHandler(
    resolveDisputeUpdate,
    (r) => {
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
    },
    { validator: (_r) => void (ep.carried.disputed || fail('there is no open dispute')) },
  );
  setHandler(
    pauseUpdate,
    (p) => {
      ep.carried.operatorPaused = true;
      ep.pending.push({ type: 'paused', summary: `Paused by an operator: ${p.reason}` });
      ep.factsChanged();
      return ep.answer('Paused.');
    },
    { validator: (_input) => ep.requireOpen() },
  );
  setHandler(
    resumeUpdate,
    () => {
      ep.carried.operatorPaused = false;
      ep.pending.push({ type: 'resumed', summary: 'Resumed by an operator' });
      ep.factsChanged();
      return ep.answer('Resumed.');
    },
    { validator: () => void (ep.carried.operatorPaused || fail('the case is not paused')) },
  );
  setHandler(
    cancelUpdate,
    (c) => {
      ep.closing = 'cancelled';
      ep.pending.push({ type: 'cancelled', summary: `Claim withdrawn by billing: ${c.reason}` });
      ep.factsChanged();
      return ep.answer('The case is cancelled; no further contact.');
    },
    { validator: (_input) => ep.requireOpen() },
  );
  setHandler(proposePaymentPlanUpdate, (p) => proposePaymentPlan(ep, p), {
    validator: (p) => validatePlan(ep, p),
  });
  installAgentOutcomeHandler(ep);
}
