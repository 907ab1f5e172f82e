import type { Kysely } from 'kysely';

/**
 * One vocabulary: a case's balance is its open amount (`amount_due` stays for an invoice's amount).
 * A rename keeps the values; no index or constraint names the column.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').renameColumn('amount_due', 'open_amount').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').renameColumn('open_amount', 'amount_due').execute();
}
