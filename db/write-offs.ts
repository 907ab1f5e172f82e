import type { Database } from './database.js';

export interface WriteOffApproval {
  taskId: number;
  debtorId: string;
  status: string;
  dueAt: Date;
  claimedByName: string | null;
  segment: string | null;
  openAmount: number;
  currency: string | null;
  daysPastDue: number;
  /** Why the case asks for a write-off: the agency's return, or the request's own summary. */
  reason: string;
}

/** The write-off approvals awaiting a supervisor, oldest deadline first, with what is open and why. */
export async function pendingWriteOffApprovals(db: Database): Promise<WriteOffApproval[]> {
  const tasks = await db
    .selectFrom('agent_tasks as t')
    .leftJoin('agents as a', 'a.id', 't.claimed_by')
    .leftJoin('cases as c', 'c.debtor_id', 't.debtor_id')
    .select([
      't.id',
      't.debtor_id',
      't.status',
      't.due_at',
      'a.name as claimed_by_name',
      'c.segment',
      'c.open_amount',
      'c.currency',
      'c.days_past_due',
    ])
    .where('t.kind', '=', 'write-off-approval')
    .where('t.status', 'in', ['open', 'claimed'])
    .orderBy('t.due_at')
    .orderBy('t.id')
    .execute();
  const result: WriteOffApproval[] = [];
  for (const t of tasks) {
    // The latest request (it names what is open) and, before it, an agency's return if there was one.
    const why = await db
      .selectFrom('case_events')
      .select('summary')
      .where('debtor_id', '=', t.debtor_id)
      .where('type', 'in', ['handoff-returned', 'write-off-requested'])
      .orderBy('id', 'desc')
      .limit(2)
      .execute();
    result.push({
      taskId: t.id,
      debtorId: t.debtor_id,
      status: t.status,
      dueAt: t.due_at,
      claimedByName: t.claimed_by_name,
      segment: t.segment,
      openAmount: t.open_amount ?? 0,
      currency: t.currency,
      daysPastDue: t.days_past_due ?? 0,
      reason:
        why
          .map((e) => e.summary)
          .reverse()
          .join(' · ') || '—',
    });
  }
  return result;
}
