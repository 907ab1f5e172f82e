import type { Logger } from 'pino';
import {
  recordDebtorAndTellCase,
  recordInvoiceAndTellCase,
  tellCasesOfInvoices,
  tellCaseOfProfile,
  type BillingDeps,
} from '../billing/record.js';
import {
  ConflictError,
  NotFoundError,
  recordInvoices,
  upsertDebtors,
  type InvoiceChange,
  type WriteResult,
} from '../db/billing.js';
import { inTransaction } from '../db/database.js';
import { loadDebtorProfile, loadDebtorProfiles } from '../db/debtors.js';
import { sameProfile } from '../domain/debtor.js';
import { mapLimit, settleLimit } from '../runtime/map-limit.js';
import type { ImportRow, RowOutcome } from '../domain/import-row.js';
import type { CheckedRow, RowProblem } from './rows.js';

/**
 * Applies checked import rows with the outcome of the single PUT calls: the profile (skipped when
 * the stored one means the same), then the invoice, which opens or tells the case. Rows are taken
 * in batches, and a batch in rounds of one row per debtor: a round is written in one transaction
 * with a few statements for all its rows (db/billing.ts, as the PUT calls write one), then its
 * cases are told, up to `concurrency` at a time, through the PUT calls' path (billing/record.ts).
 * A slow Temporal start never holds more than one batch in memory.
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
  /**
   * Cases told at once. Eight keep the Temporal server as fast as 48 did (bench --quick: 63.5 vs
   * 65.7 cases/s) while a payment's signal waits behind fewer of the import's calls.
   */
  concurrency?: number;
  /** A progress event after about this many rows. */
  progressEvery?: number;
}

type Settled = { row: number; outcome: Exclude<RowOutcome, 'rejected'> } | ({ row: number } & RowProblem);

