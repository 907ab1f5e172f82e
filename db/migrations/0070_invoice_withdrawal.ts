import { sql, type Kysely } from 'kysely';

/**
 * A claim billing withdraws (DELETE /v1/debtors/{id}/invoices/{invoiceId}) keeps its row for the
 * record: what was still open is withdrawn, so the invoice's amount due falls to what was paid on it,
 * which may be 0 (the check `amount_due > 0` becomes `>= 0`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('invoices')
    .addColumn('withdrawn_at', 'timestamptz')
    .addColumn('withdrawn_amount', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`alter table invoices drop constraint invoices_amount_due_check`.execute(db);
  await sql`alter table invoices add constraint invoices_amount_due_check check (amount_due >= 0)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table invoices drop constraint invoices_amount_due_check`.execute(db);
  await sql`alter table invoices add constraint invoices_amount_due_check check (amount_due > 0)`.execute(db);
  await db.schema.alterTable('invoices').dropColumn('withdrawn_at').dropColumn('withdrawn_amount').execute();
}
