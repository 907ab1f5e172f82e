import type { Kysely } from 'kysely';

/** The case's latest assessment as data (GET /v1/cases/{id}), and indexes for the case search. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').addColumn('assessment', 'jsonb').execute();
  await db.schema.createIndex('cases_status_debtor').on('cases').columns(['status', 'debtor_id']).execute();
  await db.schema.createIndex('cases_updated_at').on('cases').column('updated_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('cases_updated_at').ifExists().execute();
  await db.schema.dropIndex('cases_status_debtor').ifExists().execute();
  await db.schema.alterTable('cases').dropColumn('assessment').execute();
}
