import type { Logger } from 'pino';
import { recordDebtorAndTellCase, recordInvoiceAndTellCase, type BillingDeps } from '../billing/record.js';
import { ConflictError, NotFoundError } from '../db/billing.js';
import { loadDebtorProfiles } from '../db/debtors.js';
import { sameProfile, type DebtorProfile } from '../domain/debtor.js';
import type { ImportRow, RowOutcome } from '../domain/import-row.js';
import type { CheckedRow, RowProblem } from './rows.js';

/**
 * Applies checked import rows through the same path as the single PUT calls: the profile (skipped
 * when the stored one means the same), then the invoice, which opens or tells the case. Rows are
 * taken in batches: one read of the batch's stored profiles, then up to `concurrency` debtors at a
 * time (one debtor's rows in file order), so a slow Temporal start never holds more than one
 * batch in memory.
 */

export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export type ImportEvent =
  | ({ type: 'rejected'; row: number } & RowProblem)
  | ({ type: 'progress' } & ImportCounts)
  | ({ type: 'summary' } & ImportCounts);

export interface ImportOptions {
  batchSize?: number;
  concurrency?: number;
  /** A progress event after about this many rows. */
  progressEvery?: number;
}

type Settled = { row: number; outcome: Exclude<RowOutcome, 'rejected'> } | ({ row: number } & RowProblem);

export async function* applyImport(
  deps: BillingDeps & { logger: Logger },
  rows: AsyncIterable<CheckedRow>,
  { batchSize = 200, concurrency = 16, progressEvery = 1000 }: ImportOptions = {},
): AsyncGenerator<ImportEvent> {
  const counts: ImportCounts = { rows: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };
  let reported = 0;
  let batch: CheckedRow[] = [];

  async function* flush(): AsyncGenerator<ImportEvent> {
    const settled = await applyBatch(deps, batch, concurrency);
    batch = [];
    for (const result of settled.sort((a, b) => a.row - b.row)) {
      counts.rows++;
      if ('outcome' in result) counts[result.outcome]++;
      else {
        counts.rejected++;
        yield { type: 'rejected', row: result.row, field: result.field, message: result.message };
      }
    }
    if (counts.rows - reported >= progressEvery) {
      reported = counts.rows;
      yield { type: 'progress', ...counts };
    }
  }

  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= batchSize) yield* flush();
  }
  if (batch.length > 0) yield* flush();
  yield { type: 'summary', ...counts };
}

async function applyBatch(
  deps: BillingDeps & { logger: Logger },
  batch: readonly CheckedRow[],
  concurrency: number,
): Promise<Settled[]> {
  const settled: Settled[] = [];
  const byDebtor = new Map<string, { row: number; value: ImportRow }[]>();
  for (const checked of batch) {
    if (!checked.ok) settled.push({ row: checked.row, field: checked.field, message: checked.message });
    else {
      const rows = byDebtor.get(checked.value.debtorId) ?? [];
      rows.push({ row: checked.row, value: checked.value });
      byDebtor.set(checked.value.debtorId, rows);
    }
  }
  const stored = await loadDebtorProfiles(deps.db, [...byDebtor.keys()]);
  const queue = [...byDebtor.values()];
  const worker = async () => {
    for (let rows = queue.shift(); rows; rows = queue.shift()) {
      let known = stored.get(rows[0]?.value.debtorId ?? '');
      for (const { row, value } of rows) {
        settled.push({ row, ...(await applyRow(deps, value, known)) });
        known = value.profile;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  return settled;
}

async function applyRow(
  deps: BillingDeps & { logger: Logger },
  { debtorId, profile, invoice }: ImportRow,
  stored: DebtorProfile | undefined,
): Promise<{ outcome: Exclude<RowOutcome, 'rejected'> } | RowProblem> {
  try {
    let debtor: RowOutcome = 'unchanged';
    if (!stored || !sameProfile(stored, profile)) {
      const { created } = await recordDebtorAndTellCase(deps, debtorId, profile);
      debtor = created ? 'created' : 'updated';
    }
    const { invoiceId, ...body } = invoice;
    const { change } = await recordInvoiceAndTellCase(deps, debtorId, invoiceId, body, 'when-needed');
    const changes = [debtor, change];
    if (changes.includes('created')) return { outcome: 'created' };
    return { outcome: changes.includes('updated') ? 'updated' : 'unchanged' };
  } catch (error) {
    if (error instanceof ConflictError || error instanceof NotFoundError)
      return { field: error.field ?? 'row', message: error.message };
    deps.logger.error({ err: error, debtorId }, 'import row failed');
    return {
      field: 'row',
      message:
        'could not be completed (database or Temporal unavailable); import the row again, nothing is applied twice',
    };
  }
}
