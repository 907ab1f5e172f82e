import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SendResult } from '../activities/index.js';
import { startSmtpOutbox, type SmtpOutbox } from '../dev/smtp-outbox.js';
import { caseWorkflowId } from '../domain/case.js';
import { startProduct, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';
import { writePolicyFile } from './setup/policy-file.js';
import { historyUntil, type HistoryEvent } from './setup/histories.js';
import { startWorkerProcess, type WorkerProcess } from './setup/worker-process.js';

const HOW_TO_RUN =
  'MAHNWERK_TEST_DATABASE_URL=$(bash scripts/test-postgres.sh) npx vitest run test/crash.test.ts';
const postgres = Boolean(process.env.MAHNWERK_TEST_DATABASE_URL);

/** Self-service with every message step at once: portal link, reminder, nudge. */
const CASES = 70;
const STEPS_PER_CASE = 3;
const STEPS = CASES * STEPS_PER_CASE;
const KILLS = 4;

/** mulberry32: the kill points follow from the seed, printed so a failure can be repeated. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Outcomes of the finished send activities in a case's history. */
function sendOutcomes(events: HistoryEvent[]): SendResult['outcome'][] {
  const sends = new Set(
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendMessage')
      .map((e) => String(e.eventId)),
  );
  return events.flatMap((e) => {
    const done = e.activityTaskCompletedEventAttributes;
    const payload = done?.result?.payloads?.[0];
    if (!done || !payload || !sends.has(String(done.scheduledEventId))) return [];
    return [defaultPayloadConverter.fromPayload<SendResult>(payload).outcome];
  });
}

const stepsDone = (events: HistoryEvent[]) =>
  sendOutcomes(events).filter((o) => o === 'sent' || o === 'already-sent').length;

if (!postgres) {
  console.warn(`test/crash.test.ts skipped: it needs PostgreSQL. Run it with ${HOW_TO_RUN}`);
}

describe.skipIf(!postgres)(`crash safety: a worker process SIGKILLed in the middle of ${STEPS} sends`, () => {
  let outbox: SmtpOutbox;
  let product: RunningProduct;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    outbox = await startSmtpOutbox({ port: 0, maxMessages: 10 * STEPS });
    // Only the API runs here; the worker is a process of its own on the same database and queue.
    product = await startProduct(inject('temporalAddress'), 'postgres', {
      role: 'api',
      env: {
        MAHNWERK_CONFIG: writePolicyFile({
          contactPolicy: {
            caps: { email: { maxPerDay: 5 }, sms: { maxPerDay: 5 }, overall: { maxPerDay: 10 } },
          },
          strategies: {
            'self-service': { version: 'self-service-crash', cadenceDays: { reminder: 0, 'sms-nudge': 0 } },
          },
        }),
      },
    });
  });
  afterAll(async () => {
    await worker?.kill();
    await product?.stop();
    await outbox?.close();
  });

  it(
    'every step reaches the SMTP server exactly once, every outbox row ends `sent`',
    { timeout: 400_000 },
    async () => {
      const { config } = product;
      const workerEnv = {
        TEMPORAL_ADDRESS: product.temporalAddress,
        TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
        DATABASE_URL: config.databaseUrl!,
        MAHNWERK_CONFIG: config.policyFile!,
        SMTP_URL: outbox.url,
        EMAIL_RATE_PER_SECOND: '25',
        MAHNWERK_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mahnwerk-crash-')),
        MAHNWERK_SECRET: 'crash-test-secret-0123456789abcdef',
        LOG_LEVEL: 'warn',
      };
      const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const random = seededRandom(seed);
      // A kill point: once so many messages reached the server, at once (between the server's 250
      // and the row's `sent`), or a random moment later (rendering, database, workflow tasks).
      const killPoints = Array.from({ length: KILLS }, () => ({
        afterMessages: Math.floor(STEPS * (0.05 + 0.8 * random())),
        laterMs: random() < 0.5 ? 0 : Math.floor(random() * 1500),
      })).sort((a, b) => a.afterMessages - b.afterMessages);
      console.info(`crash test: seed ${seed} (CRASH_SEED=${seed} repeats it), kills at`, killPoints);

      worker = await startWorkerProcess(workerEnv);
      const zone = zoneInContactWindowNow();
      const ids = Array.from({ length: CASES }, (_, i) => `crash-${i}`);
      const opening = (async () => {
        for (const id of ids) {
          const debtor = {
            name: 'Karl Crash',
            locale: 'de',
            timezone: zone,
            email: `${id}@example.com`,
            digitalAffinity: 'high',
            paymentHistory: { onTimeRate: 0.95 },
          };
          expect((await product.request('PUT', `/v1/debtors/${id}`, debtor)).status).toBe(201);
          const invoice = {
            currency: 'EUR',
            amountDue: 9900,
            dueDate: '2026-10-15',
            issuedAt: '2026-09-15T10:00:00Z',
          };
          expect((await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, invoice)).status).toBe(
            201,
          );
        }
      })();

      for (const point of killPoints) {
        await outbox.waitFor(() => outbox.messages().length >= point.afterMessages, 180_000);
        if (point.laterMs) await new Promise((resolve) => setTimeout(resolve, point.laterMs));
        await worker.kill();
        worker = await startWorkerProcess(workerEnv);
      }
      await opening;

      // Done when every case's history shows its three message steps finished (sent or already sent).
      for (const id of ids) {
        const events = await historyUntil(
          product.client,
          caseWorkflowId(id),
          (e) => stepsDone(e) >= STEPS_PER_CASE,
        );
        expect(stepsDone(events), id).toBe(STEPS_PER_CASE);
      }

      const rows = await product.db
        .selectFrom('outbox')
        .select(['idempotency_key', 'status', 'provider_id'])
        .execute();
      const delivered = outbox.messages();
      const resends = outbox.resends();
      console.info(
        `crash test: ${KILLS} kills, ${delivered.length} messages, ${resends.length} resends recognised by Message-ID`,
      );
      expect(rows).toHaveLength(STEPS);
      expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
      // No loss, no duplicate: the server holds exactly the outbox's messages, one each.
      expect(delivered).toHaveLength(STEPS);
      expect(new Set(delivered.map((m) => m.messageId))).toEqual(new Set(rows.map((r) => r.provider_id)));
      for (const id of ids) {
        expect(
          delivered.filter((m) => m.to.includes(`${id}@example.com`)),
          id,
        ).toHaveLength(STEPS_PER_CASE);
      }
      // A resend after a crash carried the Message-ID of a message the server already had.
      const deliveredIds = new Set(delivered.map((m) => m.messageId));
      expect(resends.filter((m) => !deliveredIds.has(m.messageId))).toEqual([]);
      // The timeline says "sent" once per step.
      const sentEvents = await product.db
        .selectFrom('case_events')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('type', '=', 'contact-sent')
        .executeTakeFirstOrThrow();
      expect(Number(sentEvents.count)).toBe(STEPS);
    },
  );
});
