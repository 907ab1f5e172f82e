import type { Kysely } from 'kysely';

/**
 * KPI facts a case row did not keep: the days past due when the case opened (roll rates need where a
 * case started) and the experiment variant it was assigned (none outside an experiment).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').addColumn('days_past_due_at_open', 'integer').execute();
  await db.schema.alterTable('cases').addColumn('strategy_variant', 'text').execute();
  await db.schema.createIndex('cases_opened_at').on('cases').column('opened_at').execute();
  await db.schema
    .createIndex('payments_debtor_paid_at')
    .on('payments')
    .columns(['debtor_id', 'paid_at'])
    .execute();
  await db.schema
    .createIndex('outbox_debtor_sent_at')
    .on('outbox')
    .columns(['debtor_id', 'sent_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of ['outbox_debtor_sent_at', 'payments_debtor_paid_at', 'cases_opened_at']) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
  await db.schema.alterTable('cases').dropColumn('strategy_variant').execute();
  await db.schema.alterTable('cases').dropColumn('days_past_due_at_open').execute();
}
