import type { CaseClient } from '../client/cases.js';
import type { PolicyVersions } from '../config/policy-versions.js';
import {
  recordInvoice,
  upsertDebtor,
  withdrawInvoice,
  type InvoiceChange,
  type WithdrawalChange,
} from '../db/billing.js';
import { recordCaseOpenings, runningCases, type CaseOpening } from '../db/cases.js';
import type { Database } from '../db/database.js';
import { loadCaseSnapshots } from '../db/snapshot.js';
import { caseWorkflowId } from '../domain/case.js';
import type { DebtorProfile, Invoice } from '../domain/debtor.js';
import { assess } from '../domain/segmentation/assess.js';
import type { SegmentId } from '../domain/segmentation/types.js';
import { assigningExperiment } from '../db/experiments.js';
import { assignVariant } from '../domain/experiments/assignment.js';
import type { CaseVariant, Experiment, ExperimentVariant } from '../domain/experiments/experiment.js';
import { settleLimit } from '../runtime/map-limit.js';

export interface BillingDeps {
  db: Database;
  cases: CaseClient;
  /** A case opens by the policies published when its invoice arrives. */
  policyVersions: PolicyVersions;
}

/**
 * The one way a debtor profile enters Mahnwerk (PUT /v1/debtors/{id}, the bulk import): stored,
 * then a running case is told, since new contact data, flags or history can move it to another
 * segment.
 */
export async function recordDebtorAndTellCase(
  { db, cases }: Pick<BillingDeps, 'db' | 'cases'>,
  debtorId: string,
  profile: DebtorProfile,
): Promise<{ created: boolean }> {
  const written = await upsertDebtor(db, debtorId, profile);
  await tellCaseOfProfile(cases, debtorId, written);
  return written;
}

/** After a profile is committed: a running case re-reads it (a new debtor has none to tell). */
export async function tellCaseOfProfile(
  cases: CaseClient,
  debtorId: string,
  { created }: { created: boolean },
): Promise<void> {
  if (!created) await cases.contactDataChanged(debtorId);
}

/**
 * The one way an overdue invoice enters Mahnwerk, from PUT /v1/debtors/{id}/invoices/{invoiceId}
 * and from the bulk import: the row is committed first, then the case opens in the workflow of the
 * debtor's segment (signal-with-start, idempotent by workflow id) or the running case is told.
 * `tellCase: 'always'` tells the case on a repeat too, so a retry after a failed signal reaches it;
 * 'when-needed' skips an unchanged invoice of a case that is already running (a re-import).
 */
export async function recordInvoiceAndTellCase(
  deps: BillingDeps,
  debtorId: string,
  invoiceId: string,
  invoice: Invoice,
  tellCase: 'always' | 'when-needed' = 'always',
): Promise<{ change: InvoiceChange; caseWorkflowId: string | null }> {
  const recorded = await recordInvoice(deps.db, debtorId, invoiceId, invoice);
  const [told] = await tellCasesOfInvoices(
    deps,
    [{ debtorId, invoice: { invoiceId, ...invoice }, ...recorded }],
    tellCase,
  );
  if (told?.status !== 'fulfilled') throw told?.reason;
  return { change: recorded.change, caseWorkflowId: told.value };
}

/** An invoice as committed, with what it did to the debtor's stored ones (db/billing.ts). */
export interface RecordedInvoice {
  debtorId: string;
  invoice: Invoice & { invoiceId: string };
  change: InvoiceChange;
  openAmount: number;
}

/**
 * After invoices are committed (a PUT, an import round with one invoice per debtor): each case
 * opens in the workflow of the debtor's segment (signal-with-start, idempotent by workflow id) or
 * the running case is told; a credit note that leaves nothing open tells the running case, which
 * closes. The facts of all opening cases are read at once; up to `concurrency` messages go to
 * Temporal at a time. Per invoice, in the order given: the case's workflow id (null when no case
 * was told), or why it could not be told.
 */
