import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMessageSender, type SendMessageInput } from '../activities/send-message.js';
import { createMailer, type Mailer } from '../channels/email/mailer.js';
import { createSmsSender, TransientSmsError, type SmsSender } from '../channels/sms/sender.js';
import { recordInvoice, upsertDebtor } from '../db/billing.js';
import { migrateToLatest, openDatabase, type Database } from '../db/database.js';
import { loadCaseSnapshot } from '../db/snapshot.js';
import { startSmsSink, type SinkMessage, type SmsSink } from '../dev/sms-sink.js';
import { testActivityDeps } from './setup/activities.js';
import { startProduct, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';

/**
 * SMS end to end, as `npm start` runs it: the real twilio SDK sends to the embedded
 * Twilio-compatible server, which posts signed status callbacks and debtor replies back to the
 * product's webhooks. Real clock, real Temporal dev server.
 */
let product: RunningProduct;
let sink: SmsSink;

const zone = zoneInContactWindowNow();

const debtor = (phone: string, overrides: Record<string, unknown> = {}) => ({
  name: 'Maria Muster',
  locale: 'de',
  timezone: zone,
  email: `${phone.slice(1)}@example.com`,
  phone,
  consents: { email: true, sms: true },
  ...overrides,
});
const invoice = {
  currency: 'EUR',
  amountDue: 12950,
  dueDate: '2026-10-15',
  issuedAt: '2026-09-15T10:00:00Z',
};

async function openCase(id: string, profile: Record<string, unknown>): Promise<void> {
  expect((await product.request('PUT', `/v1/debtors/${id}`, profile)).status).toBe(201);
  expect((await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, invoice)).status).toBe(201);
}

/** Asks again until `read` returns something: for state that webhooks and workflows write a moment later. */
async function eventually<T>(
  what: string,
  read: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function timeline(id: string): Promise<{ type: string; summary: string; source: string }[]> {
  const { body } = await product.request('GET', `/v1/cases/${id}`);
  return (body as { timeline: { type: string; summary: string; source: string }[] }).timeline;
}

async function smsOptedOut(debtorId: string): Promise<boolean> {
  const point = await product.db
    .selectFrom('contact_points')
    .select('opted_out_at')
    .where('debtor_id', '=', debtorId)
    .where('channel', '=', 'sms')
    .executeTakeFirstOrThrow();
  return point.opted_out_at !== null;
}

const outboundTo = (to: string) => (m: SinkMessage) => m.to === to && m.direction === 'outbound-api';

async function replyFromOutboxPage(from: string, body: string): Promise<Response> {
  const ours = sink.messages().find(outboundTo(from));
  if (!ours) throw new Error(`no SMS went to ${from}`);
  return fetch(`${product.apiUrl}/dev/outbox/sms-reply`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ from, to: ours.from, body }).toString(),
    redirect: 'manual',
  });
}

