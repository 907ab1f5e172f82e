import type { Policies } from '../../activities/index.js';
import type { CaseClient } from '../../client/cases.js';
import { listCaseEvents } from '../../db/case-events.js';
import { findCase } from '../../db/cases.js';
import { listContactPoints } from '../../db/contact-points.js';
import type { Database } from '../../db/database.js';
import { loadDebtorFacts } from '../../db/facts.js';
import { latestHandoff } from '../../db/handoffs.js';
import type { CaseState } from '../../domain/case.js';
import { SEGMENTS, type SegmentId } from '../../domain/segmentation/types.js';

/** Everything an agent needs to talk to the debtor: only shown inside the inbox, never logged. */
export async function loadCaseFile(db: Database, cases: CaseClient, policies: Policies, debtorId: string) {
  const now = new Date();
  const facts = await loadDebtorFacts(db, debtorId, now, policies.creditor);
  const claim = facts.claim;
  const contactPoints = await listContactPoints(db, debtorId);
  const caseRow = await findCase(db, debtorId);
  // The workflow knows why the case is in its segment; a closed case has no running workflow.
  const state: CaseState | undefined =
    caseRow && !caseRow.closed_at ? await cases.state(debtorId).catch(() => undefined) : undefined;
  const segment = (state?.segment ?? caseRow?.segment) as SegmentId | undefined;
  const strategy = segment && SEGMENTS.includes(segment) ? policies.strategies[segment] : undefined;
  const current =
    strategy?.steps.findIndex((s) => s.id === (state?.currentStep ?? caseRow?.current_step)) ?? -1;
  const nextSteps = strategy ? strategy.steps.slice(current + 1) : [];
  const timeline = await listCaseEvents(db, debtorId, 500);
  const handoff = await latestHandoff(db, debtorId);
  return { facts, claim, contactPoints, caseRow, state, strategy, nextSteps, timeline, handoff };
}

export type CaseFile = Awaited<ReturnType<typeof loadCaseFile>>;
