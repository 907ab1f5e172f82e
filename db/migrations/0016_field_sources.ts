import { sql, type Kysely } from 'kysely';

/**
 * Who set a flag, the preferred channel, a consent: billing, an agent, the debtor or the system.
 * A billing PUT replaces only what billing set (null = billing, for rows from before).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('debtors')
    .addColumn('flag_sources', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('preferred_channel_source', 'text')
    .execute();
  await db.schema.alterTable('contact_points').addColumn('consent_source', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contact_points').dropColumn('consent_source').execute();
  await db.schema
    .alterTable('debtors')
    .dropColumn('preferred_channel_source')
    .dropColumn('flag_sources')
    .execute();
}
