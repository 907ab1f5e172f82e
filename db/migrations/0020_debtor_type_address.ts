import { sql, type Kysely } from 'kysely';

/** Consumer or business (the rate of § 288 BGB and its flat fee), and a postal address for letters. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('debtors')
    .addColumn('debtor_type', 'text', (c) =>
      c
        .notNull()
        .defaultTo('consumer')
        .check(sql`debtor_type in ('consumer', 'business')`),
    )
    .addColumn('postal_address', 'jsonb')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('debtors').dropColumn('postal_address').dropColumn('debtor_type').execute();
}
