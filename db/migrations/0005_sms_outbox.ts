import type { Kysely } from 'kysely';

/** SMS cost (GSM-7/UCS-2 segments) and when the provider confirmed delivery. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('outbox')
    .addColumn('segments', 'integer')
    .addColumn('delivered_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('outbox_provider_id').on('outbox').column('provider_id').execute();
  await db.schema
    .createIndex('contact_points_address')
    .on('contact_points')
    .columns(['channel', 'address'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('contact_points_address').ifExists().execute();
  await db.schema.dropIndex('outbox_provider_id').ifExists().execute();
  await db.schema.alterTable('outbox').dropColumn('delivered_at').dropColumn('segments').execute();
}
