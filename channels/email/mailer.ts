import nodemailer from 'nodemailer';
import type { NodemailerError, SendMailOptions } from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Deterministic Message-ID supplied by the caller, e.g. "<key@mahnwerk>". */
  messageId: string;
  headers?: Record<string, string>;
  listUnsubscribeUrl?: string;
}

export interface SentEmail {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
}

export interface Mailer {
  send(mail: OutgoingEmail): Promise<SentEmail>;
  close(): void;
}

/** The server refused the mail for good (SMTP 5xx): do not retry. */
export class PermanentEmailError extends Error {
  override readonly name = 'PermanentEmailError';
  constructor(
    message: string,
    readonly responseCode: number,
    readonly address?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Anything else (4xx, connection or timeout problems): retrying may succeed. */
export class TransientEmailError extends Error {
  override readonly name = 'TransientEmailError';
  constructor(
    message: string,
    readonly responseCode?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function createMailer(options: { smtpUrl: string; from: string }): Mailer {
  const transport = nodemailer.createTransport(options.smtpUrl);

  return {
    async send(mail) {
      const unsubscribe = mail.listUnsubscribeUrl;
      const message: SendMailOptions = {
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        // RFC 8058 one-click unsubscribe (List-Unsubscribe + List-Unsubscribe-Post), required by Gmail/Yahoo.
        list: unsubscribe ? { unsubscribe: { url: unsubscribe, comment: 'Abmelden' } } : undefined,
        headers: unsubscribe
          ? { ...mail.headers, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
          : mail.headers,
      };
      try {
        const info = await transport.sendMail(message);
        return {
          messageId: info.messageId,
          accepted: info.accepted,
          rejected: info.rejected,
          response: info.response,
        };
      } catch (err) {
        throw toEmailError(err);
      }
    },
    close() {
      transport.close();
    },
  };
}

function toEmailError(err: unknown): PermanentEmailError | TransientEmailError {
  if (!(err instanceof Error)) return new TransientEmailError(String(err));
  const { responseCode, recipient, rejected } = err as NodemailerError;
  if (responseCode !== undefined && responseCode >= 500) {
    return new PermanentEmailError(err.message, responseCode, recipient ?? rejected?.[0], { cause: err });
  }
  return new TransientEmailError(err.message, responseCode, { cause: err });
}
