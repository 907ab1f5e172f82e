import { sql, type Kysely } from 'kysely';

/**
 * The agent inbox: agents with roles and skills, their login sessions, and agent tasks that can be
 * claimed, answered with an outcome, and carry the priority and the question the workflow set.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('agent', 'supervisor', 'admin')`))
    .addColumn('skills', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('agent_sessions')
    // SHA-256 of the cookie's session id: a leaked table opens no session.
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('agent_sessions_agent').on('agent_sessions').column('agent_id').execute();

  await db.schema
    .alterTable('agent_tasks')
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(50))
    .addColumn('question', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('claimed_by', 'text', (c) => c.references('agents.id').onDelete('set null'))
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('outcome', 'jsonb')
    // Who reported it, as the workflow was told (an audit fact, so no foreign key).
    .addColumn('outcome_by', 'text')
    // 'attempt' or 'conversation' when the outcome was a call: counts against the call caps.
    .addColumn('call_result', 'text')
    .execute();
  await db.schema
    .alterTable('agent_tasks')
    .addCheckConstraint('agent_tasks_status', sql`status in ('open', 'claimed', 'done', 'withdrawn')`)
    .execute();
  await db.schema
    .createIndex('agent_tasks_queue')
    .on('agent_tasks')
    .columns(['status', 'priority', 'due_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('agent_tasks_queue').ifExists().execute();
  await db.schema.alterTable('agent_tasks').dropConstraint('agent_tasks_status').execute();
  for (const column of [
    'call_result',
    'outcome_by',
    'outcome',
    'claimed_at',
    'claimed_by',
    'question',
    'priority',
  ]) {
    await db.schema.alterTable('agent_tasks').dropColumn(column).execute();
  }
  await db.schema.dropTable('agent_sessions').ifExists().execute();
  await db.schema.dropTable('agents').ifExists().execute();
}
