import { sql } from 'kysely';
import type { CaseState } from '../domain/case.js';
import { recordCaseEvent, type CaseEventInput } from './case-events.js';
import type { Database } from './database.js';
import type { CaseStatus, StoredAssessment } from './schema.js';

export interface CaseOpening {
  debtorId: string;
  workflowId: string;
  runId: string;
  status: CaseStatus;
  segment: string;
  strategyVersion: string;
  /** The experiment variant assigned at the opening, if the segment runs an experiment. */
  variant: { experimentId: string; name: string } | undefined;
  openAmount: number;
  currency: string;
  daysPastDue: number;
  assessment: StoredAssessment;
}

/**
 * The case rows (each debtor once) as soon as billing opened the cases, so GET /v1/cases answers at
 * once; the workflow's own reports take over from its first step. A running case's row is left as
 * the workflow wrote it. One statement for a bulk import's batch.
 */
export async function recordCaseOpenings(db: Database, openings: readonly CaseOpening[]): Promise<void> {
  if (openings.length === 0) return;
  const now = new Date();
  await db
    .insertInto('cases')
    .values(
      openings.map((c) => ({
        debtor_id: c.debtorId,
        workflow_id: c.workflowId,
        run_id: c.runId,
        status: c.status,
        segment: c.segment,
        strategy_version: c.strategyVersion,
        strategy_variant: c.variant?.name ?? null,
        experiment_id: c.variant?.experimentId ?? null,
        current_step: 'opened',
        next_step: null,
        next_step_at: null,
        open_amount: c.openAmount,
        currency: c.currency,
        days_past_due: c.daysPastDue,
        days_past_due_at_open: c.daysPastDue,
        opened_at: now,
        closed_at: null,
        updated_at: now,
        assessment: JSON.stringify(c.assessment),
      })),
    )
    .onConflict((oc) =>
      oc
        .column('debtor_id')
        .doUpdateSet((eb) => ({
          workflow_id: eb.ref('excluded.workflow_id'),
          run_id: eb.ref('excluded.run_id'),
          status: eb.ref('excluded.status'),
          segment: eb.ref('excluded.segment'),
          strategy_version: eb.ref('excluded.strategy_version'),
          strategy_variant: eb.ref('excluded.strategy_variant'),
          experiment_id: eb.ref('excluded.experiment_id'),
          current_step: eb.ref('excluded.current_step'),
          next_step: eb.ref('excluded.next_step'),
          next_step_at: eb.ref('excluded.next_step_at'),
          open_amount: eb.ref('excluded.open_amount'),
          currency: eb.ref('excluded.currency'),
          days_past_due: eb.ref('excluded.days_past_due'),
          days_past_due_at_open: eb.ref('excluded.days_past_due_at_open'),
          opened_at: eb.ref('excluded.opened_at'),
          closed_at: eb.ref('excluded.closed_at'),
          updated_at: eb.ref('excluded.updated_at'),
          assessment: eb.ref('excluded.assessment'),
        }))
        .where('cases.closed_at', 'is not', null),
    )
    .execute();
}

export interface CaseReport {
  state: CaseState;
  workflowId: string;
  runId: string;
  /** The KPIs' amount recovered: what payments settled of the whole claim, surplus excluded. */
  claimPaid: number | null;
  assessment: StoredAssessment;
}

/**
 * The workflow's report: its case row and the timeline events that go with it, in one transaction
 * (the events in the given order).
 */
