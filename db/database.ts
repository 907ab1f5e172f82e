import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import * as initial from './migrations/0001_initial.js';
import * as agentTasks from './migrations/0002_agent_tasks.js';
import * as agents from './migrations/0003_agents.js';
import * as portal from './migrations/0004_portal.js';
import * as smsOutbox from './migrations/0005_sms_outbox.js';
import * as webhooks from './migrations/0015_webhooks.js';
import * as fieldSources from './migrations/0016_field_sources.js';
import type { DatabaseSchema } from './schema.js';

export type Database = Kysely<DatabaseSchema>;

const INT8_OID = 20;
const DATE_OID = 1082;

/** Migrations in order; adding one means adding a line here. */
const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_agent_tasks': agentTasks,
  '0003_agents': agents,
  '0004_portal': portal,
  '0005_sms_outbox': smsOutbox,
  '0015_webhooks': webhooks,
  '0016_field_sources': fieldSources,
};

const staticMigrations: MigrationProvider = { getMigrations: async () => migrations };

export interface DatabaseTarget {
  /** postgres:// URL; when undefined, an embedded PGlite stored in `pgliteDir` (or in memory). */
  url: string | undefined;
  pgliteDir?: string;
}

/**
 * Amounts are bigint columns in minor units; they stay far below 2^53, so numbers are safe.
 * Dates (due dates) stay YYYY-MM-DD strings: they are calendar days, not instants.
 */
export function openDatabase(target: DatabaseTarget): Database {
  if (target.url) {
    pg.types.setTypeParser(INT8_OID, (value) => Number(value));
    pg.types.setTypeParser(DATE_OID, (value) => value);
    const pool = new pg.Pool({ connectionString: target.url, max: 10 });
    // An idle connection the server ends (restart, failover, a terminated backend) is an 'error'
    // event; unheard it would crash the process. The pool drops that client and connects anew.
    pool.on('error', () => {});
    return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  }
  if (target.pgliteDir) fs.mkdirSync(path.dirname(target.pgliteDir), { recursive: true });
  const pglite = new PGlite({
    dataDir: target.pgliteDir,
    parsers: { [INT8_OID]: (value: string) => Number(value), [DATE_OID]: (value: string) => value },
  });
  return new Kysely<DatabaseSchema>({ dialect: new PGliteDialect(pglite) });
}

export async function migrateToLatest(db: Database): Promise<string[]> {
  // Features land on parallel branches with their own numbers: a database may have run 0005
  // before 0003 arrives. The migrations are independent of each other, so order is not enforced.
  const migrator = new Migrator({ db, provider: staticMigrations, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `Database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
