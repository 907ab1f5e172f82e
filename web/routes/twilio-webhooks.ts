import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import { acceptForms, FORM_CONTENT_TYPE } from '../forms.js';

export interface SmsStatusUpdate {
  /** SM… */
  sid: string;
  /** queued | sending | sent | delivered | undelivered | failed | read … */
  status: string;
  /** Twilio error code as sent (e.g. "30003"), only for failed/undelivered. */
  errorCode?: string;
  /** The outbox idempotency key the sender put in the callback URL (`ref`), when present. */
  idempotencyKey?: string;
}

export interface SmsInbound {
  from: string;
  to: string;
  body: string;
  sid: string;
}

export interface TwilioWebhookOptions {
  authToken: string;
  /** The URL base Twilio calls (as configured there), e.g. https://mahnwerk.example.com: signatures cover it. */
  publicUrl: string;
  onStatus(update: SmsStatusUpdate): Promise<void>;
  onInbound(message: SmsInbound): Promise<{ reply?: string }>;
}

const statusSchema = z.object({
  MessageSid: z.string().min(1),
  MessageStatus: z.string().min(1),
  ErrorCode: z.string().optional(),
});

const inboundSchema = z.object({
  MessageSid: z.string().min(1),
  From: z.string().min(1),
  To: z.string().min(1),
  Body: z.string().default(''),
});

/**
 * Twilio's callbacks: delivery status (`POST /webhooks/twilio/status`) and messages from debtors
 * (`POST /webhooks/twilio/inbound`). Every request must carry a valid `X-Twilio-Signature` for
 * publicUrl + the path and query it was sent to; anything else is answered 403 before it is read.
 */
export const twilioWebhookRoutes: FastifyPluginAsync<TwilioWebhookOptions> = async (app, options) => {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');

  acceptForms(app);

  /** The parsed form when the signature is valid, else undefined after answering 403 (or 415). */
  function verified(request: FastifyRequest, reply: FastifyReply): Record<string, unknown> | undefined {
    const signature = request.headers['x-twilio-signature'];
    const params = isRecord(request.body) ? request.body : {};
    const url = publicUrl + request.url;
    if (typeof signature !== 'string' || !twilio.validateRequest(options.authToken, signature, url, params)) {
      request.log.warn({ url }, 'Twilio webhook with a missing or invalid signature');
      void reply.status(403).type('text/plain; charset=utf-8').send('Twilio request validation failed.');
      return undefined;
    }
    // Twilio only ever posts forms: the same params replayed as JSON are not a Twilio request.
    if (!request.headers['content-type']?.toLowerCase().startsWith(FORM_CONTENT_TYPE)) {
      void reply.status(415).type('text/plain; charset=utf-8').send(`Expected ${FORM_CONTENT_TYPE}.`);
      return undefined;
    }
    return params;
  }

  const badRequest = (reply: FastifyReply, issues: z.ZodError) =>
    reply.status(400).send({
      error: 'invalid_request',
      message: `Missing or invalid Twilio parameters: ${issues.issues.map((i) => i.path.join('.')).join(', ')}`,
    });

  app.post('/webhooks/twilio/status', { schema: { hide: true } }, async (request, reply) => {
    const params = verified(request, reply);
    if (!params) return reply;
    const parsed = statusSchema.safeParse(params);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const ref = new URL(request.url, 'http://localhost').searchParams.get('ref');
    await options.onStatus({
      sid: parsed.data.MessageSid,
      status: parsed.data.MessageStatus,
      ...(parsed.data.ErrorCode ? { errorCode: parsed.data.ErrorCode } : {}),
      ...(ref ? { idempotencyKey: ref } : {}),
    });
    return reply.status(204).send();
  });

  app.post('/webhooks/twilio/inbound', { schema: { hide: true } }, async (request, reply) => {
    const params = verified(request, reply);
    if (!params) return reply;
    const parsed = inboundSchema.safeParse(params);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const { reply: text } = await options.onInbound({
      from: parsed.data.From,
      to: parsed.data.To,
      body: parsed.data.Body,
      sid: parsed.data.MessageSid,
    });
    return reply.type('text/xml; charset=utf-8').send(twiml(text));
  });
};

/** TwiML answer: one <Message> with the reply, or an empty <Response/> (no reply). */
export function twiml(reply: string | undefined): string {
  const head = '<?xml version="1.0" encoding="UTF-8"?>';
  return reply ? `${head}<Response><Message>${escapeXml(reply)}</Message></Response>` : `${head}<Response/>`;
}

const escapeXml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch] ?? ch,
  );

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
