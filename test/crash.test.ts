import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SendResult } from '../activities/index.js';
import { startSmsSink, type SinkMessage, type SmsSink } from '../dev/sms-sink.js';
import { startSmtpOutbox, type SmtpOutbox } from '../dev/smtp-outbox.js';
import { mulberry32 } from '../demo/generate.js';
import { caseWorkflowId } from '../domain/case.js';
import {
  openCaseThroughApi,
  TEST_PAYLOAD_KEYS,
  startProduct,
  zoneInContactWindowNow,
  type RunningProduct,
} from './setup/harness.js';
import { historyUntil, type HistoryEvent } from './setup/histories.js';
import { writePolicyFile } from './setup/policy-file.js';
import { startWorkerProcess, type WorkerProcess } from './setup/worker-process.js';

const HOW_TO_RUN =
  'MAHNWERK_TEST_DATABASE_URL=$(bash scripts/test-postgres.sh) npx vitest run test/crash.test.ts';
const postgres = Boolean(process.env.MAHNWERK_TEST_DATABASE_URL);

/** Self-service with every message step at once: portal link and reminder by e-mail, the nudge by SMS. */
const CASES = 70;
const EMAILS_PER_CASE = 2;
const STEPS_PER_CASE = 3;
const STEPS = CASES * STEPS_PER_CASE;
const KILLS = 5;

const twilio = {
  TWILIO_ACCOUNT_SID: `AC${'c'.repeat(32)}`,
  TWILIO_AUTH_TOKEN: 'crash-test-twilio-token-0123456789',
  TWILIO_FROM: '+15005550006',
};

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

/** The outbox row an SMS belongs to: its key travels as `ref` in the status callback URL. */
const refOf = (m: SinkMessage) =>
  m.statusCallback ? new URL(m.statusCallback).searchParams.get('ref') : null;

if (!postgres) {
  console.warn(`test/crash.test.ts skipped: it needs PostgreSQL. Run it with ${HOW_TO_RUN}`);
}

