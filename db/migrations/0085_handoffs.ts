import { sql, type Kysely } from 'kysely';

/**
 * Hand-overs to a collection agency: one row per hand-over (a case handed over again after a return
 * gets a new key), with the package as it was delivered and the agency's answers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('handoffs')
    .addColumn('handoff_key', 'text', (c) => c.primaryKey())
    .addColumn('debtor_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('package', 'jsonb', (c) => c.notNull())
    .addColumn('collected_amount', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('handoffs_debtor')
    .on('handoffs')
    .columns(['debtor_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('handoffs').ifExists().execute();
}
