import { setTimeout as delay } from 'node:timers/promises';
import { call, type Api, type BenchCase } from './ingest.js';
import { mapLimit } from '../runtime/map-limit.js';

const POLL_MS = 10;
/** A payment not shown within this long is a failure to report, not a figure to wait for. */
const GIVE_UP_MS = 300_000;

/** Per payment: ms until the API took it, and until `GET /v1/cases/:id` showed `paid`. */
export interface PaymentTiming {
  acceptedMs: number;
  paidMs: number;
}

/**
 * Milliseconds from posting a full payment until `GET /v1/cases/:id` shows `paid`, per case,
 * `concurrency` payments at a time (what billing does while a bulk import runs).
 */
export async function paymentLatencies(
  api: Api,
  cases: readonly BenchCase[],
  concurrency = 5,
): Promise<PaymentTiming[]> {
  return mapLimit(cases, concurrency, async ({ debtorId, amount }) => {
    const started = performance.now();
    await call(api, 'POST', `/v1/debtors/${debtorId}/payments`, {
      paymentId: `bench-pay-${debtorId}`,
      amount,
      currency: 'EUR',
      paidAt: new Date().toISOString(),
    });
    const acceptedMs = performance.now() - started;
    for (;;) {
      const answer = (await call(api, 'GET', `/v1/cases/${debtorId}`)) as { status: string };
      if (answer.status === 'paid') return { acceptedMs, paidMs: performance.now() - started };
      if (performance.now() - started > GIVE_UP_MS)
        throw new Error(
          `${debtorId}: still "${answer.status}" ${GIVE_UP_MS / 1000} s after its full payment`,
        );
      // A bench measures on the real clock; 10 ms is the resolution of the figure.
      await delay(POLL_MS);
    }
  });
}