export async function storeCaseReport(
  db: Database,
  { state, workflowId, runId, claimPaid, assessment }: CaseReport,
  events: CaseEventInput[],
): Promise<void> {
  const row = {
    workflow_id: workflowId,
    run_id: runId,
    status: state.status,
    segment: state.segment,
    strategy_version: state.strategyVersion,
    strategy_variant: state.variant?.name ?? null,
    experiment_id: state.variant?.experimentId ?? null,
    current_step: state.currentStep,
    next_step: state.nextStep,
    next_step_at: state.nextStepAt ? new Date(state.nextStepAt) : null,
    next_decision_at: state.nextDecisionAt ? new Date(state.nextDecisionAt) : null,
    open_amount: state.openAmount,
    currency: state.currency,
    days_past_due: state.daysPastDue,
    claim_paid: claimPaid,
    opened_at: state.openedAt,
    closed_at: state.closedAt ? new Date(state.closedAt) : null,
    updated_at: new Date(),
    assessment: JSON.stringify(assessment),
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('cases')
      .values({ debtor_id: state.debtorId, ...row })
      .onConflict((oc) =>
        oc.column('debtor_id').doUpdateSet({
          ...row,
          // Billing recorded the opening a moment before the workflow's first task ran: the
          // earlier instant stands, so a payment in between still counts in the case's claim.
          opened_at: sql<Date>`case when cases.closed_at is null then least(cases.opened_at, excluded.opened_at) else excluded.opened_at end`,
        }),
      )
      .execute();
    for (const event of events) await recordCaseEvent(trx, event);
  });
}

/**
 * The assessment to store with a workflow's report: the workflow reports segment, rule and reasons;
 * what the quality gate missed and when the rule first matched carry over from the stored one
 * while the decision is the same.
 */
export async function assessmentForReport(
  db: Database,
  debtorId: string,
  report: Omit<StoredAssessment, 'missingData' | 'assessedAt'>,
): Promise<StoredAssessment> {
  const stored = (
    await db.selectFrom('cases').select('assessment').where('debtor_id', '=', debtorId).executeTakeFirst()
  )?.assessment;
  const same =
    stored?.segment === report.segment &&
    stored.ruleId === report.ruleId &&
    stored.reasons.join('\n') === report.reasons.join('\n');
  return same
    ? { ...report, missingData: stored.missingData, assessedAt: stored.assessedAt }
    : { ...report, missingData: [], assessedAt: new Date().toISOString() };
}

export interface CaseSearch {
  status?: CaseStatus | undefined;
  segment?: string | undefined;
  minAmount?: number | undefined;
  updatedSince?: Date | undefined;
  limit: number;
  /** The last debtor id of the previous page. */
  after?: string | undefined;
}

/** Cases by debtor id, a page at a time (keyset pagination: stable while cases change). */
export async function searchCases(db: Database, q: CaseSearch) {
  let query = db
    .selectFrom('cases')
    .select([
      'debtor_id',
      'workflow_id',
      'status',
      'segment',
      'open_amount',
      'currency',
      'days_past_due',
      'opened_at',
      'closed_at',
      'updated_at',
    ])
    .orderBy('debtor_id')
    .limit(q.limit + 1);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.segment) query = query.where('segment', '=', q.segment);
  if (q.minAmount !== undefined) query = query.where('open_amount', '>=', q.minAmount);
  if (q.updatedSince) query = query.where('updated_at', '>=', q.updatedSince);
  if (q.after !== undefined) query = query.where('debtor_id', '>', q.after);
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  return { rows: page, last: rows.length > q.limit ? page.at(-1)?.debtor_id : undefined };
}

/** The case row the workflow last reported for the debtor, if a case was ever opened. */
export function findCase(db: Database, debtorId: string) {
  return db.selectFrom('cases').selectAll().where('debtor_id', '=', debtorId).executeTakeFirst();
}

/** The status of the debtor's case, open or closed; undefined when no case was ever opened. */
export async function caseStatus(db: Database, debtorId: string): Promise<CaseStatus | undefined> {
  const row = await db
    .selectFrom('cases')
    .select('status')
    .where('debtor_id', '=', debtorId)
    .executeTakeFirst();
  return row?.status;
}

/** Of these debtors, those with a case running. */
export async function runningCases(db: Database, debtorIds: readonly string[]): Promise<Set<string>> {
  if (debtorIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('cases')
    .select('debtor_id')
    .where('debtor_id', 'in', debtorIds)
    .where('closed_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.debtor_id));
}

/** Currencies with cases, most cases first: the default is the portfolio's main currency. */
export async function caseCurrencies(db: Database): Promise<string[]> {
  const rows = await db
    .selectFrom('cases')
    .select(['currency', (eb) => eb.fn.countAll<number>().as('n')])
    .where('currency', 'is not', null)
    .groupBy('currency')
    .orderBy('n', 'desc')
    .execute();
  return rows.flatMap((r) => (r.currency ? [r.currency] : []));
}
