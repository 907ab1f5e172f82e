import type { Database } from './database.js';

/** Failures since `since` for the account (not cleared by a success) and for the address. */
export interface FailureCounts {
  account: { count: number; oldest: Date | undefined };
  ip: { count: number; oldest: Date | undefined };
}

export async function countLoginFailures(
  db: Database,
  attempt: { account: string; ip: string },
  since: Date,
): Promise<FailureCounts> {
  const [account, ip] = await Promise.all([
    db
      .selectFrom('login_failures')
      .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.min('failed_at').as('oldest')])
      .where('account', '=', attempt.account)
      .where('cleared_at', 'is', null)
      .where('failed_at', '>', since)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('login_failures')
      .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.min('failed_at').as('oldest')])
      .where('ip', '=', attempt.ip)
      .where('failed_at', '>', since)
      .executeTakeFirstOrThrow(),
  ]);
  const counted = (row: { count: string | number; oldest: Date | null }) => ({
    count: Number(row.count),
    oldest: row.oldest ? new Date(row.oldest) : undefined,
  });
  return { account: counted(account), ip: counted(ip) };
}

/** Records a failure and drops the ones too old to count any more. */
export async function recordLoginFailure(
  db: Database,
  attempt: { account: string; ip: string },
  at: Date,
  forgetBefore: Date,
): Promise<void> {
  await db
    .insertInto('login_failures')
    .values({ account: attempt.account, ip: attempt.ip, failed_at: at })
    .execute();
  await db.deleteFrom('login_failures').where('failed_at', '<=', forgetBefore).execute();
}

/** A successful login: the account's failures stop counting (the address's still count). */
export async function clearLoginFailures(db: Database, account: string, at: Date): Promise<void> {
  await db
    .updateTable('login_failures')
    .set({ cleared_at: at })
    .where('account', '=', account)
    .where('cleared_at', 'is', null)
    .execute();
}
