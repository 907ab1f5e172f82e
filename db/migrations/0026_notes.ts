import { sql, type Kysely } from 'kysely';

/**
 * Free-text notes (agent, dispute and plan notes) live here; workflow history carries only a
 * reference `[note:<id>]`, so the words of staff and debtors never reach Temporal.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notes')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('debtor_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('notes_debtor').on('notes').column('debtor_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notes').ifExists().execute();
}