export async function* applyImport(
  deps: BillingDeps & { logger: Logger },
  rows: AsyncIterable<CheckedRow>,
  { batchSize = 200, concurrency = 8, progressEvery = 1000 }: ImportOptions = {},
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

type Applied = { outcome: Exclude<RowOutcome, 'rejected'> } | RowProblem;
type Row = { row: number; value: ImportRow };

async function applyBatch(
  deps: BillingDeps & { logger: Logger },
  batch: readonly CheckedRow[],
  concurrency: number,
): Promise<Settled[]> {
  const settled: Settled[] = [];
  const rounds: Row[][] = [];
  const seen = new Map<string, number>();
  for (const checked of batch) {
    if (!checked.ok) settled.push({ row: checked.row, field: checked.field, message: checked.message });
    else {
      // One row per debtor in a round; a debtor's next row (its next invoice) waits for the next round.
      const round = seen.get(checked.value.debtorId) ?? 0;
      seen.set(checked.value.debtorId, round + 1);
      (rounds[round] ??= []).push({ row: checked.row, value: checked.value });
    }
  }
  for (const round of rounds) {
    const written = await writeRound(deps, round);
    const applied = written
      ? await tellCases(deps, written, concurrency)
      : await mapLimit(round, concurrency, ({ value }) => applyRow(deps, value));
    settled.push(...round.map(({ row }, i) => ({ row, ...applied[i]! })));
  }
  return settled;
}

interface Written {
  value: ImportRow;
  /** Undefined when the stored profile means the same: nothing written, nobody told. */
  profile: WriteResult<{ created: boolean }> | undefined;
  invoice: WriteResult<{ change: InvoiceChange; openAmount: number }> | undefined;
}

/**
 * A round's rows in one transaction, a few statements for all of them; undefined when the
 * transaction failed, and the round is then applied row by row (one bad row never blocks the rest).
 */
async function writeRound(
  deps: BillingDeps & { logger: Logger },
  round: readonly Row[],
): Promise<Written[] | undefined> {
  try {
    return await inTransaction(deps.db, async (trx) => {
      const stored = await loadDebtorProfiles(
        trx,
        round.map((r) => r.value.debtorId),
      );
      const changed = round.filter(({ value }) => {
        const known = stored.get(value.debtorId);
        return !known || !sameProfile(known, value.profile);
      });
      const profiles = new Map(
        (
          await upsertDebtors(
            trx,
            changed.map(({ value }) => value),
          )
        ).map((result, i) => [changed[i]!.row, result]),
      );
      const accepted = round.filter(({ row }) => profiles.get(row)?.ok !== false);
      const invoices = await recordInvoices(
        trx,
        accepted.map(({ value: { debtorId, invoice } }) => {
          const { invoiceId, ...rest } = invoice;
          return { debtorId, invoiceId, invoice: rest };
        }),
      );
      const byRow = new Map(accepted.map(({ row }, i) => [row, invoices[i]]));
      return round.map(({ row, value }) => ({ value, profile: profiles.get(row), invoice: byRow.get(row) }));
    });
  } catch (error) {
    deps.logger.warn({ err: error }, 'import batch could not be written at once; applying it row by row');
    return undefined;
  }
}

/**
 * The committed rows go on to Temporal as after the single PUT calls (billing/record.ts): a changed
 * profile tells its running case, then each invoice opens or tells its case.
 */
async function tellCases(
  deps: BillingDeps & { logger: Logger },
  written: readonly Written[],
  concurrency: number,
): Promise<Applied[]> {
  const profilesTold = await settleLimit(written, concurrency, async ({ value, profile }) => {
    if (profile?.ok) await tellCaseOfProfile(deps.cases, value.debtorId, profile.value);
  });
  const recorded = written.flatMap(({ value: { debtorId, invoice: row }, invoice }, i) =>
    profilesTold[i]?.status === 'fulfilled' && invoice?.ok
      ? [{ debtorId, invoice: row, ...invoice.value }]
      : [],
  );
  // The facts of the opening cases are read at once: if that read fails, each of them fails.
  const invoicesTold = await tellCasesOfInvoices(deps, recorded, 'when-needed', concurrency).catch(
    (reason: unknown) => recorded.map((): PromiseSettledResult<null> => ({ status: 'rejected', reason })),
  );
  const told = new Map(recorded.map((r, i) => [r.debtorId, invoicesTold[i]!]));
  return written.map(({ value: { debtorId }, profile, invoice }, i): Applied => {
    const refused = profile?.ok === false ? profile : invoice?.ok === false ? invoice : undefined;
    const failed = [profilesTold[i], told.get(debtorId)].find((t) => t?.status === 'rejected');
    if (failed?.status === 'rejected') return unavailable(deps, debtorId, failed.reason);
    if (refused) return { field: refused.error.field ?? 'row', message: refused.error.message };
    if (!invoice?.ok) return unavailable(deps, debtorId, new Error('an accepted row without its invoice'));
    const debtor: RowOutcome = profile?.ok ? (profile.value.created ? 'created' : 'updated') : 'unchanged';
    return { outcome: combined(debtor, invoice.value.change) };
  });
}

/** A row on its own, as the single PUT calls apply it. */
async function applyRow(
  deps: BillingDeps & { logger: Logger },
  { debtorId, profile, invoice }: ImportRow,
): Promise<Applied> {
  try {
    const stored = await loadDebtorProfile(deps.db, debtorId);
    let debtor: RowOutcome = 'unchanged';
    if (!stored || !sameProfile(stored, profile)) {
      const { created } = await recordDebtorAndTellCase(deps, debtorId, profile);
      debtor = created ? 'created' : 'updated';
    }
    const { invoiceId, ...body } = invoice;
    const { change } = await recordInvoiceAndTellCase(deps, debtorId, invoiceId, body, 'when-needed');
    return { outcome: combined(debtor, change) };
  } catch (error) {
    if (error instanceof ConflictError || error instanceof NotFoundError)
      return { field: error.field ?? 'row', message: error.message };
    return unavailable(deps, debtorId, error);
  }
}

const combined = (debtor: RowOutcome, invoice: InvoiceChange): Exclude<RowOutcome, 'rejected'> => {
  const changes = [debtor, invoice];
  if (changes.includes('created')) return 'created';
  return changes.includes('updated') ? 'updated' : 'unchanged';
};

function unavailable(deps: { logger: Logger }, debtorId: string, error: unknown): RowProblem {
  deps.logger.error({ err: error, debtorId }, 'import row failed');
  return {
    field: 'row',
    message:
      'could not be completed (database or Temporal unavailable); import the row again, nothing is applied twice',
  };
}