export async function tellCasesOfInvoices(
  { db, cases, policyVersions }: BillingDeps,
  recorded: readonly RecordedInvoice[],
  tellCase: 'always' | 'when-needed',
  concurrency = 1,
): Promise<PromiseSettledResult<string | null>[]> {
  // 'when-needed': an unchanged invoice of a running case (a re-import) tells nobody.
  const repeated = recorded.filter((r) => tellCase === 'when-needed' && r.change === 'unchanged');
  const running = await runningCases(
    db,
    repeated.map((r) => r.debtorId),
  );
  const opening = recorded.filter(
    (r) => r.openAmount > 0 && !(repeated.includes(r) && running.has(r.debtorId)),
  );
  const now = new Date();
  const snapshots = await loadCaseSnapshots(
    db,
    opening.map((r) => r.debtorId),
    now,
  );
  const { policies } = await policyVersions.current();
  const experiments = new Map<SegmentId, Promise<Experiment | undefined>>();
  const experimentOf = (segment: SegmentId) => {
    if (!experiments.has(segment)) experiments.set(segment, assigningExperiment(db, segment, now));
    return experiments.get(segment)!;
  };
  const openings: CaseOpening[] = [];
  const told = await settleLimit(recorded, concurrency, async ({ debtorId, invoice, change, openAmount }) => {
    // A credit note that leaves nothing open: the running case (if any) hears it and closes.
    if (openAmount <= 0) {
      const tell = change !== 'unchanged' || tellCase === 'always';
      return tell ? await tellRunningCase(cases, debtorId) : null;
    }
    const facts = snapshots.get(debtorId);
    if (!facts) return caseWorkflowId(debtorId); // unchanged, and its case is running
    const { snapshot, oldestDueDate } = facts;
    // The case starts in the workflow of the debtor's segment; the workflow re-assesses from then on.
    const assessment = assess(snapshot, policies.segmentation);
    const variant = variantAtOpening(await experimentOf(assessment.segment), debtorId, assessment.segment);
    const { runId, strategy } = await cases.invoiceRecorded(
      debtorId,
      { invoiceId: invoice.invoiceId, amountDue: invoice.amountDue, currency: invoice.currency },
      {
        assessment,
        strategy: policies.strategies[assessment.segment],
        variant,
        overdueSince: oldestDueDate,
        openAmount: snapshot.openAmount,
        facts,
      },
    );
    openings.push({
      debtorId,
      workflowId: caseWorkflowId(debtorId),
      runId,
      status: strategy.status,
      segment: strategy.segment,
      strategyVersion: strategy.version,
      variant,
      openAmount: snapshot.openAmount,
      currency: invoice.currency,
      daysPastDue: snapshot.daysPastDue,
      assessment: {
        segment: assessment.segment,
        ruleId: assessment.ruleId,
        purpose: strategy.purpose,
        reasons: assessment.reasons,
        missingData: assessment.missingData,
        assessedAt: new Date().toISOString(),
      },
    });
    return caseWorkflowId(debtorId);
  });
  try {
    await recordCaseOpenings(db, openings);
  } catch (error) {
    // The cases run; their rows are written by their first report. The caller hears of it all the same.
    const opened = new Set(openings.map((o) => o.debtorId));
    return told.map((t, i) =>
      opened.has(recorded[i]!.debtorId) ? { status: 'rejected', reason: error } : t,
    );
  }
  return told;
}

/**
 * Billing withdrew a claim (DELETE of an invoice): committed first, then the running case re-reads
 * its facts; a case with nothing left open closes as cancelled. Repeating the call changes nothing,
 * but tells the case again, so a retry after a failed signal still reaches it.
 */
export async function withdrawInvoiceAndTellCase(
  { db, cases }: Pick<BillingDeps, 'db' | 'cases'>,
  debtorId: string,
  invoiceId: string,
): Promise<{ change: WithdrawalChange; openAmount: number; caseWorkflowId: string | null }> {
  const { change, openAmount } = await withdrawInvoice(db, debtorId, invoiceId);
  return { change, openAmount, caseWorkflowId: await tellRunningCase(cases, debtorId) };
}

async function tellRunningCase(cases: CaseClient, debtorId: string): Promise<string | null> {
  const told = await cases.claimChanged(debtorId);
  return told === 'signalled' ? caseWorkflowId(debtorId) : null;
}

/**
 * The variant of the experiment running on the segment, by a hash of experiment and debtor id: a
 * re-opened case lands in the same variant. A case already running keeps what it has (the workflow
 * ignores the start input then).
 */
function variantAtOpening(
  experiment: Experiment | undefined,
  debtorId: string,
  segment: SegmentId,
): CaseVariant | undefined {
  if (!experiment) return undefined;
  const name = assignVariant(experiment.id, debtorId, experiment.variants);
  const chosen = experiment.variants.find((v) => v.name === name) as ExperimentVariant;
  return { experimentId: experiment.id, segment, name, overrides: chosen.overrides };
}
