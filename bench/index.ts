/**
 * `npm run bench [-- --quick] [--json] [--first-start] [--postgres]`: the engine's figures in one run (issue 13).
 * Starts the product as `npm start` runs it (one process, embedded Temporal dev server and PGlite,
 * fresh data directory) and measures, on that same Temporal server:
 *   raw `workflow.start` rate → ingest rate through the API → history events per case → payment
 *   latency while a bulk load is processed → RSS and CPU of the product process with the open cases
 *   idle → channel throughput → `mahnwerk assess` on a generated portfolio → (optional) first start.
 * Progress goes to stderr; stdout carries the table, or only the JSON with --json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { startWorkerProcess, type WorkerProcess } from '../test/setup/worker-process.js';
import { unusedPort } from '../test/setup/ports.js';
import { createPostgresDatabase, zoneAtHour, zoneInContactWindowNow } from '../test/setup/harness.js';
import { timeAssess, writeDebtorFile } from './assess-file.js';
import { casesIdle, openingEvents, stepEvents } from './case-costs.js';
import { measureChannelThroughput } from './channel-throughput.js';
import { measureFirstStart } from './first-start.js';
import {
  benchCases,
  ingestBulkImport,
  ingestRate,
  ingestSingleCalls,
  rawStartRate,
  type Api,
  type Ingest,
} from './ingest.js';
import { paymentLatencies, paymentStagesP50 } from './payments.js';
import { percentile } from './pool.js';
import { benchResultSchema, resultTable, type BenchResult } from './result.js';

const options = z
  .object({
    quick: z.boolean().default(false),
    json: z.boolean().default(false),
    'first-start': z.boolean().default(false),
    'idle-cases': z.coerce.number().int().positive().optional(),
    postgres: z.boolean().default(false),
  })
  .parse(
    parseArgs({
      options: {
        quick: { type: 'boolean' },
        json: { type: 'boolean' },
        'first-start': { type: 'boolean' },
        'idle-cases': { type: 'string' },
        postgres: { type: 'boolean' },
      },
    }).values,
  );

const counts = options.quick
  ? { rawStarts: 100, ingestCases: 100, loadCases: 150, payments: 20, assessDebtors: 50_000, idle: 300 }
  : {
      rawStarts: 1000,
      ingestCases: 1000,
      loadCases: 1000,
      payments: 100,
      assessDebtors: 1_000_000,
      idle: 10_000,
    };
const idleTarget = options['idle-cases'] ?? counts.idle;
/** The product's case queue (TEMPORAL_TASK_QUEUE's default, which the bench leaves unset). */
const CASE_TASK_QUEUE = 'mahnwerk-cases';
const STEP_SAMPLE = 10;
const OPENING_SAMPLE = 20;
/** How the cases are handed over one at a time; the bulk import is measured beside it. */
const ingest: Ingest = ingestSingleCalls;
const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** How long the idle product runs before its figures are taken (plus the 30 s CPU sample). */
const IDLE_SETTLE_MS = 50_000;

const CPU_WINDOWS = 6;
const CPU_WINDOW_SECONDS = 5;

/** CPU used per thread over one window, in % of one core, busiest first (for the log). */
function threadSplit(before: Map<string, number>, after: Map<string, number>, seconds: number): string {
  const split = [...after]
    .map(([name, used]) => ({ name, percent: ((used - (before.get(name) ?? 0)) / seconds) * 100 }))
    .filter((thread) => thread.percent > 0.01)
    .sort((a, b) => b.percent - a.percent)
    .map((thread) => `${thread.name} ${thread.percent.toFixed(2)} %`)
    .join(', ');
  return split || 'no thread used any';
}

/**
 * The idle process's CPU in % of one core, sampled in six 5 s windows: `steady` is the median window,
 * `peak` the busiest. Some tens of seconds after a backlog V8's memory reducer shrinks each isolate's
 * heap once (up to three mark-compacts on the main, workflow and database threads, with V8's four
 * helper threads): a window that catches it shows a few %, the others ~0.3 %. The median says what
 * idling costs, the peak shows the one-off; the log splits the peak window per thread.
 */
