import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { smsSegments } from './segments.js';

export interface SmsSenderOptions {
  /** AC… */
  accountSid: string;
  authToken: string;
  /** Sender number (E.164) or alphanumeric ID; either this or messagingServiceSid. */
  from?: string | undefined;
  /** MG…: Twilio picks the sender from the service's pool. Wins over `from` if both are set. */
  messagingServiceSid?: string | undefined;
  /** Where Twilio posts delivery updates, e.g. `${publicUrl}/webhooks/twilio/status`. */
  statusCallbackUrl?: string | undefined;
  /** e.g. http://127.0.0.1:PORT for the dev sink; undefined = the real https://api.twilio.com. */
  apiBaseUrl?: string | undefined;
  /** Per request, default 15 s. */
  timeoutMs?: number;
}

export interface OutgoingSms {
  /** E.164 */
  to: string;
  body: string;
  /**
   * The outbox row's key. Twilio documents no idempotency key for creating messages, so the sender
   * cannot dedupe: the outbox row (status `sent` + provider id = the SID) is what makes a retried
   * activity send only once. The key travels as `ref` in the status callback URL so a delivery
   * update finds its row even before (or without) the SID being stored.
   */
  idempotencyKey: string;
}

export interface SentSms {
  /** SM… */
  sid: string;
  /** Twilio's status at creation: usually `queued` (or `accepted` with a messaging service). */
  status: string;
  segments: number;
}

export interface SmsSender {
  send(sms: OutgoingSms): Promise<SentSms>;
  /**
   * A message to `to`, created since `since`, whose body contains `marker` (the step's own portal
   * link): how a retry after an ambiguous failure learns whether the first attempt reached Twilio.
   */
  findSent(query: { to: string; since: Date; marker: string }): Promise<SentSms | undefined>;
}

export type SmsRejection = 'opted-out' | 'invalid-number' | 'not-mobile' | 'rejected';

/** Twilio refused the message for good (4xx other than 429): do not retry. */
export class PermanentSmsError extends Error {
  override readonly name = 'PermanentSmsError';
  /** What the caller should do with the contact point: opted-out → record the opt-out, invalid/not-mobile → mark it invalid. */
  readonly reason: SmsRejection;
  constructor(
    message: string,
    /** Twilio error code, e.g. 21610; undefined when the answer had none. */
    readonly code: number | undefined,
    /** HTTP status of Twilio's answer. */
    readonly status: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.reason =
      code === 21610
        ? 'opted-out'
        : code === 21211
          ? 'invalid-number'
          : code === 21614
            ? 'not-mobile'
            : 'rejected';
  }
}

/** Rate limit (429), Twilio 5xx, network or timeout: retrying may succeed. */
export class TransientSmsError extends Error {
  override readonly name = 'TransientSmsError';
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly status: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Twilio codes that are final whatever the HTTP status says. */
const PERMANENT_CODES = new Set([21610, 21211, 21614]);

/**
 * The SDK's own HTTP client (axios, Basic auth, form encoding), with every https://api.twilio.com
 * URI moved to `baseUrl`. The SDK's `edge`/`region` options can only rename *.twilio.com hosts.
 */
class RebasedRequestClient extends twilio.RequestClient {
  readonly #base: URL;
  constructor(baseUrl: string, timeoutMs: number) {
    super({ timeout: timeoutMs, keepAlive: true });
    this.#base = new URL(baseUrl);
  }
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const original = new URL(opts.uri);
    const rebased = new URL(this.#base.href);
    rebased.pathname = `${this.#base.pathname.replace(/\/$/, '')}${original.pathname}`;
    rebased.search = original.search;
    return super.request({ ...opts, uri: rebased.href });
  }
}

export function createSmsSender(options: SmsSenderOptions): SmsSender {
  if (!options.from && !options.messagingServiceSid) {
    throw new Error('createSmsSender needs `from` or `messagingServiceSid`');
  }
  const timeoutMs = options.timeoutMs ?? 15_000;
  const client = twilio(options.accountSid, options.authToken, {
    timeout: timeoutMs,
    // Retries belong to the Temporal activity, which re-checks the outbox row first.
    autoRetry: false,
    ...(options.apiBaseUrl ? { httpClient: new RebasedRequestClient(options.apiBaseUrl, timeoutMs) } : {}),
  });

  return {
    async send({ to, body, idempotencyKey }) {
      try {
        const message = await client.messages.create({
          to,
          body,
          ...(options.messagingServiceSid
            ? { messagingServiceSid: options.messagingServiceSid }
            : { from: options.from }),
          ...(options.statusCallbackUrl
            ? { statusCallback: withRef(options.statusCallbackUrl, idempotencyKey) }
            : {}),
        });
        const reported = Number.parseInt(message.numSegments, 10);
        return {
          sid: message.sid,
          status: message.status,
          segments: Number.isFinite(reported) && reported > 0 ? reported : smsSegments(body).segments,
        };
      } catch (error) {
        throw toSmsError(error);
      }
    },

    async findSent({ to, since, marker }) {
      try {
        // Newest first; a step's message is among the last few sent to that number.
        const recent = await client.messages.list({ to, limit: 50 });
        // Clocks differ a little between us and Twilio: a minute of slack.
        const earliest = since.getTime() - 60_000;
        const match = recent.find(
          (m) =>
            m.direction.startsWith('outbound') &&
            m.dateCreated.getTime() >= earliest &&
            m.body.includes(marker),
        );
        if (!match) return undefined;
        return {
          sid: match.sid,
          status: match.status,
          segments: Number.parseInt(match.numSegments, 10) || 1,
        };
      } catch (error) {
        throw toSmsError(error);
      }
    },
  };
}

/** Appends `ref=<key>`; strict percent-encoding so the URL Twilio signs and the one we receive match byte for byte. */
function withRef(url: string, key: string): string {
  const encoded = encodeURIComponent(key).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${url}${url.includes('?') ? '&' : '?'}ref=${encoded}`;
}

/** Twilio's error answers (RestException, or TwilioServiceException for RFC 9457 bodies) both carry `status` and `code`. */
function twilioFailure(error: unknown): { status: number; code: number | undefined } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ('isAxiosError' in error && error.isAxiosError === true) return undefined; // no answer: network/timeout
  const { status, code } = error as { status?: unknown; code?: unknown };
  if (typeof status !== 'number' || status < 100 || status > 599) return undefined;
  return { status, code: typeof code === 'number' ? code : undefined };
}

function toSmsError(error: unknown): PermanentSmsError | TransientSmsError {
  const message = error instanceof Error ? error.message : String(error);
  const cause = { cause: error };
  const failure = twilioFailure(error);
  if (!failure)
    return new TransientSmsError(message || 'Twilio could not be reached', undefined, undefined, cause);
  const { status, code } = failure;
  const text = `Twilio answered ${status}${code !== undefined ? ` (error ${code})` : ''}: ${message}`;
  if (
    (code !== undefined && PERMANENT_CODES.has(code)) ||
    (status >= 400 && status < 500 && status !== 429)
  ) {
    return new PermanentSmsError(text, code, status, cause);
  }
  return new TransientSmsError(text, code, status, cause);
}
