import { sql, type Kysely } from 'kysely';

/**
 * What a key may do, and when it was last used. Keys made before scopes existed keep every scope:
 * a billing system that worked yesterday keeps working; rotate it to narrow it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_keys')
    .addColumn('scopes', 'jsonb', (c) =>
      c.notNull().defaultTo(sql`'["billing","read","agent-api","admin"]'::jsonb`),
    )
    .addColumn('last_used_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_keys').dropColumn('scopes').dropColumn('last_used_at').execute();
}
