import Fastify, { type FastifyInstance } from 'fastify';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { smsSegments } from '../channels/sms/segments.js';
import { unusedPort } from './setup/ports.js';
import {
  createSmsSender,
  PermanentSmsError,
  TransientSmsError,
  type SmsSender,
} from '../channels/sms/sender.js';
import { startSmsSink, type SmsSink } from '../dev/sms-sink.js';
import { isStartKeyword, isStopKeyword } from '../channels/sms/keywords.js';
import { twilioWebhookRoutes, type SmsInbound, type SmsStatusUpdate } from '../web/routes/twilio-webhooks.js';

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'auth-token-0123456789abcdef';
const MESSAGING_SERVICE_SID = `MG${'fedcba9876543210'.repeat(2)}`;
const FROM = '+4930123456789';
const DEBTOR = '+4915112345678';
const OPTED_OUT = '+4915100000610';
const LANDLINE = '+4930000021614';
const UNREACHABLE = '+4915100030003';

const CONFIRMATION = 'Sie erhalten keine SMS mehr von uns.';
const HELP = 'Fragen? Rufen Sie uns an: <030 1234567> & "wir" helfen.';

async function sendError(sender: SmsSender, to: string): Promise<unknown> {
  return sender.send({ to, body: 'Ihre Rechnung ist offen.', idempotencyKey: `err-${to}` }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('SMS channel: twilio SDK → loopback sink → signed Twilio webhooks', () => {
  let sink: SmsSink;
  let app: FastifyInstance;
  let publicUrl: string;
  let sender: SmsSender;
  const statuses: SmsStatusUpdate[] = [];
  const inbound: SmsInbound[] = [];

  beforeAll(async () => {
    sink = await startSmsSink({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      optedOutNumbers: [OPTED_OUT],
      landlineNumbers: [LANDLINE],
      undeliverableNumbers: [UNREACHABLE],
    });
    // The signature covers the URL Twilio calls, so the plugin needs it before the app listens.
    const port = await unusedPort();
    publicUrl = `http://127.0.0.1:${port}`;
    app = Fastify();
    await app.register(twilioWebhookRoutes, {
      authToken: AUTH_TOKEN,
      publicUrl,
      async onStatus(update) {
        statuses.push(update);
      },
      async onInbound(message) {
        inbound.push(message);
        if (isStopKeyword(message.body)) return { reply: CONFIRMATION };
        if (message.body.includes('?')) return { reply: HELP };
        return {};
      },
    });
    await app.listen({ host: '127.0.0.1', port });
    sender = createSmsSender({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: FROM,
      statusCallbackUrl: `${publicUrl}/webhooks/twilio/status`,
      apiBaseUrl: sink.url,
    });
  });

  afterAll(async () => {
    await sink?.close();
    await app?.close();
  });

  it('sends through the real SDK: Twilio path, Basic auth, form fields; status callbacks reach onStatus', async () => {
    const body = 'Mahnwerk: Ihre Rechnung inv-1 über 129,50 € ist offen. Antworten Sie STOP zum Abmelden.';
    const sent = await sender.send({ to: DEBTOR, body, idempotencyKey: 'case-d-100/1/sms-nudge' });

    expect(sent.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sent.status).toBe('queued');
    expect(sent.segments).toBe(smsSegments(body).segments);

    const request = sink.requests().at(-1);
    expect(request).toMatchObject({
      method: 'POST',
      path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
      username: ACCOUNT_SID,
      password: AUTH_TOKEN,
      responseStatus: 201,
    });
    expect(request?.contentType).toContain('application/x-www-form-urlencoded');
    expect(request?.userAgent).toMatch(/^twilio-node\//);
    expect(request?.form).toEqual({
      To: DEBTOR,
      From: FROM,
      Body: body,
      // The outbox key rides along so a callback finds its row even before the SID is stored.
      StatusCallback: `${publicUrl}/webhooks/twilio/status?ref=case-d-100%2F1%2Fsms-nudge`,
    });

    const delivered = await sink.waitFor((m) => m.sid === sent.sid && m.status === 'delivered');
    expect(delivered).toMatchObject({ to: DEBTOR, from: FROM, body, direction: 'outbound-api' });
    await vi.waitFor(() =>
      expect(statuses.filter((s) => s.sid === sent.sid)).toEqual([
        { sid: sent.sid, status: 'sent', idempotencyKey: 'case-d-100/1/sms-nudge' },
        { sid: sent.sid, status: 'delivered', idempotencyKey: 'case-d-100/1/sms-nudge' },
      ]),
    );
    // onStatus runs before the webhook answers: the sink logs the answer a moment later.
    const callbacks = () => sink.webhooks().filter((w) => w.params.MessageSid === sent.sid);
    await vi.waitFor(() =>
      expect(callbacks().map((w) => [w.params.MessageStatus, w.responseStatus])).toEqual([
        ['sent', 204],
        ['delivered', 204],
      ]),
    );
    expect(callbacks()[0]?.params).toMatchObject({ AccountSid: ACCOUNT_SID, To: DEBTOR, From: FROM });
  });

  it('reports the segment count Twilio answers for a long UCS-2 text', async () => {
    const body = `Zahlungserinnerung 💶 ${'Bitte begleichen Sie den offenen Betrag. '.repeat(3)}`;
    const sent = await sender.send({ to: DEBTOR, body, idempotencyKey: 'case-d-100/1/ucs2' });
    expect(smsSegments(body).encoding).toBe('UCS-2');
    expect(sent.segments).toBe(smsSegments(body).segments);
    expect(sent.segments).toBeGreaterThan(1);
  });

  it('sends through a messaging service when one is configured (no From)', async () => {
    const viaService = createSmsSender({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      messagingServiceSid: MESSAGING_SERVICE_SID,
      apiBaseUrl: sink.url,
    });
    const sent = await viaService.send({ to: DEBTOR, body: 'Hallo', idempotencyKey: 'svc-1' });
    expect(sent.status).toBe('accepted');
    expect(sink.requests().at(-1)?.form).toEqual({
      To: DEBTOR,
      MessagingServiceSid: MESSAGING_SERVICE_SID,
      Body: 'Hallo',
    });
  });

  it.each([
    ['an invalid To (not E.164)', '0151 1234', 21211, 'invalid-number'],
    ['an opted-out recipient', OPTED_OUT, 21610, 'opted-out'],
    ['a landline', LANDLINE, 21614, 'not-mobile'],
  ] as const)('maps %s to PermanentSmsError %i', async (_label, to, code, reason) => {
    const error = await sendError(sender, to);
    expect(error).toBeInstanceOf(PermanentSmsError);
    expect(error).toMatchObject({ code, status: 400, reason });
  });

  it('maps wrong credentials (401) to PermanentSmsError', async () => {
    const wrong = createSmsSender({
      accountSid: ACCOUNT_SID,
      authToken: 'not-the-token',
      from: FROM,
      apiBaseUrl: sink.url,
    });
    const error = await sendError(wrong, DEBTOR);
    expect(error).toBeInstanceOf(PermanentSmsError);
    expect(error).toMatchObject({ status: 401, code: 20003, reason: 'rejected' });
  });

  it.each([429, 500, 503])('maps %i to TransientSmsError; the next attempt succeeds', async (httpStatus) => {
    sink.failNext(1, httpStatus);
    const error = await sendError(sender, DEBTOR);
    expect(error).toBeInstanceOf(TransientSmsError);
    expect(error).toMatchObject({ status: httpStatus, code: 20000 + httpStatus });
    const sent = await sender.send({
      to: DEBTOR,
      body: 'Zweiter Versuch',
      idempotencyKey: `retry-${httpStatus}`,
    });
    expect(sent.sid).toMatch(/^SM/);
  });

  it('maps an unreachable API (connection refused) to TransientSmsError', async () => {
    const offline = createSmsSender({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      from: FROM,
      apiBaseUrl: `http://127.0.0.1:${await unusedPort()}`,
    });
    const error = await sendError(offline, DEBTOR);
    expect(error).toBeInstanceOf(TransientSmsError);
    expect(error).toMatchObject({ status: undefined, code: undefined });
  });

  it('reports an undelivered message with its ErrorCode', async () => {
    const sent = await sender.send({ to: UNREACHABLE, body: 'Hallo', idempotencyKey: 'unreachable-1' });
    await vi.waitFor(() =>
      expect(statuses.filter((s) => s.sid === sent.sid).at(-1)).toEqual({
        sid: sent.sid,
        status: 'undelivered',
        errorCode: '30003',
        idempotencyKey: 'unreachable-1',
      }),
    );
  });

  it('refuses unsigned, forged, tampered and non-form callbacks (403/415) without calling onStatus', async () => {
    const url = `${publicUrl}/webhooks/twilio/status`;
    const params = { MessageSid: `SM${'a'.repeat(32)}`, MessageStatus: 'delivered', AccountSid: ACCOUNT_SID };
    const post = (headers: Record<string, string>, form: Record<string, string> = params) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
      });
    const before = statuses.length;

    expect((await post({})).status).toBe(403);
    const forged = twilio.getExpectedTwilioSignature('some-other-token', url, params);
    expect((await post({ 'x-twilio-signature': forged })).status).toBe(403);
    const genuine = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
    const tampered = { ...params, MessageStatus: 'failed' };
    expect((await post({ 'x-twilio-signature': genuine }, tampered)).status).toBe(403);
    const otherPath = twilio.getExpectedTwilioSignature(
      AUTH_TOKEN,
      `${publicUrl}/webhooks/twilio/inbound`,
      params,
    );
    expect((await post({ 'x-twilio-signature': otherPath })).status).toBe(403);
    const forgedJson = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twilio-signature': forged },
      body: JSON.stringify(params),
    });
    expect(forgedJson.status).toBe(403);
    // A genuine signature replayed as JSON: Twilio never sends JSON, so it is refused too.
    const replayedAsJson = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twilio-signature': genuine },
      body: JSON.stringify(params),
    });
    expect(replayedAsJson.status).toBe(415);
    expect(statuses.length).toBe(before);

    // Control: the same request correctly signed is accepted.
    expect((await post({ 'x-twilio-signature': genuine })).status).toBe(204);
    expect(statuses.at(-1)).toEqual({ sid: params.MessageSid, status: 'delivered' });
  });

  it('answers 403 to an unsigned inbound message', async () => {
    const response = await fetch(`${publicUrl}/webhooks/twilio/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: DEBTOR, To: FROM, Body: 'STOP', MessageSid: 'SMx' }).toString(),
    });
    expect(response.status).toBe(403);
    expect(inbound.some((m) => m.sid === 'SMx')).toBe(false);
  });

  it('passes an inbound "Stop" to onInbound and returns its TwiML reply; Twilio then blocks the number', async () => {
    const stopper = '+4915199999999';
    const result = await sink.sendInbound({
      from: stopper,
      to: FROM,
      body: 'Stop',
      webhookUrl: `${publicUrl}/webhooks/twilio/inbound`,
    });
    expect(result.responseStatus).toBe(200);
    expect(result.contentType).toContain('text/xml');
    expect(result.twiml).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${CONFIRMATION}</Message></Response>`,
    );
    const seen = inbound.find((m) => m.sid === result.sid);
    expect(seen).toEqual({ from: stopper, to: FROM, body: 'Stop', sid: result.sid });
    expect(isStopKeyword(seen?.body ?? '')).toBe(true);

    // STOP is one of Twilio's own opt-out words: it blocks the number, also for our reply.
    const reply = sink.messages().find((m) => m.direction === 'outbound-reply' && m.to === stopper);
    expect(reply).toMatchObject({ body: CONFIRMATION, status: 'failed', errorCode: 21610 });
    const error = await sendError(sender, stopper);
    expect(error).toMatchObject({ code: 21610, reason: 'opted-out' });
  });

  it('replies to a German "ABMELDEN" (unknown to Twilio): the opt-out is ours to record', async () => {
    const stopper = '+4915188888888';
    const result = await sink.sendInbound({
      from: stopper,
      to: FROM,
      body: ' abmelden. ',
      webhookUrl: `${publicUrl}/webhooks/twilio/inbound`,
    });
    expect(result.reply).toBe(CONFIRMATION);
    const reply = sink.messages().find((m) => m.direction === 'outbound-reply' && m.to === stopper);
    expect(reply).toMatchObject({ status: 'delivered', from: FROM });
  });

  it('escapes the reply in TwiML and answers <Response/> when there is nothing to say', async () => {
    const webhookUrl = `${publicUrl}/webhooks/twilio/inbound`;
    const question = await sink.sendInbound({ from: DEBTOR, to: FROM, body: 'Wie zahle ich?', webhookUrl });
    expect(question.twiml).toContain(
      '<Message>Fragen? Rufen Sie uns an: &lt;030 1234567&gt; &amp; &quot;wir&quot; helfen.</Message>',
    );
    expect(question.reply).toBe(HELP);

    const thanks = await sink.sendInbound({ from: DEBTOR, to: FROM, body: 'Danke', webhookUrl });
    expect(thanks.twiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(thanks.reply).toBeUndefined();
  });
});

describe('STOP / START keywords', () => {
  it.each([
    'STOP',
    'stop',
    '  Stop!  ',
    'Stopp',
    'STOPP.',
    'abmelden',
    'Abmelden!',
    'unsubscribe',
    'End',
    'quit',
    'Cancel',
    'revoke',
    'optout',
    'OPT OUT',
    'opt-out',
    'StopAll',
    'STOP ALL',
    'ＳＴＯＰ', // full-width
    'stop 🛑',
  ])('%j is an opt-out', (body) => {
    expect(isStopKeyword(body)).toBe(true);
  });

  it.each(['please stop', 'stop it', 'Stopover', 'START', 'ending', 'abmelden bitte', '', 'STOPSTOP'])(
    '%j is not an opt-out (whole message only)',
    (body) => {
      expect(isStopKeyword(body)).toBe(false);
    },
  );

  it.each([
    ['START', true],
    ['start ', true],
    ['Unstop', true],
    ['YES', false],
    ['start again', false],
    ['STOP', false],
  ] as const)('isStartKeyword(%j) = %s', (body, expected) => {
    expect(isStartKeyword(body)).toBe(expected);
  });
});
