import type { Kysely } from 'kysely';

/**
 * What payments settled of the case's claim (principal, default interest, fees; a surplus stays a
 * credit), as of the case's last report: the KPIs' "amount recovered". Null for rows from before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').addColumn('claim_paid', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').dropColumn('claim_paid').execute();
}
