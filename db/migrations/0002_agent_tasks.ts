import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agent_tasks')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('task_key', 'text', (c) => c.notNull().unique())
    .addColumn('debtor_id', 'text', (c) => c.notNull().references('debtors.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('required_skills', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('closed_at', 'timestamptz')
    .addColumn('close_reason', 'text')
    .execute();
  await db.schema.createIndex('agent_tasks_open').on('agent_tasks').columns(['status', 'due_at']).execute();

  await db.schema
    .createTable('escalations')
    .addColumn('escalation_key', 'text', (c) => c.primaryKey())
    .addColumn('debtor_id', 'text', (c) => c.notNull().references('debtors.id').onDelete('cascade'))
    .addColumn('handed_over', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('escalations').ifExists().execute();
  await db.schema.dropTable('agent_tasks').ifExists().execute();
}
