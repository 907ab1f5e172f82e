import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { mapLimit } from '../runtime/map-limit.js';

/** One debtor with one overdue invoice, as billing hands it over. */
export interface BenchCase {
  debtorId: string;
  timezone: string;
  amount: number;
  /** A debtor with high digital affinity: self-service, one message per step. */
  digital?: boolean;
}

export interface Api {
  url: string;
  apiKey: string;
}

export async function call(api: Api, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${api.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/**
 * A way of handing cases to Mahnwerk: the single-call API (a PUT for the debtor, a PUT for the
 * invoice) or the bulk import (`POST /v1/imports`).
 */
export type Ingest = (api: Api, cases: readonly BenchCase[]) => Promise<void>;

export const SINGLE_CALL_CONCURRENCY = 16;

const profileOf = ({ debtorId, timezone, digital }: BenchCase) => ({
  name: 'Bench Debtor',
  locale: 'en',
  timezone,
  email: `${debtorId}@example.com`,
  ...(digital ? { digitalAffinity: 'high' } : {}),
});
const invoiceOf = ({ amount }: BenchCase) => ({
  currency: 'EUR',
  amountDue: amount,
  dueDate: '2026-10-15',
  issuedAt: '2026-09-15T10:00:00Z',
});

export const ingestSingleCalls: Ingest = async (api, cases) => {
  await mapLimit(cases, SINGLE_CALL_CONCURRENCY, async (c) => {
    await call(api, 'PUT', `/v1/debtors/${c.debtorId}`, profileOf(c));
    await call(api, 'PUT', `/v1/debtors/${c.debtorId}/invoices/inv-1`, invoiceOf(c));
  });
};

/** The same cases as one JSON Lines file through `POST /v1/imports`; done when its summary says so. */
export const ingestBulkImport: Ingest = async (api, cases) => {
  const file = cases
    .map((c) =>
      JSON.stringify({
        debtorId: c.debtorId,
        profile: profileOf(c),
        invoice: { invoiceId: 'inv-1', ...invoiceOf(c) },
      }),
    )
    .join('\n');
  const response = await fetch(`${api.url}/v1/imports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.apiKey}`, 'content-type': 'application/x-ndjson' },
    body: file,
  });
  const answer = await response.text();
  const summary = answer.trim().split('\n').at(-1) ?? '';
  const counts = response.status === 200 ? (JSON.parse(summary) as { type?: string; rejected?: number }) : {};
  if (counts.type !== 'summary' || counts.rejected !== 0)
    throw new Error(`POST /v1/imports: ${response.status} ${summary}`);
};

export function benchCases(prefix: string, count: number, timezone: string, digital = false): BenchCase[] {
  return Array.from({ length: count }, (_, i) => ({
    debtorId: `${prefix}-${i}`,
    timezone,
    amount: 5000 + (i % 50) * 100,
    digital,
  }));
}

/** Cases per second an ingest achieves. */
export async function ingestRate(ingest: Ingest, api: Api, cases: readonly BenchCase[]): Promise<number> {
  const started = performance.now();
  await ingest(api, cases);
  return cases.length / ((performance.now() - started) / 1000);
}

/**
 * What the Temporal server itself takes: `workflow.start` of a trivial workflow on a queue no
 * worker polls, at the same concurrency as the API ingest. The runs are terminated afterwards.
 */
export async function rawStartRate(client: Client, count: number): Promise<number> {
  const taskQueue = `bench-raw-${randomUUID()}`;
  const ids = Array.from({ length: count }, (_, i) => `bench-raw-${taskQueue}-${i}`);
  const started = performance.now();
  await mapLimit(ids, SINGLE_CALL_CONCURRENCY, (workflowId) =>
    client.workflow.start('benchTrivialWorkflow', { workflowId, taskQueue, args: [] }),
  );
  const rate = count / ((performance.now() - started) / 1000);
  await mapLimit(ids, SINGLE_CALL_CONCURRENCY, (id) =>
    client.workflow.getHandle(id).terminate('bench: raw start measured'),
  );
  return rate;
}
