import { sql, type Kysely } from 'kysely';

/** Portal events for the funnel: what debtors did on the portal, per case, segment and channel. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('portal_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('debtor_id', 'text', (c) => c.notNull().references('debtors.id').onDelete('cascade'))
    .addColumn('case_opened_at', 'timestamptz')
    .addColumn('segment', 'text')
    .addColumn('channel', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema
    .createIndex('portal_events_debtor')
    .on('portal_events')
    .columns(['debtor_id', 'at'])
    .execute();
  await db.schema.createIndex('portal_events_funnel').on('portal_events').columns(['type', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('portal_events').ifExists().execute();
}
