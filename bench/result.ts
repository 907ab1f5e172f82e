import { z } from 'zod';

const figure = z.number().nonnegative();

/** What `npm run bench -- --json` prints; `.ci/run` checks a quick run against it. */
export const benchResultSchema = z.object({
  mode: z.enum(['quick', 'full']),
  /** The product's database: the embedded PGlite (`npm start`'s default) or PostgreSQL (`--postgres`). */
  database: z.enum(['pglite', 'postgres']),
  counts: z.object({
    rawStarts: z.int().positive(),
    ingestCases: z.int().positive(),
    loadCases: z.int().positive(),
    payments: z.int().positive(),
    assessDebtors: z.int().positive(),
  }),
  ingestPerSecond: figure,
  rawStartPerSecond: figure,
  ingestRatio: figure,
  /** The same cases through the bulk import (POST /v1/imports), in the same run. */
  importPerSecond: figure,
  importRatio: figure,
  openingEvents: z.int().positive(),
  stepEvents: z.int().positive(),
  paymentP50MsUnderLoad: figure,
  paymentP95MsUnderLoad: figure,
  /** Of that, until the API answered the payment's POST (the rest is the case closing). */
  paymentAcceptedP95MsUnderLoad: figure,
  /**
   * Where a payment's time goes under load, p50 ms after posting: the API answered, the server
   * recorded the signal, a worker started the workflow task that took it (queued in between), the
   * task completed (workflow code and the local activities that read the facts and store the case),
   * the API showed `paid` (often before the task completed: a local activity inside it stores the case).
   */
  paymentStagesP50MsUnderLoad: z.object({
    acceptedMs: figure,
    signalledMs: figure,
    taskStartedMs: figure,
    taskCompletedMs: figure,
    paidMs: figure,
  }),
  idleCases: z.int().nonnegative(),
  workerRssMiB: figure,
  /** Median of six 5 s windows once idle; the peak is the busiest window (V8 shrinking its heaps). */
  idleCpuPercent: figure,
  idleCpuPeakPercent: figure,
  assessDebtors: z.int().positive(),
  assessSeconds: figure,
  channel: z.object({
    channel: z.enum(['email', 'sms']),
    rateLimitPerSecond: figure,
    sends: z.int().positive(),
    achievedPerSecond: figure,
    busiestSecond: z.int().nonnegative(),
    waitP95Seconds: figure,
    atTheProvider: z.int().nonnegative(),
  }),
  firstStartSeconds: figure.optional(),
});
export type BenchResult = z.infer<typeof benchResultSchema>;

/** Goals from issue 13, next to each figure in the table. */
const goals: Partial<Record<keyof BenchResult, string>> = {
  ingestRatio: '≥ 0.8',
  importRatio: '≥ 0.8',
  openingEvents: '≤ 15',
  stepEvents: '≤ 11',
  paymentP95MsUnderLoad: '≤ 500',
  workerRssMiB: '≤ 1024 at 10,000 idle cases',
  idleCpuPercent: 'near 0',
  assessSeconds: '≤ 10 for 1,000,000',
  firstStartSeconds: '≤ 90',
};

export function resultTable(result: BenchResult): { figure: string; value: string; goal: string }[] {
  const rows: { figure: string; value: string; goal: string }[] = [];
  for (const [key, value] of Object.entries(result)) {
    if (typeof value === 'number')
      rows.push({
        figure: key,
        value: Number.isInteger(value) ? String(value) : value.toFixed(2),
        goal: goals[key as keyof BenchResult] ?? '',
      });
  }
  return rows;
}
