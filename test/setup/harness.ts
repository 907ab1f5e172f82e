import { randomUUID } from 'node:crypto';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import pg from 'pg';
import { loadConfig } from '../../config/env.js';
import { PayloadKeyRing } from '../../crypto/key-ring.js';
import { masterKeysSchema } from '../../crypto/master-keys.js';
import { EncryptionCodec, encryptedDataConverter } from '../../crypto/payload-codec.js';
import { migrateToLatest, openDatabase, type Database } from '../../db/database.js';
import { toLocal } from '../../domain/contact-policy/index.js';
import { createLogger } from '../../config/logger.js';
import { startMahnwerk, type Mahnwerk, type Role } from '../../runtime/app.js';
import {
  bundleWorkflows,
  createCaseWorkers,
  type Activities,
  type CaseWorkers,
} from '../../worker/worker.js';
import { unusedPort } from './ports.js';

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundling takes seconds: once per test file. */
export const sharedBundle = (): Promise<WorkflowBundle> => (bundle ??= bundleWorkflows());

/**
 * The workers as the product runs them (the case queue and one queue per channel) with the given
 * activities, for tests that drive the workflows themselves. Rates far above what a test sends.
 */
export async function caseWorkersFor(
  connection: NativeConnection,
  taskQueue: string,
  activities: Activities,
  dataConverter: DataConverter,
): Promise<CaseWorkers> {
  return createCaseWorkers({
    connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await sharedBundle(),
    activities,
    dataConverter,
    channelRates: { email: 1000, sms: 1000, letter: 1000 },
  });
}

export type TestDatabase = 'pglite' | 'postgres';

/** PGlite always; PostgreSQL too where `.ci/run` (scripts/test-postgres.sh) provided a server. */
export const testDatabases: TestDatabase[] = process.env.MAHNWERK_TEST_DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];

/** A fresh database on the test PostgreSQL server, dropped again after the test file. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.MAHNWERK_TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('MAHNWERK_TEST_DATABASE_URL is not set: run scripts/test-postgres.sh');
  const name = `mahnwerk_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A migrated database for a `describe.each(testDatabases)` file: PGlite, or a fresh PostgreSQL one. */
export async function migratedDatabase(
  database: TestDatabase,
): Promise<{ db: Database; close(): Promise<void> }> {
  const postgres = database === 'postgres' ? await createPostgresDatabase() : undefined;
  const db = openDatabase({ url: postgres?.url });
  await migrateToLatest(db);
  return {
    db,
    async close() {
      await db.destroy();
      await postgres?.drop();
    },
  };
}

export const TEST_API_KEY = 'test-key-0123456789abcdefghij';

/** The payload master key of every test process (a worker process needs the API's keys). */
export const TEST_PAYLOAD_KEYS = `test1:${Buffer.alloc(32, 7).toString('base64')}`;

/** The product's encrypting data converter over the test master key and this database's data keys. */
export const testDataConverter = (db: Database): DataConverter =>
  encryptedDataConverter(
    new EncryptionCodec(new PayloadKeyRing(masterKeysSchema.parse(TEST_PAYLOAD_KEYS), db)),
  );

export interface RunningProduct extends Mahnwerk {
  apiUrl: string;
  request(
    method: string,
    path: string,
    body?: unknown,
    apiKey?: string,
  ): Promise<{ status: number; body: unknown }>;
}

/**
 * The whole product in-process, as `npm start` runs it, but against the shared test dev server,
 * with its own task queue, an in-memory PGlite, and a loopback SMTP outbox on a free port.
 */
