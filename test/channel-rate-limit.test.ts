import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { caseWorkflowId } from '../domain/case.js';
import {
  openCaseThroughApi,
  startProduct,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';
import { activityStarts, historyUntil } from './setup/histories.js';

const RATE = 4;
const CASES = 20;

let product: RunningProduct;

beforeAll(async () => {
  product = await startProduct(inject('temporalAddress'), 'pglite', {
    env: { EMAIL_RATE_PER_SECOND: String(RATE), SMS_RATE_PER_SECOND: String(RATE) },
  });
});
afterAll(() => product?.stop());

/** Per channel: a debtor reached only there, and what arrived at the embedded provider. */
const channels = [
  {
    channel: 'email',
    setting: 'EMAIL_RATE_PER_SECOND',
    contact: (i: number) => ({ email: `rate-${i}@example.com` }),
    delivered: () => product.devOutbox!.messages().filter((m) => m.to[0]?.startsWith('rate-')).length,
  },
  {
    channel: 'sms',
    setting: 'SMS_RATE_PER_SECOND',
    contact: (i: number) => ({
      phone: `+4915200${String(i).padStart(6, '0')}`,
      consents: { email: false, sms: true, call: false },
      preferredChannel: 'sms',
    }),
    delivered: () =>
      product.devSms!.messages().filter((m) => m.direction === 'outbound-api' && m.to.startsWith('+4915200'))
        .length,
  },
] as const;

describe.each(channels)('channel rate limit: $channel', ({ channel, setting, contact, delivered }) => {
  it(`the ${channel} queue hands out at most ${setting} sends: ${CASES} reminders at ${RATE}/s`, async () => {
    const zone = zoneInContactWindowNow();
    const ids = Array.from({ length: CASES }, (_, i) => `rate-${channel}-${i}`);
    // Small balances: one reminder each, all wanted at the same moment.
    await Promise.all(
      ids.map((id, i) =>
        openCaseThroughApi(
          product,
          id,
          { name: 'Rita Rate', locale: 'en', timezone: zone, ...contact(i) },
          2000,
        ),
      ),
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
    expect(delivered()).toBe(CASES);

    starts.sort((a, b) => a - b);
    const spanSeconds = (starts.at(-1)! - starts[0]!) / 1000;
    console.info(`${CASES} ${channel} sends at ${RATE}/s were handed out over ${spanSeconds.toFixed(2)} s`);
    // The server enforces RATE per second with token buckets (one per task queue partition) that
    // start full: after an idle spell up to about a second's worth may leave at once, then RATE per
    // second. So N sends take at least (N − 2·RATE)/RATE seconds, not (N − 1)/RATE; unlimited,
    // these leave within half a second.
    expect(spanSeconds).toBeGreaterThanOrEqual((CASES - 2 * RATE) / RATE);
  });
});
