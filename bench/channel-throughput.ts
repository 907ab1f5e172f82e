/**
 * How fast do sends leave at a given channel rate? Opens N small-balance cases at once (one
 * reminder each, by e-mail or SMS) through the public API of an in-process Mahnwerk on a real
 * Temporal dev server, and reads from the workflow histories when the server handed each send to
 * the worker. Part of `npm run bench` (bench/index.ts).
 */
import type { RunningProduct } from '../test/setup/harness.js';
import { caseWorkflowId } from '../domain/case.js';
import { openCaseThroughApi, startProduct, zoneInContactWindowNow } from '../test/setup/harness.js';
import { eventTime, historyUntil, type HistoryEvent } from '../test/setup/histories.js';
import { percentile } from './pool.js';

export type Channel = 'email' | 'sms';

/** A debtor reachable only on the measured channel. */
const contact = (channel: Channel, i: number) =>
  channel === 'email'
    ? { email: `bench-${i}@example.com` }
    : {
        phone: `+4915500${String(i).padStart(6, '0')}`,
        consents: { email: false, sms: true, call: false },
        preferredChannel: 'sms',
      };

/** When each send was scheduled and when the server handed it to a worker. */
function sendTimes(events: HistoryEvent[]): { scheduled: number; started: number } | undefined {
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendMessage',
  );
  const started = events.find(
    (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
  );
  return scheduled && started ? { scheduled: eventTime(scheduled), started: eventTime(started) } : undefined;
}

/** The most starts within any one second. */
function busiestSecond(starts: number[]): number {
  let most = 0;
  for (let first = 0, last = 0; last < starts.length; last++) {
    while (starts[last]! - starts[first]! >= 1000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

export interface ChannelThroughput {
  channel: Channel;
  rateLimitPerSecond: number;
  sends: number;
  achievedPerSecond: number;
  busiestSecond: number;
  waitP95Seconds: number;
  atTheProvider: number;
}

export async function measureChannelThroughput(
  temporalAddress: string,
  { channel, rate, cases }: { channel: Channel; rate: number; cases: number },
): Promise<ChannelThroughput> {
  const product: RunningProduct = await startProduct(temporalAddress, 'pglite', {
    env: { [channel === 'email' ? 'EMAIL_RATE_PER_SECOND' : 'SMS_RATE_PER_SECOND']: String(rate) },
  });
  try {
    const zone = zoneInContactWindowNow();
    const ids = Array.from({ length: cases }, (_, i) => `bench-${rate}-${i}`);
    await Promise.all(
      ids.map((id, i) =>
        openCaseThroughApi(
          product,
          id,
          { name: 'Bench Debtor', locale: 'en', timezone: zone, ...contact(channel, i) },
          2000,
        ),
      ),
    );
    const times = await Promise.all(
      ids.map(async (id) =>
        sendTimes(await historyUntil(product.client, caseWorkflowId(id), (e) => !!sendTimes(e)))!,
      ),
    );
    const starts = times.map((t) => t.started).sort((a, b) => a - b);
    const waits = times.map((t) => t.started - t.scheduled);
    const spanSeconds = (starts.at(-1)! - starts[0]!) / 1000;
    return {
      channel,
      rateLimitPerSecond: rate,
      sends: cases,
      achievedPerSecond: (cases - 1) / spanSeconds,
      busiestSecond: busiestSecond(starts),
      waitP95Seconds: percentile(waits, 0.95) / 1000,
      atTheProvider:
        (channel === 'email'
          ? product.devOutbox?.messages().length
          : product.devSms?.messages().filter((m) => m.direction === 'outbound-api').length) ?? 0,
    };
  } finally {
    await product.stop();
  }
}
