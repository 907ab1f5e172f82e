import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mapLimit } from '../runtime/map-limit.js';
import { migrateToLatest, openDatabase, type Database } from '../db/database.js';
import { startSmtpOutbox, type SmtpOutbox } from '../dev/smtp-outbox.js';
import { caseWorkflowId } from '../domain/case.js';
import { createPostgresDatabase, zoneInContactWindowNow } from './setup/harness.js';
import { firstSendDone } from './setup/fault.js';
import { historyUntil } from './setup/histories.js';
import { unusedPort } from './setup/ports.js';
import { startWorkerProcess, type WorkerProcess } from './setup/worker-process.js';

const HOW_TO_RUN =
  'MAHNWERK_TEST_DATABASE_URL=$(bash scripts/test-postgres.sh) npx vitest run test/scale-out.test.ts';
const postgres = Boolean(process.env.MAHNWERK_TEST_DATABASE_URL);
/**
 * 500 by default, so `npm test` stays within CI's time on two cores; SCALE_CASES=2000 for the full
 * figure (more than 12 minutes on a busy two-core machine).
 */
const CASES = Number(process.env.SCALE_CASES ?? 500);
const CONCURRENCY = 16;
const API_KEY = 'scale-test-key-0123456789abcdefghij';

if (!postgres) {
  console.warn(`test/scale-out.test.ts skipped: it needs PostgreSQL. Run it with ${HOW_TO_RUN}`);
}

describe.skipIf(!postgres)(`scale-out: two APIs and two workers on one PostgreSQL, ${CASES} cases`, () => {
  let outbox: SmtpOutbox;
  let database: { url: string; drop(): Promise<void> };
  let db: Database;
  let connection: Connection;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    // The provider lives here, outside every Mahnwerk process, so a killed worker loses nothing it got.
    outbox = await startSmtpOutbox({ port: 0, maxMessages: 3 * CASES });
    database = await createPostgresDatabase();
    db = openDatabase({ url: database.url });
    await migrateToLatest(db);
    connection = await Connection.connect({ address: inject('temporalAddress') });
  });
  afterAll(async () => {
    for (const p of processes) await p.kill();
    await connection?.close();
    await db?.destroy();
    await database?.drop();
    await outbox?.close();
  });

  it(
    'every case opens once and sends its first message exactly once, though a worker dies mid-way',
    { timeout: 900_000 },
    async () => {
      const shared = {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: `scale-${Date.now()}`,
        DATABASE_URL: database.url,
        SMTP_URL: outbox.url,
        SMS_SINK_PORT: '0',
        LETTER_SINK_PORT: '0',
        EMAIL_RATE_PER_SECOND: '200',
        MAHNWERK_SECRET: 'scale-test-secret-0123456789abcdef',
        MAHNWERK_DEV_API_KEY: API_KEY,
        // One key sends every case (SCALE_CASES=2000: 2,000 calls per API in well under a minute).
        API_RATE_LIMIT: '1000000',
        LOG_LEVEL: 'warn',
      };
      const role = async (which: 'worker' | 'api') => {
        const port = await unusedPort();
        const started = await startWorkerProcess(
          {
            ...shared,
            PORT: String(port),
            MAHNWERK_PUBLIC_URL: `http://127.0.0.1:${port}`,
            MAHNWERK_DATA_DIR: mkdtempSync(path.join(tmpdir(), `mahnwerk-scale-${which}-`)),
          },
          which,
        );
        processes.push(started);
        return { process: started, url: `http://127.0.0.1:${port}` };
      };
      const [doomed, survivor, apiA, apiB] = await Promise.all([
        role('worker'),
        role('worker'),
        role('api'),
        role('api'),
      ]);
      const apis = [apiA!.url, apiB!.url];

      const zone = zoneInContactWindowNow();
      const ids = Array.from({ length: CASES }, (_, i) => `scale-${i}`);
      const put = async (api: string, pathname: string, body: unknown) => {
        const response = await fetch(`${api}${pathname}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (response.status >= 300)
          throw new Error(`PUT ${pathname}: ${response.status} ${await response.text()}`);
      };
      let opened = 0;
      let killed: Promise<void> | undefined;
      await mapLimit(ids, CONCURRENCY, async (id, i) => {
        // Alternating APIs: a debtor's two calls may even reach different instances.
        await put(apis[i % 2]!, `/v1/debtors/${id}`, {
          name: 'Sam Scale',
          locale: 'en',
          timezone: zone,
          email: `${id}@example.com`,
          digitalAffinity: 'high',
          paymentHistory: { onTimeRate: 0.95 },
        });
        await put(apis[(i + 1) % 2]!, `/v1/debtors/${id}/invoices/inv-1`, {
          currency: 'EUR',
          amountDue: 9900,
          dueDate: '2026-10-15',
          issuedAt: '2026-09-15T10:00:00Z',
        });
        // Mid-way, one worker dies as a crash or the OOM killer would take it; the other carries on.
        if (++opened === Math.floor(CASES / 2)) killed = doomed!.process.kill();
      });
      await killed;
      expect(survivor!.process.rssMiB()).toBeGreaterThan(0);

      const client = new Client({ connection });
      for (const id of ids) await historyUntil(client, caseWorkflowId(id), firstSendDone);

      // Opened once: one workflow run per case on the queue, one case row per debtor.
      const runs = await client.workflow.count(`TaskQueue = "${shared.TEMPORAL_TASK_QUEUE}"`);
      expect(runs.count).toBe(CASES);
      const rows = await db.selectFrom('cases').select('debtor_id').execute();
      expect(new Set(rows.map((r) => r.debtor_id))).toEqual(new Set(ids));

      // The first message reached the provider exactly once per case; every outbox row is sent.
      const mailsTo = new Map<string, number>();
      for (const mail of outbox.messages())
        for (const to of mail.to) mailsTo.set(to, (mailsTo.get(to) ?? 0) + 1);
      const wrong = ids.filter((id) => mailsTo.get(`${id}@example.com`) !== 1);
      expect(wrong, 'cases without exactly one e-mail').toEqual([]);
      const outboxRows = await db.selectFrom('outbox').select(['status']).execute();
      expect(outboxRows).toHaveLength(CASES);
      expect(outboxRows.filter((r) => r.status !== 'sent')).toEqual([]);
    },
  );
});
