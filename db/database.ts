import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { LanedDialect } from './lanes.js';
import { PGliteThreadDialect } from './pglite-thread.js';
import pg from 'pg';
import * as initial from './migrations/0001_initial.js';
import * as agentTasks from './migrations/0002_agent_tasks.js';
import * as agents from './migrations/0003_agents.js';
import * as portal from './migrations/0004_portal.js';
import * as smsOutbox from './migrations/0005_sms_outbox.js';
import * as caseAssessment from './migrations/0010_case_assessment.js';
import * as webhooks from './migrations/0015_webhooks.js';
import * as debtorTypeAddress from './migrations/0020_debtor_type_address.js';
import * as payloadDataKeys from './migrations/0025_payload_data_keys.js';
import * as notes from './migrations/0026_notes.js';
import * as kpis from './migrations/0030_kpis.js';
import * as managerRole from './migrations/0031_manager_role.js';
import { runNodeScript } from '../runtime/node-script.js';
import * as fieldSources from './migrations/0016_field_sources.js';
import * as caseNextDecision from './migrations/0040_case_next_decision.js';
import * as invoiceWithdrawal from './migrations/0070_invoice_withdrawal.js';
import * as auditLog from './migrations/0065_audit_log.js';
import * as apiKeyScopes from './migrations/0066_api_key_scopes.js';
import * as experiments from './migrations/0060_experiments.js';
import * as policyVersions from './migrations/0061_policy_versions.js';
import * as erasure from './migrations/0067_erasure.js';
import * as caseClaimPaid from './migrations/0075_case_claim_paid.js';
import * as handoffs from './migrations/0085_handoffs.js';
import * as loginFailures from './migrations/0090_login_failures.js';
import * as casesOpenAmount from './migrations/0091_cases_open_amount.js';
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
  '0010_case_assessment': caseAssessment,
  '0015_webhooks': webhooks,
  '0020_debtor_type_address': debtorTypeAddress,
  '0025_payload_data_keys': payloadDataKeys,
  '0026_notes': notes,
  '0030_kpis': kpis,
  '0031_manager_role': managerRole,
  '0016_field_sources': fieldSources,
  '0040_case_next_decision': caseNextDecision,
  '0070_invoice_withdrawal': invoiceWithdrawal,
  '0065_audit_log': auditLog,
  '0066_api_key_scopes': apiKeyScopes,
  '0060_experiments': experiments,
  '0061_policy_versions': policyVersions,
  '0067_erasure': erasure,
  '0075_case_claim_paid': caseClaimPaid,
  '0085_handoffs': handoffs,
  '0090_login_failures': loginFailures,
  '0091_cases_open_amount': casesOpenAmount,
};

const staticMigrations: MigrationProvider = { getMigrations: async () => migrations };

const POOL_SIZE = 10;

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
    const pool = new pg.Pool({ connectionString: target.url, max: POOL_SIZE });
    // An idle connection the server ends (restart, failover, a terminated backend) is an 'error'
    // event; unheard it would crash the process. The pool drops that client and connects anew.
    pool.on('error', () => {});
    // The same on a connection that is checked out (a query running, a transaction open): the query
    // fails and its caller retries (activities, billing's 503); the event must not end the process.
    pool.on('connect', (client) => client.on('error', () => {}));
    return new Kysely<DatabaseSchema>({
      dialect: new LanedDialect(new PostgresDialect({ pool }), POOL_SIZE),
    });
  }
  if (target.pgliteDir) fs.mkdirSync(path.dirname(target.pgliteDir), { recursive: true });
  // PostgreSQL's default 128 MB of shared buffers sit in the process's memory with PGlite; the
  // embedded database is for one machine's worth of cases, which 32 MB caches well.
  return new Kysely<DatabaseSchema>({
    dialect: new PGliteThreadDialect(target.pgliteDir, ['shared_buffers=32MB']),
  });
}

/**
 * Creates the embedded database's files if `dir` holds none yet. PGlite's initdb keeps about
 * 600 MB of WebAssembly memory that a process never gives back, so it runs in a process of its
 * own; the product then opens the ready directory at a fraction of that.
 */
export async function initEmbeddedDatabase(dir: string): Promise<void> {
  if (fs.existsSync(path.join(dir, 'PG_VERSION'))) return;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const script = `
    const [pglite, dir] = process.argv.slice(-2);
    const { PGlite } = await import(pglite);
    await (await PGlite.create({ dataDir: dir })).close();`;
  await runNodeScript(`creating the embedded database in ${dir}`, script, [
    import.meta.resolve('@electric-sql/pglite'),
    dir,
  ]);
}

/** One round trip to the database: the health probe's question whether it answers. */
/** Runs several db/ functions as one unit of work: all of their writes, or none. */
export function inTransaction<T>(db: Database, work: (trx: Database) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}

export async function pingDatabase(db: Database): Promise<void> {
  await sql`select 1`.execute(db);
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
