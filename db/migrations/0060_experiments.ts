import { sql, type Kysely } from 'kysely';

/**
 * Champion/challenger experiments (POST /v1/experiments) and the experiment a case was assigned to
 * (its variant name is `cases.strategy_variant`, from 0030).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('experiments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('segment', 'text', (c) => c.notNull())
    .addColumn('variants', 'jsonb', (c) => c.notNull())
    .addColumn('starts_at', 'timestamptz')
    .addColumn('ends_at', 'timestamptz')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('running')
        .check(sql`status in ('running', 'stopped', 'promoted')`),
    )
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('stopped_at', 'timestamptz')
    .addColumn('promoted_variant', 'text')
    .execute();
  await db.schema
    .createIndex('experiments_segment_status')
    .on('experiments')
    .columns(['segment', 'status'])
    .execute();
  await db.schema.alterTable('cases').addColumn('experiment_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').dropColumn('experiment_id').execute();
  await db.schema.dropTable('experiments').ifExists().execute();
}
