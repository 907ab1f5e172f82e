import { EventEmitter } from 'node:events';
import { waitForMessage } from './wait-for.js';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerSession } from 'smtp-server';

export interface CaughtEmail {
  id: number;
  receivedAt: string;
  messageId: string | undefined;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | undefined;
  headers: Record<string, string>;
}

export interface SmtpOutbox {
  port: number;
  host: string;
  /** smtp://HOST:PORT */
  url: string;
  /** Each message once: a copy received again with a Message-ID already here is not listed twice. */
  messages(): CaughtEmail[];
  /**
   * Copies received again with the Message-ID of a stored message: a sender that resent after a
   * crash (it could not know the first copy arrived). Accepted, recognised, not delivered again.
   */
  resends(): CaughtEmail[];
  /** Called for every new message once it is stored (not for resends); returns an unsubscribe. */
  onMessage(listener: (mail: CaughtEmail) => void): () => void;
  waitFor(predicate: (m: CaughtEmail) => boolean, timeoutMs?: number): Promise<CaughtEmail>;
  clear(): void;
  close(): Promise<void>;
}

/**
 * Development mail catcher: accepts every message on loopback and keeps the newest ones in memory.
 * Like a mailbox it recognises a message by its Message-ID: a resend after a sender's crash shows once.
 */
export async function startSmtpOutbox(
  options: { port?: number; host?: string; maxMessages?: number } = {},
): Promise<SmtpOutbox> {
  const host = options.host ?? '127.0.0.1';
  const maxMessages = options.maxMessages ?? 1000;
  const events = new EventEmitter().setMaxListeners(0);
  let stored: CaughtEmail[] = [];
  let resent: CaughtEmail[] = [];
  let nextId = 1;
  let closing: Promise<void> | undefined;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    banner: 'Mahnwerk dev outbox',
    closeTimeout: 1000,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const mail = toCaughtEmail(nextId++, parsed, session);
          if (mail.messageId && stored.some((m) => m.messageId === mail.messageId)) {
            resent.push(mail);
            if (resent.length > maxMessages) resent.splice(0, resent.length - maxMessages);
            callback();
            return;
          }
          stored.push(mail);
          if (stored.length > maxMessages) stored.splice(0, stored.length - maxMessages);
          callback();
          events.emit('message', mail);
        },
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Once running, a client dropping its connection must not crash the host process.
  server.on('error', () => {});

  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('SMTP outbox has no TCP address');
  const url = `smtp://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  return {
    port: address.port,
    host,
    url,
    messages: () => [...stored],
    resends: () => [...resent],
    onMessage(listener) {
      events.on('message', listener);
      return () => void events.off('message', listener);
    },
    clear() {
      stored = [];
      resent = [];
    },
    waitFor(predicate, timeoutMs = 10_000) {
      return waitForMessage(events, stored, predicate, timeoutMs, {
        what: 'No matching e-mail arrived at the SMTP outbox',
        closed: 'SMTP outbox was closed while waiting for an e-mail',
        seen: () => stored.length,
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        events.emit('close');
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

function toCaughtEmail(id: number, parsed: ParsedMail, session: SMTPServerSession): CaughtEmail {
  const { mailFrom, rcptTo } = session.envelope;
  return {
    id,
    receivedAt: new Date().toISOString(),
    messageId: parsed.messageId,
    from: parsed.from?.text ?? (mailFrom ? mailFrom.address : ''),
    // The envelope, not the To header, says who the mail was delivered to (includes Bcc).
    to: rcptTo.map((rcpt) => rcpt.address),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: parsed.html || undefined,
    headers: flattenHeaders(parsed),
  };
}

/** Lower-case header name -> string. Decoded value where mailparser has a plain one, else the raw line. */
function flattenHeaders(parsed: ParsedMail): Record<string, string> {
  const headers = new Map<string, string>();
  for (const { key, line } of parsed.headerLines) {
    const name = key.toLowerCase();
    if (headers.has(name)) continue; // first (topmost) occurrence wins
    const value = parsed.headers.get(name);
    if (typeof value === 'string') headers.set(name, value);
    else if (value && typeof value === 'object' && 'text' in value && typeof value.text === 'string')
      headers.set(name, value.text); // address headers
    else headers.set(name, rawHeaderValue(line));
  }
  return Object.fromEntries(headers);
}

function rawHeaderValue(line: string): string {
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n(?=[ \t])/g, '')
    .trim();
}
