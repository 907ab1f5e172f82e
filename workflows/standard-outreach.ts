import {
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import {
  caseInputSchema,
  type CaseFacts,
  type CaseInput,
  type CaseOutcome,
  type CaseState,
} from '../domain/case.js';
import * as sa from '../domain/search-attributes.js';
import { STANDARD_SEGMENT, standardSteps, type OutreachStep } from '../domain/standard-strategy.js';
import { caseStateQuery, invoiceRecordedSignal, paymentRecordedSignal } from './messages.js';

type Activities = ReturnType<typeof createActivities>;

const { loadCaseFacts, reportCase } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const { sendEmailReminder } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
  summary: 'E-mail reminder',
});

/**
 * The foundation's outreach: e-mail reminders on a fixed ladder until nothing is open.
 * Facts live in the database; signals only say "something changed", and the workflow re-reads.
 */
export async function standardOutreach(rawInput: CaseInput): Promise<CaseOutcome> {
  const input = caseInputSchema.parse(rawInput);
  const info = workflowInfo();
  const caseKey = `${info.workflowId}/${info.firstExecutionRunId}`;
  // Signals bump factsChanges; factsRead is its value when the facts were last read. Comparing the
  // two (not a snapshot taken just before waiting) means a signal during an activity is never lost.
  let factsChanges = 0;
  let factsRead = -1;
  setHandler(invoiceRecordedSignal, () => void factsChanges++);
  setHandler(paymentRecordedSignal, () => void factsChanges++);

  const openedAt = Date.now();
  const state: CaseState = {
    debtorId: input.debtorId,
    status: 'active',
    segment: STANDARD_SEGMENT,
    strategyVersion: input.strategyVersion,
    currentStep: 'opened',
    nextStep: null,
    nextStepAt: null,
    amountDue: 0,
    currency: null,
    daysPastDue: 0,
    openedAt: new Date(openedAt).toISOString(),
    closedAt: null,
  };
  setHandler(caseStateQuery, () => state);

  /** Reads the facts; the case is settled when nothing is open and no signal came in meanwhile. */
  async function refresh(): Promise<CaseFacts | 'settled'> {
    for (;;) {
      factsRead = factsChanges;
      const facts = await loadCaseFacts({ debtorId: input.debtorId, asOf: new Date().toISOString() });
      Object.assign(state, {
        amountDue: facts.openAmount,
        currency: facts.currency,
        daysPastDue: facts.daysPastDue,
      });
      if (facts.openAmount > 0) return facts;
      if (factsRead === factsChanges) return 'settled';
    }
  }

  async function publish(event?: { type: string; summary: string }): Promise<void> {
    upsertSearchAttributes([
      { key: sa.DunningStatus, value: state.status },
      { key: sa.DunningSegment, value: state.segment },
      { key: sa.DunningStep, value: state.currentStep ?? 'none' },
      { key: sa.StrategyVersion, value: state.strategyVersion },
      { key: sa.AmountDue, value: state.amountDue },
      { key: sa.DaysPastDue, value: state.daysPastDue },
    ]);
    await reportCase({ state, workflowId: info.workflowId, runId: info.runId, event });
  }

  async function close(status: CaseOutcome['status'], summary: string): Promise<CaseOutcome> {
    state.status = status;
    state.closedAt = new Date().toISOString();
    state.nextStep = null;
    state.nextStepAt = null;
    state.currentStep = 'closed';
    await publish({ type: 'case-closed', summary });
    return { status, closedAt: state.closedAt };
  }

  /** Waits until `at`; returns 'settled' as soon as a signal shows nothing is open any more. */
  async function waitUntil(at: number, next: OutreachStep | null): Promise<'due' | 'settled'> {
    state.nextStep = next?.label ?? null;
    state.nextStepAt = next ? new Date(at).toISOString() : null;
    await publish();
    for (;;) {
      const remaining = at - Date.now();
      if (remaining <= 0) return 'due';
      if (!(await condition(() => factsChanges !== factsRead, remaining))) return 'due';
      if ((await refresh()) === 'settled') return 'settled';
      await publish();
    }
  }

  if ((await refresh()) === 'settled') return close('paid', 'Nothing open when the case started');
  await publish({
    type: 'case-opened',
    summary: `Case opened in segment ${state.segment} (${state.strategyVersion})`,
  });

  for (const step of standardSteps) {
    if ((await waitUntil(openedAt + step.afterOpeningMs, step)) === 'settled') break;
    if ((await refresh()) === 'settled') break;
    state.currentStep = step.id;
    await sendEmailReminder({
      debtorId: input.debtorId,
      idempotencyKey: `${caseKey}/1/${step.id}`,
      template: step.template,
      stepLabel: step.label,
    });
  }

  // The ladder is done: the case stays open, waiting for payment.
  while ((await refresh()) !== 'settled') {
    state.nextStep = null;
    state.nextStepAt = null;
    await publish();
    await condition(() => factsChanges !== factsRead);
  }
  return close('paid', 'Everything is paid');
}
