import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { waitForMessage } from './wait-for.js';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { twilioOptOutType } from '../channels/sms/keywords.js';
import { smsSegments } from '../channels/sms/segments.js';

/**
 * Development stand-in for Twilio's Messages API on loopback: the real SDK talks to it (through
 * the sender's `apiBaseUrl`), it answers like Twilio, and it posts signed status callbacks and
 * inbound-message webhooks the way Twilio does, so the webhook code is exercised unchanged.
 */
export interface SmsSinkOptions {
  port?: number;
  host?: string;
  accountSid: string;
  authToken: string;
  /** Recipients that answer 21610 (opted out). Also filled by an inbound STOP, as Twilio does. */
  optedOutNumbers?: Iterable<string>;
  /** Recipients that answer 21614 (not a mobile number). */
  landlineNumbers?: Iterable<string>;
  /** Recipients that are accepted but end `undelivered` with ErrorCode 30003 (handset unreachable). */
  undeliverableNumbers?: Iterable<string>;
  /** The number a messaging service "picks" when only MessagingServiceSid is given. */
  defaultFrom?: string;
  /** Pause before each status callback (default 0: right after the API answer is written). */
  callbackDelayMs?: number;
  maxMessages?: number;
}

export type SinkDirection = 'outbound-api' | 'outbound-reply' | 'inbound';

export interface SinkMessage {
  sid: string;
  direction: SinkDirection;
  accountSid: string;
  to: string;
  from: string;
  messagingServiceSid: string | undefined;
  body: string;
  /** accepted | queued | sent | delivered | undelivered | failed | received */
  status: string;
  errorCode: number | undefined;
  numSegments: number;
  encoding: 'GSM-7' | 'UCS-2';
  statusCallback: string | undefined;
  dateCreated: string;
  dateUpdated: string;
}

/** One call to the Messages API as it arrived, with the answer given. */
export interface SinkApiRequest {
  method: string;
  path: string;
  /** Basic-auth user name and password as sent, undefined without Basic auth. */
  username: string | undefined;
  password: string | undefined;
  contentType: string | undefined;
  userAgent: string | undefined;
  form: Record<string, string>;
  responseStatus: number;
  receivedAt: string;
}

/** One webhook the sink posted (status callback or inbound message) and how it was answered. */
export interface SinkWebhook {
  kind: 'status' | 'inbound';
  url: string;
  params: Record<string, string>;
  signature: string;
  /** undefined when the request failed before an answer (error says why). */
  responseStatus: number | undefined;
  error: string | undefined;
}

export interface InboundResult {
  sid: string;
  responseStatus: number;
  contentType: string | undefined;
  /** The webhook's answer as received (TwiML). */
  twiml: string;
  /** Text of the first <Message> in the TwiML, which Twilio would send back to the debtor. */
  reply: string | undefined;
}

