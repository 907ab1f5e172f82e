import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { caseWorkflowId } from '../domain/case.js';
import { historyUntil, type HistoryEvent } from '../test/setup/histories.js';
import { call, type Api, type BenchCase } from './ingest.js';
import { mapLimit } from '../runtime/map-limit.js';
import { percentile } from './pool.js';

const POLL_MS = 10;
/** A payment not shown within this long is a failure to report, not a figure to wait for. */
const GIVE_UP_MS = 300_000;

/**
 * Per payment, ms from posting it until: the API answered; the server recorded the payment's
 * signal in the case's history; a worker started the workflow task that took it (the time in
 * between is the task queued); that task completed (it read the facts and stored the case as paid:
 * workflow code and local activities); `GET /v1/cases/:id` showed `paid`.
 */
export interface PaymentTiming {
  acceptedMs: number;
  signalledMs: number;
  taskStartedMs: number;
  taskCompletedMs: number;
  paidMs: number;
}

/**
 * Posts a full payment per case, `concurrency` at a time (what billing does while a bulk import
 * runs), and times it until `GET /v1/cases/:id` shows `paid`; the stages in between come from the
 * case's history (the server's clock, the same machine's).
 */
export async function paymentLatencies(
  api: Api,
  client: Client,
  cases: readonly BenchCase[],
  concurrency = 5,
): Promise<PaymentTiming[]> {
  return mapLimit(cases, concurrency, async ({ debtorId, amount }) => {
    const posted = Date.now();
    await call(api, 'POST', `/v1/debtors/${debtorId}/payments`, {
      paymentId: `bench-pay-${debtorId}`,
      amount,
      currency: 'EUR',
      paidAt: new Date().toISOString(),
    });
    const acceptedMs = Date.now() - posted;
    for (;;) {
      const answer = (await call(api, 'GET', `/v1/cases/${debtorId}`)) as { status: string };
      if (answer.status === 'paid') break;
      if (Date.now() - posted > GIVE_UP_MS)
        throw new Error(
          `${debtorId}: still "${answer.status}" ${GIVE_UP_MS / 1000} s after its full payment`,
        );
      // A bench measures on the real clock; 10 ms is the resolution of the figure.
      await delay(POLL_MS);
    }
    const paidMs = Date.now() - posted;
    return { acceptedMs, paidMs, ...(await signalStages(client, debtorId, posted)) };
  });
}

const eventMs = (event: HistoryEvent | undefined) =>
  event?.eventTime
    ? Number(event.eventTime.seconds) * 1000 + Math.floor((event.eventTime.nanos ?? 0) / 1e6)
    : NaN;

/** The last signal's stages in the case's history, in ms after `posted`. */
async function signalStages(
  client: Client,
  debtorId: string,
  posted: number,
): Promise<Pick<PaymentTiming, 'signalledMs' | 'taskStartedMs' | 'taskCompletedMs'>> {
  const lastSignal = (events: HistoryEvent[]) =>
    events.map((e) => !!e.workflowExecutionSignaledEventAttributes).lastIndexOf(true);
  const taskCompletedAfterSignal = (events: HistoryEvent[]) =>
    lastSignal(events) >= 0 &&
    events.slice(lastSignal(events)).some((e) => e.workflowTaskCompletedEventAttributes);
  const events = await historyUntil(client, caseWorkflowId(debtorId), taskCompletedAfterSignal);
  const after = events.slice(lastSignal(events));
  const at = (event: HistoryEvent | undefined) => eventMs(event) - posted;
  return {
    signalledMs: at(after[0]),
    taskStartedMs: at(after.find((e) => e.workflowTaskStartedEventAttributes)),
    taskCompletedMs: at(after.find((e) => e.workflowTaskCompletedEventAttributes)),
  };
}

/** Each stage's p50, ms after posting: where a payment's time goes while the import runs. */
export function paymentStagesP50(timings: readonly PaymentTiming[]): Record<keyof PaymentTiming, number> {
  const p50 = (key: keyof PaymentTiming) =>
    percentile(
      timings.map((t) => t[key]),
      0.5,
    );
  return {
    acceptedMs: p50('acceptedMs'),
    signalledMs: p50('signalledMs'),
    taskStartedMs: p50('taskStartedMs'),
    taskCompletedMs: p50('taskCompletedMs'),
    paidMs: p50('paidMs'),
  };
}
