import { z } from 'zod';
import { postalAddressSchema } from '../../domain/postal-address.js';

/**
 * The print-and-mail provider's HTTP API, as Mahnwerk speaks it (README "Letters"):
 * `POST {LETTER_API_URL}/letters` with a JSON body, `Idempotency-Key: <key>` and, when configured,
 * `Authorization: Bearer <LETTER_API_KEY>`. The provider answers 200/201 `{ "id": "…" }`, and the
 * same id again for a key it has seen: a resend after a crash is recognised, not printed twice.
 */
export const letterRequestSchema = z.strictObject({
  /** The outbox row's key: one letter per (case, episode, step). */
  idempotencyKey: z.string().min(1).max(300),
  recipient: z.strictObject({ name: z.string().min(1).max(200), address: postalAddressSchema }),
  /** The whole letter as a PDF (A4, DIN 5008 form B for a window envelope), base64. */
  pdf: z.base64().min(1),
  /** Shown by the provider next to the letter; Mahnwerk's own ids, never contact data. */
  metadata: z.strictObject({ debtorId: z.string().min(1), template: z.string().min(1) }),
});
export type LetterRequest = z.infer<typeof letterRequestSchema>;

const letterAnswerSchema = z.object({ id: z.string().min(1) });

export interface LetterProvider {
  send(letter: LetterRequest): Promise<{ id: string }>;
}

/** The provider refused the letter for good (4xx other than 408/409/429): a retry cannot succeed. */
export class PermanentLetterError extends Error {
  override readonly name = 'PermanentLetterError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const RETRYABLE_STATUSES = new Set([408, 409, 429]);

export function createLetterProvider(options: {
  apiUrl: string;
  apiKey?: string | undefined;
  /** Per request, default 30 s (a PDF is a few hundred kilobytes). */
  timeoutMs?: number;
}): LetterProvider {
  const endpoint = `${options.apiUrl.replace(/\/$/, '')}/letters`;
  return {
    async send(letter) {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': letter.idempotencyKey,
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify(letter),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const text = await response.text();
      if (!response.ok) {
        const message = `letter provider answered ${response.status}: ${text.slice(0, 300)}`;
        // 5xx, timeouts and rate limits are thrown as plain errors: the activity retries them.
        if (response.status < 500 && !RETRYABLE_STATUSES.has(response.status))
          throw new PermanentLetterError(message, response.status);
        throw new Error(message);
      }
      const answer = letterAnswerSchema.safeParse(JSON.parse(text));
      if (!answer.success) throw new Error(`letter provider answered without an id: ${text.slice(0, 300)}`);
      return { id: answer.data.id };
    },
  };
}
