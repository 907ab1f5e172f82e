import type { Database } from './database.js';
import type { CaseStatus } from './schema.js';

export interface CaseOpening {
  debtorId: string;
  workflowId: string;
  runId: string;
  status: CaseStatus;
  segment: string;
  strategyVersion: string;
  amountDue: number;
  currency: string;
  daysPastDue: number;
}

/**
 * The case row as soon as billing opened the case, so GET /v1/cases answers at once; the workflow's
 * own reports take over from its first step. A running case's row is left as the workflow wrote it.
 */
export async function recordCaseOpening(db: Database, c: CaseOpening): Promise<void> {
  const row = {
    workflow_id: c.workflowId,
    run_id: c.runId,
    status: c.status,
    segment: c.segment,
    strategy_version: c.strategyVersion,
    current_step: 'opened',
    next_step: null,
    next_step_at: null,
    amount_due: c.amountDue,
    currency: c.currency,
    days_past_due: c.daysPastDue,
    opened_at: new Date(),
    closed_at: null,
    updated_at: new Date(),
  };
  await db
    .insertInto('cases')
    .values({ debtor_id: c.debtorId, ...row })
    .onConflict((oc) => oc.column('debtor_id').doUpdateSet(row).where('cases.closed_at', 'is not', null))
    .execute();
}

/** The case row the workflow last reported for the debtor, if a case was ever opened. */
export function findCase(db: Database, debtorId: string) {
  return db.selectFrom('cases').selectAll().where('debtor_id', '=', debtorId).executeTakeFirst();
}