describe.skipIf(!postgres)(`crash safety: a worker process SIGKILLed in the middle of ${STEPS} sends`, () => {
  let outbox: SmtpOutbox;
  let sink: SmsSink;
  let product: RunningProduct;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    // The providers live here, outside the worker, so a kill loses nothing they received.
    outbox = await startSmtpOutbox({ port: 0, maxMessages: 10 * STEPS });
    sink = await startSmsSink({
      port: 0,
      accountSid: twilio.TWILIO_ACCOUNT_SID,
      authToken: twilio.TWILIO_AUTH_TOKEN,
      maxMessages: 10 * STEPS,
    });
    // Only the API runs here (it takes Twilio's status callbacks); the worker is a process of its
    // own on the same database and task queue.
    product = await startProduct(inject('temporalAddress'), 'postgres', {
      role: 'api',
      env: {
        ...twilio,
        TWILIO_API_URL: sink.url,
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
    await sink?.close();
    await outbox?.close();
  });

  it(
    'every step reaches its provider exactly once; every outbox row ends handed over',
    { timeout: 400_000 },
    async () => {
      const { config } = product;
      const workerEnv = {
        ...twilio,
        TWILIO_API_URL: sink.url,
        TEMPORAL_ADDRESS: product.temporalAddress,
        TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
        DATABASE_URL: config.databaseUrl!,
        MAHNWERK_CONFIG: config.policyFile!,
        MAHNWERK_PUBLIC_URL: config.http.publicUrl,
        SMTP_URL: outbox.url,
        LETTER_SINK_PORT: '0',
        EMAIL_RATE_PER_SECOND: '25',
        SMS_RATE_PER_SECOND: '25',
        MAHNWERK_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mahnwerk-crash-')),
        MAHNWERK_SECRET: 'crash-test-secret-0123456789abcdef',
        MAHNWERK_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
        LOG_LEVEL: 'warn',
      };
      const smsSent = () => sink.messages().filter((m) => m.direction === 'outbound-api');
      const handedOver = () => outbox.messages().length + smsSent().length;
      /** Resolves as soon as n messages reached the providers, in the very event that made it n. */
      const whenHandedOver = (n: number) =>
        new Promise<void>((resolve) => {
          const check = () => {
            if (handedOver() < n) return;
            stopMail();
            stopSms();
            resolve();
          };
          const stopMail = outbox.onMessage(check);
          const stopSms = sink.onMessage(check);
          check();
        });
      const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
      // The kill points follow from the seed, printed so a failure can be repeated.
      const random = mulberry32(seed);
      // A kill point: once so many messages reached the providers, at once (between the provider's
      // answer and the row's `sent`), or a random moment later (rendering, database, workflow tasks).
      const killPoints = Array.from({ length: KILLS }, () => ({
        after: 1 + Math.floor(STEPS * 0.85 * random()),
        laterMs: random() < 0.5 ? 0 : Math.floor(random() * 1500),
      })).sort((a, b) => a.after - b.after);
      console.info(`crash test: seed ${seed} (CRASH_SEED=${seed} repeats it), kills at`, killPoints);

      worker = await startWorkerProcess(workerEnv);
      const zone = zoneInContactWindowNow();
      const ids = Array.from({ length: CASES }, (_, i) => `crash-${i}`);
      const phoneOf = (i: number) => `+4915300${String(i).padStart(6, '0')}`;
      const opening = (async () => {
        for (const [i, id] of ids.entries()) {
          const debtor = {
            name: 'Karl Crash',
            locale: 'de',
            timezone: zone,
            email: `${id}@example.com`,
            phone: phoneOf(i),
            consents: { email: true, sms: true, call: false },
            digitalAffinity: 'high',
            paymentHistory: { onTimeRate: 0.95 },
          };
          await openCaseThroughApi(product, id, debtor, 9900);
        }
      })();

      for (const point of killPoints) {
        await whenHandedOver(point.after);
        if (point.laterMs) await new Promise((resolve) => setTimeout(resolve, point.laterMs));
        await worker.kill();
        worker = await startWorkerProcess(workerEnv);
      }
      await opening;

      // Done when every case's history shows its three message steps finished (sent or already sent).
      let alreadySent = 0;
      for (const id of ids) {
        const events = await historyUntil(
          product.client,
          caseWorkflowId(id),
          (e) => stepsDone(e) >= STEPS_PER_CASE,
        );
        expect(stepsDone(events), id).toBe(STEPS_PER_CASE);
        alreadySent += sendOutcomes(events).filter((o) => o === 'already-sent').length;
      }

      const rows = await product.db
        .selectFrom('outbox')
        .select(['idempotency_key', 'channel', 'status', 'provider_id'])
        .execute();
      const emailRows = rows.filter((r) => r.channel === 'email');
      const smsRows = rows.filter((r) => r.channel === 'sms');
      const mails = outbox.messages();
      const texts = smsSent();
      console.info(
        `crash test: ${KILLS} kills; ${mails.length} e-mails (${outbox.resends().length} resends recognised by Message-ID), ${texts.length} SMS; ${alreadySent} retries found their message already handed over`,
      );

      expect(emailRows).toHaveLength(CASES * EMAILS_PER_CASE);
      expect(smsRows).toHaveLength(CASES * (STEPS_PER_CASE - EMAILS_PER_CASE));
      // E-mail rows end `sent`; SMS rows `sent`, or `delivered` once Twilio's status callback came.
      expect(emailRows.filter((r) => r.status !== 'sent')).toEqual([]);
      expect(smsRows.filter((r) => r.status !== 'sent' && r.status !== 'delivered')).toEqual([]);

      // No loss, no duplicate: each provider holds exactly the outbox's messages, one each.
      expect(mails).toHaveLength(emailRows.length);
      expect(new Set(mails.map((m) => m.messageId))).toEqual(new Set(emailRows.map((r) => r.provider_id)));
      expect(texts).toHaveLength(smsRows.length);
      expect(new Set(texts.map((m) => m.sid))).toEqual(new Set(smsRows.map((r) => r.provider_id)));
      expect(new Set(texts.map(refOf))).toEqual(new Set(smsRows.map((r) => r.idempotency_key)));
      for (const [i, id] of ids.entries()) {
        expect(
          mails.filter((m) => m.to.includes(`${id}@example.com`)),
          id,
        ).toHaveLength(EMAILS_PER_CASE);
        expect(
          texts.filter((m) => m.to === phoneOf(i)),
          id,
        ).toHaveLength(STEPS_PER_CASE - EMAILS_PER_CASE);
      }
      // An e-mail resent after a crash carried the Message-ID of a message the server already had.
      const mailIds = new Set(mails.map((m) => m.messageId));
      expect(outbox.resends().filter((m) => !mailIds.has(m.messageId))).toEqual([]);

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
