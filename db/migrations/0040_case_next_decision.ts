import type { Kysely } from 'kysely';

/** When an open case decides next at the latest (GET /v1/cases/{id} `nextDecisionAt`). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').addColumn('next_decision_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cases').dropColumn('next_decision_at').execute();
}
