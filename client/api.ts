import createClient, { type Client } from 'openapi-fetch';
import { Webhook } from 'standardwebhooks';
import type { paths } from './api-types.js';

/**
 * The typed client for integrators: every route and body from the OpenAPI document, one import,
 * no Temporal knowledge. Answers 429 and 503 are retried (honouring Retry-After); every Mahnwerk
 * call is idempotent, so a retry is safe.
 *
 *   const mahnwerk = createMahnwerkClient({ baseUrl: 'http://127.0.0.1:3000', apiKey });
 *   const { data, error } = await mahnwerk.GET('/v1/cases/{debtorId}', { params: { path: { debtorId } } });
 */
export type MahnwerkClient = Client<paths>;

export interface MahnwerkClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Attempts in all for a 429/503 answer (default 4). */
  attempts?: number;
  /** Waits when the answer has no Retry-After: 0.5 s, 1 s, 2 s, … (default 500 ms). */
  backoffMs?: number;
  fetch?: typeof fetch;
}

const RETRIED = new Set([429, 503]);
const MAX_WAIT_MS = 60_000;

export function createMahnwerkClient(options: MahnwerkClientOptions): MahnwerkClient {
  const { attempts = 4, backoffMs = 500, fetch: send = globalThis.fetch } = options;
  const retrying = async (request: Request): Promise<Response> => {
    for (let attempt = 1; ; attempt++) {
      const response = await send(request.clone());
      if (!RETRIED.has(response.status) || attempt >= attempts) return response;
      await response.body?.cancel();
      const wait = retryAfterMs(response.headers.get('retry-after')) ?? backoffMs * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, MAX_WAIT_MS)));
    }
  };
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.apiKey}` },
    fetch: retrying,
  });
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Checks a Mahnwerk webhook (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature;
 * secret whsec_…) on the raw body and returns the parsed event. Throws WebhookVerificationError on
 * a forged or stale (older than 5 minutes) message: answer it with 400.
 */
export function verifyWebhook(
  secret: string,
  rawBody: string | Buffer,
  headers: Record<string, string>,
): unknown {
  return new Webhook(secret).verify(rawBody, headers);
}

export { WebhookVerificationError } from 'standardwebhooks';
