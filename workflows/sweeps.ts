import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createRetentionActivities } from '../activities/retention.js';
import type { SweepActivities } from '../activities/sweeps.js';

const { openCaseIds, reassessCases, reconcileCases, ensureWebhookDeliveries } =
  proxyActivities<SweepActivities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '1 minute',
    retry: { maximumInterval: '1 minute' },
  });

/** Open cases per page: one activity signals or describes a page, eight at a time. */
const PAGE = 200;

export interface SweepProgress {
  /** Last debtor id done: a continued run goes on from there. */
  after: string;
  cases: number;
}

export interface ReconciliationResult extends SweepProgress {
  mismatches: number;
}

/**
 * Nightly (Temporal Schedule): every open case is told its facts may have changed, so it
 * re-assesses even when no event arrived (days past due grow, a threshold is crossed).
 */
export async function nightlyReassessment(
  progress: SweepProgress = { after: '', cases: 0 },
): Promise<SweepProgress> {
  let { after, cases } = progress;
  for (;;) {
    const debtorIds = await openCaseIds({ after, limit: PAGE });
    if (debtorIds.length === 0) return { after, cases };
    await reassessCases({ debtorIds });
    cases += debtorIds.length;
    after = debtorIds.at(-1)!;
    if (workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof nightlyReassessment>({ after, cases });
  }
}

/**
 * Nightly (Temporal Schedule): reports open cases whose workflow and database disagree (a line in
 * the log and in the case timeline), and restarts missing webhook delivery workflows.
 */
export async function nightlyReconciliation(
  progress: ReconciliationResult = { after: '', cases: 0, mismatches: 0 },
): Promise<ReconciliationResult> {
  let { after, cases, mismatches } = progress;
  if (after === '') await ensureWebhookDeliveries();
  const day = new Date(workflowInfo().startTime).toISOString().slice(0, 10);
  for (;;) {
    const debtorIds = await openCaseIds({ after, limit: PAGE });
    if (debtorIds.length === 0) return { after, cases, mismatches };
    mismatches += (await reconcileCases({ debtorIds, day })).length;
    cases += debtorIds.length;
    after = debtorIds.at(-1)!;
    if (workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof nightlyReconciliation>({ after, cases, mismatches });
  }
}

const { purgeExpiredDebtors } = proxyActivities<ReturnType<typeof createRetentionActivities>>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumInterval: '1 minute' },
});

/**
 * Daily (Temporal Schedule): erases the personal data of debtors whose case closed longer ago than
 * MAHNWERK_RETENTION_DAYS (default 3 years), a page at a time. Answers how many.
 */
export async function retentionPurge(done = 0): Promise<number> {
  let debtors = done;
  for (;;) {
    const purged = await purgeExpiredDebtors({ limit: PAGE });
    debtors += purged;
    if (purged < PAGE) return debtors;
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof retentionPurge>(debtors);
  }
}
