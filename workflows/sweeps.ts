import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
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
