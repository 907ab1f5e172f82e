import type { Kysely } from 'kysely';

/**
 * GDPR: the text of each message sent (for an access request; removed by an erasure), and when a
 * debtor was erased (the pseudonymised row stays for accounting).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('content', 'text').execute();
  await db.schema.alterTable('debtors').addColumn('erased_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('content').execute();
  await db.schema.alterTable('debtors').dropColumn('erased_at').execute();
}
