import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { caseWorkflowId } from '../domain/case.js';
import { startProduct, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';
import { activityStarts, historyUntil } from './setup/histories.js';

const RATE = 4;
const CASES = 20;

let product: RunningProduct;

beforeAll(async () => {
  product = await startProduct(inject('temporalAddress'), 'pglite', {
    env: { EMAIL_RATE_PER_SECOND: String(RATE) },
  });
});
afterAll(() => product?.stop());

describe('channel rate limit', () => {
  it(`the e-mail queue hands out at most EMAIL_RATE_PER_SECOND sends: ${CASES} reminders at ${RATE}/s`, async () => {
    const zone = zoneInContactWindowNow();
    const ids = Array.from({ length: CASES }, (_, i) => `rate-${i}`);
    // Small balances: one e-mail reminder each, all wanted at the same moment.
    await Promise.all(
      ids.map(async (id) => {
        const debtor = { name: 'Rita Rate', locale: 'en', timezone: zone, email: `${id}@example.com` };
        expect((await product.request('PUT', `/v1/debtors/${id}`, debtor)).status).toBe(201);
        const invoice = {
          currency: 'EUR',
          amountDue: 2000,
          dueDate: '2026-10-15',
          issuedAt: '2026-09-15T10:00:00Z',
        };
        expect((await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, invoice)).status).toBe(201);
      }),
    );

    // The server's clock: when it handed each send to the worker (ActivityTaskStarted).
    const starts = (
      await Promise.all(
        ids.map(async (id) =>
          activityStarts(
            await historyUntil(
              product.client,
              caseWorkflowId(id),
              (events) => activityStarts(events, 'sendMessage').length > 0,
            ),
            'sendMessage',
          ),
        ),
      )
    ).flat();
    expect(starts).toHaveLength(CASES);
    expect(product.devOutbox!.messages()).toHaveLength(CASES);

    starts.sort((a, b) => a - b);
    const spanSeconds = (starts.at(-1)! - starts[0]!) / 1000;
    console.info(`${CASES} sends at ${RATE}/s were handed out over ${spanSeconds.toFixed(2)} s`);
    // The server enforces RATE per second with token buckets (one per task queue partition) that
    // start full: after an idle spell up to about a second's worth may leave at once, then RATE per
    // second. So N sends take at least (N − 2·RATE)/RATE seconds, not (N − 1)/RATE; unlimited,
    // these leave within half a second.
    expect(spanSeconds).toBeGreaterThanOrEqual((CASES - 2 * RATE) / RATE);
  });
});
