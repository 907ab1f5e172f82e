import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The status this receiver answered. */
  answered: number;
}

/**
 * A billing system's webhook endpoint on loopback. `answer(webhookId, attempt)` picks the status of
 * each request (attempt counts from 1 per `webhook-id`); every request is kept.
 */
export async function startWebhookReceiver(answer: (webhookId: string, attempt: number) => number) {
  const received: ReceivedWebhook[] = [];
  const attempts = new Map<string, number>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = String(request.headers['webhook-id'] ?? '');
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      const status = answer(id, attempt);
      received.push({
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answered: status,
      });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received: () => [...received],
    /** What billing keeps after deduplicating on `webhook-id`: the first accepted copy of each. */
    accepted(): ReceivedWebhook[] {
      const seen = new Set<string>();
      return received.filter((r) => {
        const id = String(r.headers['webhook-id']);
        if (r.answered >= 300 || seen.has(id)) return false;
        seen.add(id);
        return true;
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