export interface SmsSink {
  port: number;
  host: string;
  /** http://HOST:PORT: pass as the sender's apiBaseUrl. */
  url: string;
  messages(): SinkMessage[];
  requests(): SinkApiRequest[];
  webhooks(): SinkWebhook[];
  /** Called on every new message and status change; returns an unsubscribe. */
  onMessage(listener: (m: SinkMessage) => void): () => void;
  /** Resolves with the first message (existing or future, including status changes) that matches. */
  waitFor(predicate: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  /** The next `count` Messages API calls answer `httpStatus` (e.g. 429, 500, 503) with a Twilio error body. */
  failNext(count: number, httpStatus: number): void;
  optOut(number: string): void;
  optIn(number: string): void;
  /** Posts a signed inbound-message webhook like Twilio does when `from` texts `to`. */
  sendInbound(message: {
    from: string;
    to: string;
    body: string;
    webhookUrl: string;
  }): Promise<InboundResult>;
  clear(): void;
  close(): Promise<void>;
}

const API_VERSION = '2010-04-01';
const E164 = /^\+[1-9]\d{6,14}$/;
const CREATE_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const FETCH_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/;
const MAX_BODY_BYTES = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startSmsSink(options: SmsSinkOptions): Promise<SmsSink> {
  const host = options.host ?? '127.0.0.1';
  const maxMessages = options.maxMessages ?? 1000;
  const callbackDelayMs = options.callbackDelayMs ?? 0;
  const defaultFrom = options.defaultFrom ?? '+15005550006';
  const optedOut = new Set(options.optedOutNumbers ?? []);
  const landlines = new Set(options.landlineNumbers ?? []);
  const undeliverable = new Set(options.undeliverableNumbers ?? []);
  const events = new EventEmitter().setMaxListeners(0);
  const shutdown = new AbortController();
  const pending = new Set<Promise<void>>();
  let stored: SinkMessage[] = [];
  let requestLog: SinkApiRequest[] = [];
  let webhookLog: SinkWebhook[] = [];
  let failures: { remaining: number; status: number } = { remaining: 0, status: 500 };
  let closing: Promise<void> | undefined;

  const track = (work: Promise<void>): void => {
    const running = work.catch(() => {}).finally(() => pending.delete(running));
    pending.add(running);
  };

  const remember = <T>(list: T[], item: T): void => {
    list.push(item);
    if (list.length > maxMessages) list.splice(0, list.length - maxMessages);
  };

  const publish = (message: SinkMessage): void => {
    events.emit('message', { ...message });
  };

  const store = (message: SinkMessage): void => {
    remember(stored, message);
    publish(message);
  };

  const setStatus = (message: SinkMessage, status: string, errorCode?: number): void => {
    message.status = status;
    message.errorCode = errorCode;
    message.dateUpdated = new Date().toISOString();
    publish(message);
  };

  /** Form-encoded, signed with the auth token over URL + sorted params: what Twilio sends. */
  async function postWebhook(
    kind: SinkWebhook['kind'],
    url: string,
    params: Record<string, string>,
  ): Promise<{ status: number; contentType: string | undefined; text: string }> {
    const signature = twilio.getExpectedTwilioSignature(options.authToken, url, params);
    const record: SinkWebhook = {
      kind,
      url,
      params,
      signature,
      responseStatus: undefined,
      error: undefined,
    };
    remember(webhookLog, record);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          'x-twilio-signature': signature,
          'i-twilio-idempotency-token': randomUUID(),
          'user-agent': 'TwilioProxy/1.1',
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.any([shutdown.signal, AbortSignal.timeout(10_000)]),
      });
      const text = await response.text();
      record.responseStatus = response.status;
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? undefined,
        text,
      };
    } catch (error) {
      record.error = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  /** sent, then delivered (or undelivered with ErrorCode), each posted once: Twilio does not retry these. */
  async function deliver(message: SinkMessage): Promise<void> {
    const final: [string, number | undefined] = undeliverable.has(message.to)
      ? ['undelivered', 30003]
      : ['delivered', undefined];
    for (const [status, errorCode] of [['sent', undefined], final] as const) {
      if (callbackDelayMs > 0) await sleep(callbackDelayMs, shutdown.signal);
      if (shutdown.signal.aborted) return;
      setStatus(message, status, errorCode);
      if (!message.statusCallback) continue;
      const params: Record<string, string> = {
        SmsSid: message.sid,
        SmsStatus: status,
        MessageStatus: status,
        To: message.to,
        From: message.from,
        MessageSid: message.sid,
        AccountSid: message.accountSid,
        ApiVersion: API_VERSION,
        ...(message.messagingServiceSid ? { MessagingServiceSid: message.messagingServiceSid } : {}),
        ...(errorCode !== undefined ? { ErrorCode: String(errorCode) } : {}),
      };
      try {
        await postWebhook('status', message.statusCallback, params);
      } catch {
        // recorded in webhooks(); Twilio moves on as well
      }
    }
  }

  function createMessage(accountSid: string, form: Record<string, string>): SinkMessage {
    const to = form.To;
    const from = form.From;
    const messagingServiceSid = form.MessagingServiceSid;
    const body = form.Body;
    if (!to) throw new HttpError(400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to)) throw new HttpError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from && !messagingServiceSid) throw new HttpError(400, 21603, "A 'From' phone number is required.");
    if (body === undefined || body === '') throw new HttpError(400, 21602, 'Message body is required.');
    if (body.length > 1600) {
      throw new HttpError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    }
    if (optedOut.has(to)) throw new HttpError(400, 21610, 'Attempt to send to unsubscribed recipient');
    if (landlines.has(to)) throw new HttpError(400, 21614, `'To' number ${to} is not a valid mobile number`);
    const segments = smsSegments(body);
    const now = new Date().toISOString();
    return {
      sid: newSid('SM'),
      direction: 'outbound-api',
      accountSid,
      to,
      from: from || defaultFrom,
      messagingServiceSid: messagingServiceSid || undefined,
      body,
      status: from ? 'queued' : 'accepted',
      errorCode: undefined,
      numSegments: segments.segments,
      encoding: segments.encoding,
      statusCallback: form.StatusCallback || undefined,
      dateCreated: now,
      dateUpdated: now,
    };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const method = request.method ?? 'GET';
    const credentials = basicAuth(request.headers.authorization);
    const log: SinkApiRequest = {
      method,
      path,
      username: credentials?.username,
      password: credentials?.password,
      contentType: request.headers['content-type'],
      userAgent: request.headers['user-agent'],
      form: {},
      responseStatus: 0,
      receivedAt: new Date().toISOString(),
    };
    remember(requestLog, log);
    const answer = (status: number, json: unknown, after?: () => void): void => {
      log.responseStatus = status;
      const text = JSON.stringify(json);
      response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'twilio-request-id': newSid('RQ'),
      });
      response.end(text, after);
    };

    try {
      const form = Object.fromEntries(new URLSearchParams(await readBody(request)));
      log.form = form;
      const create = CREATE_PATH.exec(path);
      const fetchOne = FETCH_PATH.exec(path);
      const list = create && method === 'GET';
      if (!(create && (method === 'POST' || list)) && !(fetchOne && method === 'GET')) {
        throw new HttpError(404, 20404, `The requested resource ${path} was not found`);
      }
      if (create && !list && failures.remaining > 0) {
        failures.remaining -= 1;
        const status = failures.status;
        // Twilio's codes for these are 20000 + status (20429 Too Many Requests, 20500, 20503).
        throw new HttpError(status, 20000 + status, STATUS_CODES[status] ?? 'Error');
      }
      if (credentials?.username !== options.accountSid || credentials.password !== options.authToken) {
        throw new HttpError(401, 20003, 'Authenticate');
      }
      const pathSid = (create ?? fetchOne)?.[1];
      if (pathSid !== options.accountSid) {
        throw new HttpError(404, 20404, `The requested resource ${path} was not found`);
      }
      if (list) {
        answer(200, listPage(path, new URL(request.url ?? '/', 'http://sink').searchParams));
        return;
      }
      if (fetchOne) {
        const found = stored.find((m) => m.sid === fetchOne[2]);
        if (!found) throw new HttpError(404, 20404, `The requested resource ${path} was not found`);
        answer(200, toTwilioJson(found));
        return;
      }
      const message = createMessage(options.accountSid, form);
      const created = toTwilioJson(message);
      store(message);
      // Callbacks start once the API answer is on the wire, as with Twilio.
      answer(201, created, () => track(deliver(message)));
    } catch (error) {
      const e = error instanceof HttpError ? error : new HttpError(500, 20500, 'Internal Server Error');
      answer(e.status, {
        code: e.code,
        message: e.message,
        more_info: `https://www.twilio.com/docs/errors/${e.code}`,
        status: e.status,
      });
    }
  }

  /** GET …/Messages.json: newest first, filtered by To and From as Twilio does; one page is enough here. */
  function listPage(path: string, query: URLSearchParams) {
    const to = query.get('To');
    const from = query.get('From');
    const pageSize = Math.min(Number(query.get('PageSize') ?? 50) || 50, 1000);
    const messages = stored
      .filter((m) => (!to || m.to === to) && (!from || m.from === from))
      .reverse()
      .slice(0, pageSize)
      .map(toTwilioJson);
    return {
      messages,
      start: 0,
      end: Math.max(messages.length - 1, 0),
      page: 0,
      page_size: pageSize,
      uri: path,
      first_page_uri: path,
      next_page_uri: null,
      previous_page_uri: null,
    };
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error));
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {});
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    port,
    host,
    url,
    messages: () => stored.map((m) => ({ ...m })),
    requests: () => requestLog.map((r) => ({ ...r })),
    webhooks: () => webhookLog.map((w) => ({ ...w })),
    clear() {
      stored = [];
      requestLog = [];
      webhookLog = [];
    },
    failNext(count, httpStatus) {
      failures = { remaining: count, status: httpStatus };
    },
    optOut(number) {
      optedOut.add(number);
    },
    optIn(number) {
      optedOut.delete(number);
    },
    onMessage(listener) {
      events.on('message', listener);
      return () => void events.off('message', listener);
    },
    waitFor(predicate, timeoutMs = 10_000) {
      return waitForMessage(events, stored, predicate, timeoutMs, {
        what: 'No matching SMS reached the sink',
        closed: 'SMS sink was closed while waiting for a message',
        seen: () => stored.length,
      }).then((message) => ({ ...message }));
    },
    async sendInbound({ from, to, body, webhookUrl }) {
      const sid = newSid('SM');
      const segments = smsSegments(body);
      // Twilio's default opt-out handling blocks the sender before the webhook sees the message.
      const optOutType = twilioOptOutType(body);
      if (optOutType === 'STOP') optedOut.add(from);
      if (optOutType === 'START') optedOut.delete(from);
      const now = new Date().toISOString();
      store({
        sid,
        direction: 'inbound',
        accountSid: options.accountSid,
        to,
        from,
        messagingServiceSid: undefined,
        body,
        status: 'received',
        errorCode: undefined,
        numSegments: segments.segments,
        encoding: segments.encoding,
        statusCallback: undefined,
        dateCreated: now,
        dateUpdated: now,
      });
      const params: Record<string, string> = {
        ToCountry: '',
        SmsMessageSid: sid,
        NumMedia: '0',
        SmsSid: sid,
        SmsStatus: 'received',
        Body: body,
        To: to,
        NumSegments: String(segments.segments),
        MessageSid: sid,
        AccountSid: options.accountSid,
        From: from,
        ApiVersion: API_VERSION,
        ...(optOutType ? { OptOutType: optOutType } : {}),
      };
      const answer = await postWebhook('inbound', webhookUrl, params);
      const reply = answer.status < 300 ? firstMessage(answer.text) : undefined;
      if (reply !== undefined) {
        const replySegments = smsSegments(reply);
        // A number that opted out at Twilio gets no reply either (21610); Twilio sends its own confirmation.
        const blocked = optedOut.has(from);
        const at = new Date().toISOString();
        store({
          sid: newSid('SM'),
          direction: 'outbound-reply',
          accountSid: options.accountSid,
          to: from,
          from: to,
          messagingServiceSid: undefined,
          body: reply,
          status: blocked ? 'failed' : 'delivered',
          errorCode: blocked ? 21610 : undefined,
          numSegments: replySegments.segments,
          encoding: replySegments.encoding,
          statusCallback: undefined,
          dateCreated: at,
          dateUpdated: at,
        });
      }
      return {
        sid,
        responseStatus: answer.status,
        contentType: answer.contentType,
        twiml: answer.text,
        reply,
      };
    },
    close() {
      closing ??= (async () => {
        events.emit('close');
        shutdown.abort();
        await Promise.all([...pending]);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/** The create/fetch answer: snake_case, num_segments as a string, RFC 2822 dates, like Twilio. */
function toTwilioJson(m: SinkMessage): Record<string, unknown> {
  const rfc2822 = (iso: string) => new Date(iso).toUTCString().replace('GMT', '+0000');
  return {
    account_sid: m.accountSid,
    api_version: API_VERSION,
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_updated: rfc2822(m.dateUpdated),
    date_sent: null,
    direction: m.direction,
    error_code: m.errorCode ?? null,
    error_message: null,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid ?? null,
    num_media: '0',
    num_segments: String(m.numSegments),
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `/${API_VERSION}/Accounts/${m.accountSid}/Messages/${m.sid}/Media.json` },
    to: m.to,
    uri: `/${API_VERSION}/Accounts/${m.accountSid}/Messages/${m.sid}.json`,
  };
}

function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

function basicAuth(header: string | undefined): { username: string; password: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 20413, 'Request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Text of the first <Message> (plain or with <Body>) in a TwiML answer. */
function firstMessage(twiml: string): string | undefined {
  const match = /<Message(?:\s[^>]*)?>([\s\S]*?)<\/Message>/.exec(twiml);
  if (!match?.[1]) return undefined;
  const inner = /<Body(?:\s[^>]*)?>([\s\S]*?)<\/Body>/.exec(match[1])?.[1] ?? match[1];
  return unescapeXml(inner);
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (entity, name: string) => {
    const lower = name.toLowerCase();
    if (lower === 'lt') return '<';
    if (lower === 'gt') return '>';
    if (lower === 'quot') return '"';
    if (lower === 'apos') return "'";
    if (lower === 'amp') return '&';
    const code = lower.startsWith('#x')
      ? Number.parseInt(lower.slice(2), 16)
      : Number.parseInt(lower.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : entity;
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
