import type { Database } from './database.js';

/** Open cases (not closed in the database), by debtor id after `after`: keyset paging for sweeps. */
export async function openCasePage(db: Database, after: string, limit: number) {
  return db
    .selectFrom('cases')
    .select(['debtor_id', 'status'])
    .where('closed_at', 'is', null)
    .where('debtor_id', '>', after)
    .orderBy('debtor_id')
    .limit(limit)
    .execute();
}

export async function openCaseStatus(db: Database, debtorId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('cases')
    .select('status')
    .where('debtor_id', '=', debtorId)
    .where('closed_at', 'is', null)
    .executeTakeFirst();
  return row?.status;
}