export async function startProduct(
  temporalAddress: string,
  database: TestDatabase = 'pglite',
  options: {
    /** More settings, e.g. a policy file or channel rates. */
    env?: Record<string, string>;
    /** 'api': the worker runs elsewhere, e.g. in a process of its own. */
    role?: Role;
    /** A PostgreSQL database of the test's own (instead of `database`'s). */
    databaseUrl?: string;
  } = {},
): Promise<RunningProduct> {
  const { env = {}, role = 'all' } = options;
  const postgres = database === 'postgres' ? await createPostgresDatabase() : undefined;
  const config = loadConfig({
    MAHNWERK_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    ...env,
    DATABASE_URL: options.databaseUrl ?? postgres?.url,
    TEMPORAL_ADDRESS: temporalAddress,
    // A restart test passes the queue of the instance it restarts.
    TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE ?? `test-${randomUUID()}`,
    // A real port, not 0: links in messages and Twilio's signed webhooks name the public URL.
    PORT: String(await unusedPort()),
    SMTP_OUTBOX_PORT: '0',
    SMS_SINK_PORT: '0',
    LETTER_SINK_PORT: '0',
    MAHNWERK_DEV_API_KEY: TEST_API_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
  });
  const mahnwerk = await startMahnwerk(config, {
    role,
    // On stderr: a program built on the harness (the bench) keeps stdout for its result.
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', 'mahnwerk', 2),
    workflowBundle: role === 'api' ? undefined : await sharedBundle(),
    inMemoryDatabase: true,
  });
  const apiUrl = mahnwerk.apiUrl;
  if (!apiUrl) throw new Error('the API did not start');
  return {
    ...mahnwerk,
    apiUrl,
    async stop() {
      await mahnwerk.stop();
      await postgres?.drop();
    },
    async request(method, path, body, apiKey = TEST_API_KEY) {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
  };
}

/**
 * Opens a case as billing does: the debtor's profile, then one overdue invoice (EUR). Throws with
 * the answer if the API refuses either.
 */
export async function openCaseThroughApi(
  product: RunningProduct,
  debtorId: string,
  debtor: Record<string, unknown>,
  amountDue: number,
): Promise<void> {
  const invoice = { currency: 'EUR', amountDue, dueDate: '2026-10-15', issuedAt: '2026-09-15T10:00:00Z' };
  for (const [path, body] of [
    [`/v1/debtors/${debtorId}`, debtor],
    [`/v1/debtors/${debtorId}/invoices/inv-1`, invoice],
  ] as const) {
    const answer = await product.request('PUT', path, body);
    if (answer.status >= 300) throw new Error(`PUT ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}

/** The audit log's entries of one action, newest first, through GET /v1/audit (the test key is admin). */
export async function auditEntries(
  product: RunningProduct,
  action: string,
): Promise<{ actor: string; action: string; detail: Record<string, unknown> }[]> {
  const answer = await product.request('GET', `/v1/audit?action=${action}`);
  if (answer.status !== 200)
    throw new Error(`GET /v1/audit: ${answer.status} ${JSON.stringify(answer.body)}`);
  return (answer.body as { entries: { actor: string; action: string; detail: Record<string, unknown> }[] })
    .entries;
}

/** The fixed-offset IANA zones, UTC-12 to UTC+14 (POSIX signs: Etc/GMT-1 is UTC+1; UTC itself is Etc/GMT). */
const FIXED_OFFSET_ZONES = Array.from({ length: 27 }, (_, i) => {
  const offset = i - 12;
  if (offset === 0) return 'Etc/GMT';
  return offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
});

/** The UTC offset of one of those zones, in hours (Etc/GMT-2 is +2; Etc/GMT is 0). */
export function utcOffsetHours(zone: string): number {
  const offset = FIXED_OFFSET_ZONES.indexOf(zone) - 12;
  if (offset < -12) throw new Error(`${zone} is not a fixed-offset zone`);
  return offset;
}

/**
 * A fixed-offset zone where it is one of these local hours at `now`: a test about the contact
 * window picks its debtor's zone by the clock its server runs on (a time-skipping server's starts
 * at the wall clock's).
 */
export function zoneAtHour(now: number, hours: readonly number[]): string {
  const zone = FIXED_OFFSET_ZONES.find((candidate) => hours.includes(toLocal(now, candidate).hour));
  if (zone === undefined) throw new Error(`no zone has one of the hours ${hours.join(', ')} now`);
  return zone;
}

/**
 * These tests run on the real clock. The contact policy would rightly hold a reminder back at
 * night or on a Sunday, so the debtors live in a zone where it is a weekday around midday now.
 * (Contact windows themselves are tested on the time-skipping server.)
 */
export function zoneInContactWindowNow(): string {
  const zone = FIXED_OFFSET_ZONES.find((candidate) => {
    const local = toLocal(Date.now(), candidate);
    return local.weekday <= 6 && local.hour >= 10 && local.hour <= 17;
  });
  if (zone === undefined) throw new Error('no zone is inside the contact window now');
  return zone;
}