async function idleCpu(
  product: Pick<WorkerProcess, 'cpuSeconds' | 'cpuSecondsByThread'>,
): Promise<{ steady: number; peak: number; windows: string; peakByThread: string }> {
  const windows: { percent: number; byThread: string }[] = [];
  for (let i = 0; i < CPU_WINDOWS; i++) {
    const [total, before] = [product.cpuSeconds(), product.cpuSecondsByThread()];
    await delay(CPU_WINDOW_SECONDS * 1000);
    const [used, after] = [product.cpuSeconds() - total, product.cpuSecondsByThread()];
    windows.push({
      percent: (used / CPU_WINDOW_SECONDS) * 100,
      byThread: threadSplit(before, after, CPU_WINDOW_SECONDS),
    });
  }
  const busiest = windows.reduce((a, b) => (b.percent > a.percent ? b : a));
  return {
    steady: percentile(
      windows.map((w) => w.percent),
      0.5,
    ),
    peak: busiest.percent,
    windows: windows.map((w) => w.percent.toFixed(2)).join(' / '),
    peakByThread: busiest.byThread,
  };
}

async function main(): Promise<BenchResult> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mahnwerk-bench-'));
  const temporalPort = await unusedPort();
  const api: Api = {
    url: `http://127.0.0.1:${await unusedPort()}`,
    apiKey: 'bench-key-0123456789abcdefghij',
  };
  // The embedded PGlite by default; --postgres: a fresh database on the PostgreSQL server that
  // scripts/test-postgres.sh starts (MAHNWERK_TEST_DATABASE_URL), the production shape.
  const postgres = options.postgres ? await createPostgresDatabase() : undefined;
  progress(`starting the product (npm start's process) in ${dataDir}${postgres ? ' on PostgreSQL' : ''}`);
  const product = await startWorkerProcess(
    {
      ...(postgres ? { DATABASE_URL: postgres.url } : {}),
      MAHNWERK_DATA_DIR: dataDir,
      PORT: new URL(api.url).port,
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(await unusedPort()),
      SMTP_OUTBOX_PORT: String(await unusedPort()),
      SMS_SINK_PORT: String(await unusedPort()),
      LETTER_SINK_PORT: String(await unusedPort()),
      MAHNWERK_DEV_API_KEY: api.apiKey,
      // It measures how fast the product takes cases, not one key's budget of calls.
      API_RATE_LIMIT: '1000000',
      LOG_LEVEL: 'warn',
    },
    'start',
  );
  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  try {
    const client = new Client({ connection });
    // A zone where it is the middle of the night now: a case opened there waits for the window.
    const night = zoneAtHour(Date.now(), [1, 2, 3, 4]);

    progress(`raw workflow.start × ${counts.rawStarts}`);
    const rawStartPerSecond = await rawStartRate(client, counts.rawStarts);

    progress(`ingest × ${counts.ingestCases} through the API`);
    const waiting = benchCases('wait', counts.ingestCases, night);
    const ingestPerSecond = await ingestRate(ingest, api, waiting);
    progress(`ingest × ${counts.ingestCases} through the bulk import`);
    const imported = benchCases('import', counts.ingestCases, night);
    const importPerSecond = await ingestRate(ingestBulkImport, api, imported);
    // Self-service debtors: one message per step (assisted sends e-mail and SMS on the first day).
    const sending = benchCases('send', STEP_SAMPLE, zoneInContactWindowNow(), true);
    await ingest(api, sending);

    progress('history events per case');
    const opening = await openingEvents(
      client,
      waiting.slice(0, OPENING_SAMPLE).map((c) => c.debtorId),
    );
    const step = await stepEvents(
      client,
      sending.map((c) => c.debtorId),
    );

    // Billing's payments arrive while a bulk import is being processed (issue 13, item 3).
    progress(`${counts.payments} payments while a ${counts.loadCases}-case import is processed`);
    const load = ingestBulkImport(api, benchCases('load', counts.loadCases, night));
    const latencies = await paymentLatencies(api, client, waiting.slice(0, counts.payments));
    await load;
    const paid = latencies.map((l) => l.paidMs);

    const open = 2 * counts.ingestCases + STEP_SAMPLE - counts.payments + counts.loadCases;
    const idleCases = Math.max(open, idleTarget);
    if (idleTarget > open) {
      progress(`ingest × ${idleTarget - open} more to reach ${idleTarget} open cases`);
      await ingest(api, benchCases('idle', idleTarget - open, night));
    }
    await casesIdle(client, api, CASE_TASK_QUEUE, progress);
    progress(`${idleCases} open cases idle: measuring the product process for a minute`);
    // V8 and the allocator hand back what working off the backlog left behind only after tens of
    // seconds without work (3,000 cases here: 1.3 GiB when the backlog cleared, 0.84 GiB 40 s later;
    // the garbage collections that do it cost CPU too), so the figures are taken once that has
    // happened: RSS at the end, CPU over the last 20 s.
    await delay(IDLE_SETTLE_MS);
    const cpu = await idleCpu(product);
    progress(
      `idle CPU per ${CPU_WINDOW_SECONDS} s window: ${cpu.windows} %; busiest by thread: ${cpu.peakByThread}`,
    );
    const workerRssMiB = product.rssMiB();

    progress('channel throughput (e-mail, 20/s)');
    const channel = await measureChannelThroughput(`127.0.0.1:${temporalPort}`, {
      channel: 'email',
      rate: 20,
      cases: options.quick ? 20 : 200,
    });

    progress(`mahnwerk assess on ${counts.assessDebtors} debtors`);
    const file = path.join(dataDir, 'debtors.jsonl');
    await writeDebtorFile(file, counts.assessDebtors);
    const assessSeconds = await timeAssess(file);

    let firstStartSeconds: number | undefined;
    if (options['first-start']) {
      progress('first start: fresh clone, npm ci, npm start');
      firstStartSeconds = (await measureFirstStart()).total;
    }

    return benchResultSchema.parse({
      mode: options.quick ? 'quick' : 'full',
      database: postgres ? 'postgres' : 'pglite',
      counts: {
        rawStarts: counts.rawStarts,
        ingestCases: counts.ingestCases,
        loadCases: counts.loadCases,
        payments: counts.payments,
        assessDebtors: counts.assessDebtors,
      },
      ingestPerSecond,
      rawStartPerSecond,
      ingestRatio: ingestPerSecond / rawStartPerSecond,
      importPerSecond,
      importRatio: importPerSecond / rawStartPerSecond,
      openingEvents: opening,
      stepEvents: step,
      paymentP50MsUnderLoad: percentile(paid, 0.5),
      paymentP95MsUnderLoad: percentile(paid, 0.95),
      paymentAcceptedP95MsUnderLoad: percentile(
        latencies.map((l) => l.acceptedMs),
        0.95,
      ),
      paymentStagesP50MsUnderLoad: paymentStagesP50(latencies),
      idleCases,
      workerRssMiB,
      idleCpuPercent: cpu.steady,
      idleCpuPeakPercent: cpu.peak,
      assessDebtors: counts.assessDebtors,
      assessSeconds,
      channel,
      firstStartSeconds,
    });
  } finally {
    await connection.close();
    await product.stop();
    await postgres?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const result = await main();
if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  process.stdout.write(
    `Mahnwerk bench (${result.mode}, ${result.database}): ${JSON.stringify(result.counts)}\n`,
  );
  console.table(resultTable(result));
  process.stdout.write('A payment under load, p50 ms after posting it, by stage:\n');
  console.table([result.paymentStagesP50MsUnderLoad]);
  console.table([result.channel]);
}