describe('SMS through the outbox, the Twilio-compatible sink and signed webhooks', () => {
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'));
    if (!product.devSms) throw new Error('the embedded SMS sink did not start');
    sink = product.devSms;
  });
  afterAll(() => product?.stop());

  it('a new assisted case sends a German e-mail and SMS; delivery comes back and shows in the timeline', async () => {
    const phone = '+4915111110001';
    await openCase('sms-assisted', debtor(phone));

    const sms = await sink.waitFor(outboundTo(phone), 30_000);
    expect(sms.body).toMatch(/^Mahnwerk Demo GmbH: Bei uns sind noch 129,50\s€ offen\./);
    expect(sms.body).toContain(`${product.config.http.publicUrl}/p/`);
    expect(sms.body).toMatch(/STOP zum Abmelden$/);
    expect(sms.numSegments).toBeLessThanOrEqual(2);
    const mail = await product.devOutbox!.waitFor((m) => m.to.includes('4915111110001@example.com'));
    expect(mail.subject).toContain('Zahlungserinnerung');

    // The status callback moved the row on; the SID and the segments were recorded at once.
    const row = await eventually('the delivered status', async () =>
      product.db
        .selectFrom('outbox')
        .selectAll()
        .where('debtor_id', '=', 'sms-assisted')
        .where('channel', '=', 'sms')
        .where('status', '=', 'delivered')
        .executeTakeFirst(),
    );
    expect(row).toMatchObject({ provider_id: sms.sid, segments: sms.numSegments, recipient: phone });
    const events = await timeline('sms-assisted');
    expect(events.map((e) => e.summary)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Reminder 1 sent by e-mail \(de\)$/),
        expect.stringMatching(/^SMS reminder sent by SMS \(de, [12] segment\(s\)\)$/),
        'SMS delivered',
      ]),
    );
    // What Twilio received: the SDK's request, with our sender and a status callback carrying the key.
    const request = sink.requests().find((r) => r.form.To === phone && r.method === 'POST');
    expect(request?.form.StatusCallback).toMatch(
      new RegExp(`^${product.config.http.publicUrl}/webhooks/twilio/status\\?ref=`),
    );
  });

  it('STOPP from the outbox page opts the number out for every case that uses it, confirmed once', async () => {
    const shared = '+4915111110002';
    await openCase('sms-stop-a', debtor(shared));
    await openCase('sms-stop-b', debtor(shared, { name: 'Max Muster', email: 'max@example.com' }));
    await sink.waitFor(outboundTo(shared), 30_000);

    const answered = await replyFromOutboxPage(shared, 'Stopp');
    expect(answered.status).toBe(303);
    const points = await product.db
      .selectFrom('contact_points')
      .select(['debtor_id', 'opted_out_at'])
      .where('channel', '=', 'sms')
      .where('address', '=', shared)
      .orderBy('debtor_id')
      .execute();
    expect(points.map((p) => [p.debtor_id, p.opted_out_at !== null])).toEqual([
      ['sms-stop-a', true],
      ['sms-stop-b', true],
    ]);
    for (const id of ['sms-stop-a', 'sms-stop-b']) {
      expect(await timeline(id)).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'opted-out', source: 'debtor' })]),
      );
    }
    const replies = () => sink.messages().filter((m) => m.direction === 'outbound-reply' && m.to === shared);
    expect(replies().map((m) => m.body)).toEqual([
      'Sie erhalten keine SMS mehr von uns. / You will receive no more text messages from us.',
    ]);

    // Once: a second STOPP changes nothing and is not answered again.
    expect((await replyFromOutboxPage(shared, 'STOPP')).status).toBe(303);
    expect(replies()).toHaveLength(1);

    // Both running cases re-read the facts: the number no longer counts as reachable by SMS.
    for (const id of ['sms-stop-a', 'sms-stop-b']) {
      const { snapshot } = await loadCaseSnapshot(product.db, id, new Date());
      expect(snapshot.contactPoints.find((c) => c.channel === 'sms')).toMatchObject({ optedOut: true });
    }
  });

  it('any other reply lands in the timeline of every debtor who uses the number, without its words', async () => {
    const shared = '+4915111110005';
    await openCase('sms-reply-a', debtor(shared));
    await openCase('sms-reply-b', debtor(shared, { name: 'Max Muster', email: 'max.reply@example.com' }));
    await sink.waitFor(outboundTo(shared), 30_000);

    expect((await replyFromOutboxPage(shared, 'Ich zahle morgen')).status).toBe(303);
    for (const id of ['sms-reply-a', 'sms-reply-b']) {
      const events = await timeline(id);
      expect(events.filter((e) => e.type === 'sms-received')).toEqual([
        expect.objectContaining({ source: 'debtor', summary: 'The debtor replied by SMS' }),
      ]);
      expect(JSON.stringify(events)).not.toContain('zahle');
      expect(await smsOptedOut(id)).toBe(false);
    }
  });

  it("Twilio's own STOP is honoured too, and left to Twilio to confirm", async () => {
    const phone = '+4915111110003';
    await openCase('sms-twilio-stop', debtor(phone));
    await sink.waitFor(outboundTo(phone), 30_000);
    expect((await replyFromOutboxPage(phone, 'STOP')).status).toBe(303);
    expect(await smsOptedOut('sms-twilio-stop')).toBe(true);
    expect(sink.messages().filter((m) => m.direction === 'outbound-reply' && m.to === phone)).toEqual([]);
  });

  it('21610 (opted out at Twilio) is final: the opt-out is recorded and the step falls back to e-mail', async () => {
    const phone = '+4915111110004';
    sink.optOut(phone);
    // Self-service with SMS preferred: the first contact tries SMS first.
    await openCase(
      'sms-21610',
      debtor(phone, {
        preferredChannel: 'sms',
        digitalAffinity: 'high',
        paymentHistory: { onTimeRate: 0.95 },
      }),
    );
    const mail = await product.devOutbox!.waitFor((m) => m.to.includes('4915111110004@example.com'), 30_000);
    expect(mail.subject).toContain('Zahlungserinnerung');
    expect(sink.messages().filter(outboundTo(phone))).toEqual([]);
    const events = await timeline('sms-21610');
    expect(events.map((e) => e.summary)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/by sms refused: the number opted out at the provider \(21610\)$/),
      ]),
    );
    expect(await smsOptedOut('sms-21610')).toBe(true);
  });

  it('webhooks without a valid X-Twilio-Signature are refused with 403 and change nothing', async () => {
    const url = `${product.config.http.publicUrl}/webhooks/twilio/inbound`;
    const params = { MessageSid: 'SMforged', From: '+4915111110001', To: '+15005550006', Body: 'STOP' };
    const forged = twilio.getExpectedTwilioSignature('not-the-auth-token', url, params);
    for (const headers of [{}, { 'x-twilio-signature': forged }] as Record<string, string>[]) {
      const response = await fetch(`${product.apiUrl}/webhooks/twilio/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(params).toString(),
      });
      expect(response.status).toBe(403);
    }
    expect(await smsOptedOut('sms-assisted')).toBe(false);
  });
});

describe('an SMS step retried after an ambiguous failure (send activity, no workflow)', () => {
  let db: Database;
  let sink: SmsSink;
  let mailer: Mailer;
  const account = { accountSid: `AC${'ab'.repeat(16)}`, authToken: 'retry-auth-token-0123456789' };

  beforeAll(async () => {
    db = openDatabase({ url: undefined });
    await migrateToLatest(db);
    sink = await startSmsSink(account);
    mailer = createMailer({ smtpUrl: 'smtp://127.0.0.1:9', from: 'test@mahnwerk.test' });
  });
  afterAll(async () => {
    mailer?.close();
    await sink?.close();
    await db?.destroy();
  });

  /** The real sender, but the answer is lost after Twilio took the request (a timeout, a crash). */
  function losingAnswers(sender: SmsSender, lose: 'after-send' | 'before-send'): SmsSender {
    return {
      ...sender,
      async send(sms) {
        if (lose === 'after-send') await sender.send(sms);
        throw new TransientSmsError('socket hang up', undefined, undefined);
      },
    };
  }

  async function stepFor(debtorId: string, phone: string): Promise<SendMessageInput> {
    await upsertDebtor(db, debtorId, {
      name: 'Eva Beispiel',
      locale: 'en',
      timezone: 'Europe/Berlin',
      phone,
      consents: { sms: true },
    });
    await recordInvoice(db, debtorId, 'inv-1', {
      currency: 'EUR',
      amountDue: 4200,
      dueDate: '2026-10-01',
      issuedAt: '2026-09-01T08:00:00Z',
    });
    return {
      debtorId,
      idempotencyKey: `${debtorId}/1/sms-1/sms`,
      channel: 'sms',
      template: 'reminder-1',
      stepLabel: 'SMS reminder',
    };
  }

  const senderWith = (sms: SmsSender) => createMessageSender({ ...testActivityDeps(db, mailer), sms });
  const realSender = () => createSmsSender({ ...account, from: '+15005550006', apiBaseUrl: sink.url });

  it.each([
    {
      lost: 'after-send',
      atTwilio: 1,
      retry: 'already-sent',
      case: 'finds what the lost attempt handed over',
    },
    {
      lost: 'before-send',
      atTwilio: 0,
      retry: 'sent',
      case: 'sends what the lost attempt never handed over',
    },
  ] as const)('$case: one message at Twilio in the end', async ({ lost, atTwilio, retry }) => {
    const phone = lost === 'after-send' ? '+4915111120001' : '+4915111120002';
    const step = await stepFor(`retry-${lost}`, phone);
    await expect(senderWith(losingAnswers(realSender(), lost))(step)).rejects.toThrow('socket hang up');
    expect(sink.messages().filter(outboundTo(phone))).toHaveLength(atTwilio);

    expect(await senderWith(realSender())(step)).toEqual({ outcome: retry });
    expect(await senderWith(realSender())(step)).toEqual({ outcome: 'already-sent' });
    const sent = sink.messages().filter(outboundTo(phone));
    expect(sent).toHaveLength(1);
    const row = await db
      .selectFrom('outbox')
      .selectAll()
      .where('idempotency_key', '=', step.idempotencyKey)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', provider_id: sent[0]?.sid });
  });

  it('a delivery report that overtook the lost attempt: the retry still records the send (timeline, contact history)', async () => {
    const phone = '+4915111120003';
    const step = await stepFor('retry-overtaken', phone);
    await expect(senderWith(losingAnswers(realSender(), 'after-send'))(step)).rejects.toThrow(
      'socket hang up',
    );
    const [sms] = sink.messages().filter(outboundTo(phone));
    // What the status webhook does with Twilio's "delivered" while our row still says `sending`.
    await db
      .updateTable('outbox')
      .set({ status: 'delivered', provider_id: sms!.sid, delivered_at: new Date() })
      .where('idempotency_key', '=', step.idempotencyKey)
      .execute();

    expect(await senderWith(realSender())(step)).toEqual({ outcome: 'already-sent' });
    expect(sink.messages().filter(outboundTo(phone))).toHaveLength(1);
    const row = await db
      .selectFrom('outbox')
      .selectAll()
      .where('idempotency_key', '=', step.idempotencyKey)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'delivered', provider_id: sms!.sid });
    expect(row.sent_at).not.toBeNull();
    const { history } = await loadCaseSnapshot(db, step.debtorId, new Date());
    expect(history.map((h) => h.channel)).toEqual(['sms']);
    const timeline = await db
      .selectFrom('case_events')
      .select('summary')
      .where('debtor_id', '=', step.debtorId)
      .where('type', '=', 'contact-sent')
      .execute();
    expect(timeline.map((e) => e.summary)).toEqual(['SMS reminder sent by SMS (en)']);
  });
});
