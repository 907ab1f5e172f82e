import { sql, type Kysely } from 'kysely';

/** The role `manager` (the strategy cockpit) joins agent, supervisor and admin. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table agents drop constraint if exists agents_role_check`.execute(db);
  await sql`alter table agents add constraint agents_role_check
    check (role in ('agent', 'manager', 'supervisor', 'admin'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table agents drop constraint if exists agents_role_check`.execute(db);
  await sql`alter table agents add constraint agents_role_check
    check (role in ('agent', 'supervisor', 'admin'))`.execute(db);
}
