import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSmtpOutbox, type SmtpOutbox } from '../dev/smtp-outbox.js';
import type { WebhookPayload } from '../domain/webhooks.js';
import { eventually } from './setup/eventually.js';
import {
  openCaseThroughApi,
  startProduct,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './setup/webhook-receiver.js';
import { startWorkerProcess, type WorkerProcess } from './setup/worker-process.js';

const postgres = Boolean(process.env.MAHNWERK_TEST_DATABASE_URL);
if (!postgres) {
  console.warn(
    'test/webhooks-restart.test.ts skipped: it needs PostgreSQL. Run it with MAHNWERK_TEST_DATABASE_URL=$(bash scripts/test-postgres.sh) npx vitest run test/webhooks-restart.test.ts',
  );
}

const CASES = 4;
/** message.sent, then case.paid and case.closed once paid. */
const EVENTS_PER_CASE = 3;

describe.skipIf(!postgres)('webhook deliveries survive a worker killed halfway', () => {
  let product: RunningProduct;
  let outbox: SmtpOutbox;
  let receiver: WebhookReceiver;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    outbox = await startSmtpOutbox({ port: 0 });
    receiver = await startWebhookReceiver((_id, attempt) => (attempt <= 2 ? 500 : 200));
    // The API here; the worker (and with it the delivery workflows' activities) in a process of its own.
    product = await startProduct(inject('temporalAddress'), 'postgres', { role: 'api' });
  });
  afterAll(async () => {
    await worker?.kill();
    await product?.stop();
    await receiver?.close();
    await outbox?.close();
  });

  it('every event arrives, each webhook-id once after deduplication', { timeout: 240_000 }, async () => {
    const { config } = product;
    const workerEnv = {
      TEMPORAL_ADDRESS: product.temporalAddress,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      DATABASE_URL: config.databaseUrl!,
      MAHNWERK_PUBLIC_URL: config.http.publicUrl,
      SMTP_URL: outbox.url,
      SMS_SINK_PORT: '0',
      LETTER_SINK_PORT: '0',
      MAHNWERK_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mahnwerk-webhooks-')),
      MAHNWERK_SECRET: 'webhook-test-secret-0123456789abcdef',
      LOG_LEVEL: 'warn',
    };
    worker = await startWorkerProcess(workerEnv);
    const created = await product.request('POST', '/v1/webhook-subscriptions', {
      url: receiver.url,
      events: ['message.sent', 'case.paid', 'case.closed'],
    });
    expect(created.status).toBe(201);
    const zone = zoneInContactWindowNow();
    const ids = Array.from({ length: CASES }, (_, i) => `hook-restart-${i}`);
    for (const id of ids) {
      await openCaseThroughApi(
        product,
        id,
        { name: 'Rita Restart', locale: 'de', timezone: zone, email: `${id}@example.com` },
        3100,
      );
    }
    // Killed once the first event got through, with others in flight or waiting for their retry.
    await eventually(
      async () => receiver.accepted().length,
      (n) => n >= 1,
    );
    await worker.kill();
    for (const id of ids) {
      const paid = await product.request('POST', `/v1/debtors/${id}/payments`, {
        paymentId: `${id}-pay`,
        amount: 3100,
        currency: 'EUR',
        paidAt: '2026-11-30T10:00:00Z',
      });
      expect(paid.status).toBe(201);
    }
    worker = await startWorkerProcess(workerEnv);

    const accepted = await eventually(
      async () => receiver.accepted(),
      (a) => a.length >= CASES * EVENTS_PER_CASE,
      120_000,
    );
    // The delivery is marked in the database after the receiver answered: read until it settles.
    const rows = await eventually(
      () => product.db.selectFrom('webhook_deliveries').select(['message_id', 'status']).execute(),
      (r) => r.length === CASES * EVENTS_PER_CASE && r.every((row) => row.status === 'delivered'),
      60_000,
    );
    expect(rows).toHaveLength(CASES * EVENTS_PER_CASE);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['delivered']));
    // After deduplication on webhook-id: exactly the events recorded, each once.
    expect(accepted.map((r) => String(r.headers['webhook-id'])).sort()).toEqual(
      rows.map((r) => r.message_id).sort(),
    );
    for (const id of ids) {
      const types = accepted
        .map((r) => JSON.parse(r.body) as WebhookPayload)
        .filter((p) => p.data.debtorId === id)
        .map((p) => p.type);
      expect(types, id).toEqual(['message.sent', 'case.paid', 'case.closed']);
    }
  });
});
