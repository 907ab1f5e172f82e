import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { letterRequestSchema, type LetterRequest } from '../channels/letter/provider.js';
import { waitForMessage } from './wait-for.js';

/**
 * Development stand-in for a print-and-mail provider on loopback: it takes letters through the same
 * HTTP API a real provider is spoken to with (channels/letter/provider.ts), keeps them with their
 * PDFs in memory, and answers a key it has seen with the letter it already has, as a provider that
 * honours idempotency keys does.
 */
export interface SinkLetter {
  id: string;
  idempotencyKey: string;
  debtorId: string;
  template: string;
  recipient: LetterRequest['recipient'];
  receivedAt: string;
  pdfBytes: number;
}

export interface LetterSink {
  /** http://HOST:PORT: the LETTER_API_URL a provider client is pointed at. */
  url: string;
  /** Each letter once, oldest first. */
  letters(): SinkLetter[];
  pdf(id: string): Buffer | undefined;
  /** Requests that repeated a known idempotency key (a sender's retry): answered, not printed again. */
  repeats(): string[];
  waitFor(predicate: (letter: SinkLetter) => boolean, timeoutMs?: number): Promise<SinkLetter>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 20 * 1024 * 1024;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy(new Error('letter too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startLetterSink(
  options: { port?: number; host?: string; apiKey?: string; maxLetters?: number } = {},
): Promise<LetterSink> {
  const host = options.host ?? '127.0.0.1';
  const maxLetters = options.maxLetters ?? 1000;
  const events = new EventEmitter().setMaxListeners(0);
  const stored: SinkLetter[] = [];
  const pdfs = new Map<string, Buffer>();
  const repeated: string[] = [];

  async function receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      answer(response, 401, {
        error: 'unauthorized',
        message: 'send Authorization: Bearer <LETTER_API_KEY>',
      });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(await readBody(request));
    } catch {
      answer(response, 400, { error: 'invalid_json', message: 'the body must be JSON' });
      return;
    }
    const parsed = letterRequestSchema.safeParse(json);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      answer(response, 422, { error: 'invalid_letter', message });
      return;
    }
    const letter = parsed.data;
    const known = stored.find((l) => l.idempotencyKey === letter.idempotencyKey);
    if (known) {
      repeated.push(letter.idempotencyKey);
      answer(response, 200, { id: known.id, status: 'accepted' });
      return;
    }
    const pdf = Buffer.from(letter.pdf, 'base64');
    const caught: SinkLetter = {
      id: `ltr_${randomUUID().replaceAll('-', '')}`,
      idempotencyKey: letter.idempotencyKey,
      debtorId: letter.metadata.debtorId,
      template: letter.metadata.template,
      recipient: letter.recipient,
      receivedAt: new Date().toISOString(),
      pdfBytes: pdf.length,
    };
    stored.push(caught);
    pdfs.set(caught.id, pdf);
    if (stored.length > maxLetters)
      for (const old of stored.splice(0, stored.length - maxLetters)) pdfs.delete(old.id);
    answer(response, 201, { id: caught.id, status: 'accepted' });
    events.emit('message', caught);
  }

  const server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/letters') {
      receive(request, response).catch((error: unknown) =>
        answer(response, 500, { error: 'internal', message: String(error) }),
      );
      return;
    }
    answer(response, 404, { error: 'not_found', message: 'POST /letters is the only route' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    letters: () => stored.slice(),
    pdf: (id) => pdfs.get(id),
    repeats: () => repeated.slice(),
    waitFor: (predicate, timeoutMs = 10_000) =>
      waitForMessage(events, stored, predicate, timeoutMs, {
        what: 'a matching letter',
        closed: 'the letter sink closed',
        seen: () => stored.length,
      }),
    async close() {
      events.emit('close');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
