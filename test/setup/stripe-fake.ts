import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A loopback stand-in for Stripe Checkout that the real `stripe` SDK talks to (host/port/protocol):
 * it creates Checkout Sessions, shows a checkout page with a pay button, and on payment posts a
 * `checkout.session.completed` webhook signed the way Stripe signs it, then redirects the browser
 * to the session's success URL. Events can be delivered again (replay) or forged.
 */
export interface FakeSession {
  id: string;
  object: 'checkout.session';
  mode: 'payment';
  status: 'open' | 'complete';
  payment_status: 'unpaid' | 'paid';
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  success_url: string;
  cancel_url: string;
  url: string;
  livemode: false;
}

export interface StripeFake {
  url: string;
  secretKey: string;
  webhookSecret: string;
  sessions: Map<string, FakeSession>;
  /** Webhook deliveries as answered by Mahnwerk. */
  deliveries: { eventId: string; status: number; body: string }[];
  /** Sends a stored event again, freshly signed: what Stripe does on a retry. */
  redeliver(eventId: string): Promise<{ status: number; body: string }>;
  /** Posts an event signed with the wrong secret. */
  forge(session: FakeSession): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export async function startStripeFake(options: { webhookUrl: () => string }): Promise<StripeFake> {
  const secretKey = 'sk_test_portal0123456789';
  const webhookSecret = 'whsec_portal0123456789abcdef';
  const signer = new Stripe(secretKey);
  const sessions = new Map<string, FakeSession>();
  const events = new Map<string, string>();
  const deliveries: StripeFake['deliveries'] = [];
  let next = 1;

  const post = async (payload: string, secret: string) => {
    const response = await fetch(options.webhookUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': signer.webhooks.generateTestHeaderString({ payload, secret }),
      },
      body: payload,
    });
    return { status: response.status, body: await response.text() };
  };
  const completed = (session: FakeSession) => {
    const event = {
      id: `evt_test_${next++}`,
      object: 'event',
      api_version: '2025-01-01',
      created: Math.floor(Date.now() / 1000),
      type: 'checkout.session.completed',
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: session },
    };
    return { id: event.id, payload: JSON.stringify(event) };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': type, 'request-id': `req_${next++}`, ...headers });
      response.end(body);
    };
    if (request.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      if (request.headers.authorization !== `Bearer ${secretKey}`) {
        return send(401, 'application/json', JSON.stringify({ error: { type: 'invalid_request_error' } }));
      }
      const form = new URLSearchParams(await readBody(request));
      const id = `cs_test_${next++}`;
      const session: FakeSession = {
        id,
        object: 'checkout.session',
        mode: 'payment',
        status: 'open',
        payment_status: 'unpaid',
        amount_total:
          Number(form.get('line_items[0][price_data][unit_amount]')) *
          Number(form.get('line_items[0][quantity]')),
        currency: form.get('line_items[0][price_data][currency]') ?? '',
        client_reference_id: form.get('client_reference_id'),
        metadata: { debtorId: form.get('metadata[debtorId]') ?? '' },
        success_url: form.get('success_url') ?? '',
        cancel_url: form.get('cancel_url') ?? '',
        url: `${fake.url}/checkout/${id}`,
        livemode: false,
      };
      sessions.set(id, session);
      return send(200, 'application/json', JSON.stringify(session));
    }
    const checkout = /^\/checkout\/(cs_test_\d+)$/.exec(url.pathname);
    const session = checkout && sessions.get(checkout[1]!);
    if (session && request.method === 'GET') {
      return send(
        200,
        'text/html; charset=utf-8',
        `<!doctype html><html lang="en"><head><title>Test checkout</title></head><body><main><h1>Test checkout</h1><p>${session.amount_total} ${session.currency}</p><form method="post"><button type="submit">Pay</button></form></main></body></html>`,
      );
    }
    if (session && request.method === 'POST') {
      Object.assign(session, { status: 'complete', payment_status: 'paid' });
      const event = completed(session);
      events.set(event.id, event.payload);
      const answer = await post(event.payload, webhookSecret);
      deliveries.push({ eventId: event.id, ...answer });
      return send(303, 'text/plain', '', {
        location: session.success_url.replace('{CHECKOUT_SESSION_ID}', session.id),
      });
    }
    return send(404, 'application/json', JSON.stringify({ error: { type: 'invalid_request_error' } }));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: StripeFake = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secretKey,
    webhookSecret,
    sessions,
    deliveries,
    async redeliver(eventId) {
      const payload = events.get(eventId);
      if (!payload) throw new Error(`no event ${eventId}`);
      const answer = await post(payload, webhookSecret);
      deliveries.push({ eventId, ...answer });
      return answer;
    },
    forge: (session) => post(completed(session).payload, 'whsec_forged000000000000'),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return fake;
}
