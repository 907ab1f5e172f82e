import { sql, type Kysely } from 'kysely';

/**
 * One data key per debtor, wrapped (AES-256-GCM) by a master key. The debtor's Temporal payloads are
 * encrypted with it; deleting the row on erasure makes what is left in history unreadable.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('payload_data_keys')
    .addColumn('debtor_id', 'text', (c) => c.primaryKey())
    .addColumn('master_key_id', 'text', (c) => c.notNull())
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('payload_data_keys').ifExists().execute();
}
