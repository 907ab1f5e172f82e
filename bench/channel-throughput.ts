/**
 * How fast do sends leave at a given channel rate? Opens N small-balance cases at once (one
 * reminder each, by e-mail or SMS) through the public API of an in-process Mahnwerk on a real
 * Temporal dev server, and reads from the workflow histories when the server handed each send to
 * the worker.
 *
 *   npm run bench -- --cases 200 --rates 5,20,100 [--channel email|sms]
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../config/logger.js';
import { caseWorkflowId } from '../domain/case.js';
import { installTemporalLogging } from '../runtime/temporal-logging.js';
import { startTemporalDevServer } from '../test/setup/global-temporal.js';
import { openCaseThroughApi, startProduct, zoneInContactWindowNow } from '../test/setup/harness.js';
import { eventTime, historyUntil, type HistoryEvent } from '../test/setup/histories.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '100' },
    rates: { type: 'string', default: '5,20,100' },
    channel: { type: 'string', default: 'email' },
  },
});
const channel = values.channel;
const cases = Number(values.cases);
const rates = values.rates.split(',').map(Number);
if (
  !Number.isInteger(cases) ||
  cases < 2 ||
  rates.some((r) => !(r > 0)) ||
  !['email', 'sms'].includes(channel)
) {
  throw new Error(
    '--cases must be an integer ≥ 2, --rates positive numbers and --channel email or sms, e.g. --cases 200 --rates 5,20',
  );
}

/** A debtor reachable only on the measured channel. */
const contact = (i: number) =>
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

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function measure(temporalAddress: string, rate: number) {
  const product = await startProduct(temporalAddress, 'pglite', {
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
          { name: 'Bench Debtor', locale: 'en', timezone: zone, ...contact(i) },
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
    const waits = times.map((t) => t.started - t.scheduled).sort((a, b) => a - b);
    const spanSeconds = (starts.at(-1)! - starts[0]!) / 1000;
    return {
      channel,
      'rate limit /s': rate,
      sends: cases,
      'first→last start s': spanSeconds.toFixed(2),
      'achieved /s': ((cases - 1) / spanSeconds).toFixed(1),
      'busiest second': busiestSecond(starts),
      'wait p50 s': (percentile(waits, 0.5) / 1000).toFixed(2),
      'wait p95 s': (percentile(waits, 0.95) / 1000).toFixed(2),
      'at the provider':
        channel === 'email'
          ? product.devOutbox?.messages().length
          : product.devSms?.messages().filter((m) => m.direction === 'outbound-api').length,
    };
  } finally {
    await product.stop();
  }
}

// Before anything starts the SDK's runtime: its logs go through pino, warnings only.
installTemporalLogging(createLogger('warn'));
const temporal = await startTemporalDevServer();
try {
  const rows = [];
  for (const rate of rates) rows.push(await measure(temporal.address, rate));
  console.table(rows);
} finally {
  await temporal.teardown();
}
