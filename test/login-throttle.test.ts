import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../db/database.js';
import { LoginThrottle, MAX_ACCOUNT_FAILURES, MAX_ADDRESS_FAILURES } from '../web/inbox/login-throttle.js';
import { createPostgresDatabase, testDatabases } from './setup/harness.js';
import { loginToInbox } from './setup/inbox-login.js';
import { unusedPort } from './setup/ports.js';
import { startWorkerProcess, type WorkerProcess } from './setup/worker-process.js';

const MINUTE = 60_000;

describe.each(testDatabases)('the login throttle on %s', (database) => {
  it('refuses an account after five failures for fifteen minutes, an address after twenty; a success clears the account', async () => {
    const postgres = database === 'postgres' ? await createPostgresDatabase() : undefined;
    const db = openDatabase({ url: postgres?.url });
    try {
      await migrateToLatest(db);
      let now = Date.parse('2026-12-01T08:00:00Z');
      const throttle = new LoginThrottle(db, () => now);
      const anna = { account: 'anna@agents.test', ip: '198.51.100.1' };
      for (let i = 0; i < MAX_ACCOUNT_FAILURES; i++) await throttle.failed(anna);
      expect(await throttle.check(anna)).toEqual({ by: 'account', minutes: 15 });
      // Anna's address tried one account only: another account from it may still log in.
      expect(await throttle.check({ ...anna, account: 'dora@agents.test' })).toBeUndefined();
      now += 10 * MINUTE;
      expect(await throttle.check(anna)).toEqual({ by: 'account', minutes: 5 });
      now += 5 * MINUTE;
      expect(await throttle.check(anna)).toBeUndefined();

      for (let i = 0; i < MAX_ACCOUNT_FAILURES - 1; i++) await throttle.failed(anna);
      await throttle.succeeded(anna);
      await throttle.failed(anna);
      expect(await throttle.check(anna)).toBeUndefined();

      // One address guessing across many accounts.
      const guesser = '203.0.113.9';
      for (let i = 0; i < MAX_ADDRESS_FAILURES; i++)
        await throttle.failed({ account: `user${i}@agents.test`, ip: guesser });
      expect(await throttle.check({ account: 'new@agents.test', ip: guesser })).toEqual({
        by: 'address',
        minutes: 15,
      });
      expect(await throttle.check({ account: 'new@agents.test', ip: '203.0.113.10' })).toBeUndefined();
    } finally {
      await db.destroy();
      await postgres?.drop();
    }
  });
});

const HOW_TO_RUN =
  'MAHNWERK_TEST_DATABASE_URL=$(bash scripts/test-postgres.sh) npx vitest run test/login-throttle.test.ts';
const postgres = Boolean(process.env.MAHNWERK_TEST_DATABASE_URL);
if (!postgres) {
  // PGlite is one process's database: two API processes need a shared PostgreSQL.
  console.warn(
    `test/login-throttle.test.ts: the two-process test needs PostgreSQL. Run it with ${HOW_TO_RUN}`,
  );
}

describe.skipIf(!postgres)('the login throttle across two API processes on one PostgreSQL', () => {
  const processes: WorkerProcess[] = [];
  let database: { url: string; drop(): Promise<void> } | undefined;
  afterAll(async () => {
    for (const p of processes) await p.stop();
    await database?.drop();
  });

  it('failures counted by one API process refuse the login on the other', { timeout: 120_000 }, async () => {
    database = await createPostgresDatabase();
    const apiKey = 'throttle-test-key-0123456789abcdef';
    const startApi = async () => {
      const port = await unusedPort();
      processes.push(
        await startWorkerProcess(
          {
            TEMPORAL_ADDRESS: inject('temporalAddress'),
            TEMPORAL_TASK_QUEUE: 'throttle-test',
            DATABASE_URL: database!.url,
            PORT: String(port),
            MAHNWERK_PUBLIC_URL: `http://127.0.0.1:${port}`,
            MAHNWERK_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mahnwerk-throttle-')),
            MAHNWERK_SECRET: 'throttle-test-secret-0123456789abcdef',
            MAHNWERK_DEV_API_KEY: apiKey,
            LOG_LEVEL: 'warn',
          },
          'api',
        ),
      );
      return `http://127.0.0.1:${port}`;
    };
    const [one, two] = await Promise.all([startApi(), startApi()]);
    const password = 'a long and correct password';
    const created = await fetch(`${one}/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'ida@agents.test',
        name: 'Ida',
        skills: ['lang:en'],
        role: 'agent',
        password,
      }),
    });
    expect(created.status).toBe(201);

    // Each process sees a working login before the guessing starts.
    expect((await loginToInbox(two!, 'ida@agents.test', password)).status).toBe(303);
    for (let i = 0; i < MAX_ACCOUNT_FAILURES; i++)
      expect((await loginToInbox(one!, 'ida@agents.test', `wrong guess ${i}`)).status).toBe(401);

    // The other process counts the first one's failures: even the right password waits now.
    const refused = await loginToInbox(two!, 'ida@agents.test', password);
    expect(refused.status).toBe(429);
    expect(refused.cookie).toBe('');
    expect(refused.text).toContain('Too many failed logins for this address. Try again in 15 minutes.');
    expect((await loginToInbox(one!, 'ida@agents.test', password)).status).toBe(429);
  });
});
