import type { FastifyPluginAsync } from 'fastify';
import type Stripe from 'stripe';
import type { CaseClient } from '../../client/cases.js';
import type { Database } from '../../db/database.js';
import { recordPortalAction } from '../../db/portal-events.js';
import { recordPaymentAndTellCase } from '../../payments/record.js';
import { paymentFromWebhook } from '../../payments/stripe-checkout.js';

export interface StripeWebhookOptions {
  db: Database;
  cases: CaseClient;
  stripe: Stripe;
  webhookSecret: string;
}

/**
 * POST /webhooks/stripe: a paid Checkout Session becomes a payment, through the same path as the
 * billing API's payments, recorded once per session: a replayed or repeated event pays nothing twice.
 * The signature is checked over the raw body; anything unsigned or forged gets 400.
 */
export const stripeWebhookRoutes: FastifyPluginAsync<StripeWebhookOptions> = async (app, deps) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/webhooks/stripe', { schema: { hide: true }, bodyLimit: 1_048_576 }, async (request, reply) => {
    const signature = request.headers['stripe-signature'];
    if (typeof signature !== 'string' || !Buffer.isBuffer(request.body)) {
      return reply.status(400).send({ error: 'invalid_signature', message: 'Stripe-Signature is missing' });
    }
    let found: ReturnType<typeof paymentFromWebhook>;
    try {
      found = paymentFromWebhook(deps.stripe, deps.webhookSecret, request.body, signature);
    } catch (error) {
      request.log.warn({ err: error }, 'rejected a Stripe webhook');
      return reply.status(400).send({ error: 'invalid_signature', message: 'the signature does not match' });
    }
    if (!found) return { received: true };
    const { debtorId, payment, eventId } = found;
    const { duplicate } = await recordPaymentAndTellCase(deps.db, deps.cases, debtorId, payment);
    if (!duplicate) {
      await recordPortalAction(deps.db, {
        debtorId,
        type: 'paid',
        summary: `Card payment of ${payment.amount} ${payment.currency} received through Stripe`,
        data: { method: 'card', amount: payment.amount, currency: payment.currency, eventId },
      });
    }
    return { received: true, duplicate };
  });
};
