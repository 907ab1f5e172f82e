import { sql, type Kysely } from 'kysely';

/**
 * Policies as versioned data: every publish (and every promoted experiment variant) is a new version
 * with who, when and what changed; the policy file is version 0. One draft is edited at a time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('policy_versions')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('document', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('changes', 'jsonb', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('policy_drafts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('document', 'jsonb', (c) => c.notNull())
    .addColumn('based_on', 'integer', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('policy_drafts').ifExists().execute();
  await db.schema.dropTable('policy_versions').ifExists().execute();
}
