import Stripe from 'stripe';
import type { PaymentInput } from '../db/billing.js';
import type { PaymentProvider, PaymentRequest, Redirect } from './provider.js';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Another API endpoint (stripe-mock, a loopback stand-in in tests); undefined: Stripe itself. */
  apiUrl: string | undefined;
}

export function stripeClient(settings: StripeSettings): Stripe {
  const endpoint = settings.apiUrl ? new URL(settings.apiUrl) : undefined;
  return new Stripe(settings.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    ...(endpoint && {
      host: endpoint.hostname,
      port: endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80),
      protocol: endpoint.protocol === 'https:' ? 'https' : 'http',
    }),
  });
}

/** Card and wallets on Stripe Checkout: the portal creates a session and sends the debtor there. */
export function stripeCheckoutProvider(stripe: Stripe): PaymentProvider {
  return {
    method: 'card',
    accepts: () => true,
    async start(request: PaymentRequest): Promise<Redirect> {
      const session = await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: request.amount.currency.toLowerCase(),
              unit_amount: request.amount.amount,
              product_data: { name: request.description },
            },
          },
        ],
        client_reference_id: request.debtorId,
        metadata: { debtorId: request.debtorId },
        locale: request.locale,
        success_url: `${request.returnUrl}?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: request.cancelUrl,
      });
      if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a URL`);
      return { kind: 'redirect', url: session.url, reference: session.id };
    },
  };
}

/** The payment id a Checkout Session is recorded under: a replayed webhook finds it recorded. */
export const stripePaymentId = (sessionId: string): string => `stripe-${sessionId}`;

/**
 * Verifies the `Stripe-Signature` of a webhook (throws on a bad one) and says which payment, if
 * any, it reports: a paid Checkout Session, at once (card) or later (delayed methods).
 */
export function paymentFromWebhook(
  stripe: Stripe,
  webhookSecret: string,
  rawBody: Buffer,
  signature: string,
): { eventId: string; debtorId: string; payment: PaymentInput } | undefined {
  const event = stripe.webhooks.constructEvent(rawBody, signature, webhookSecret);
  const paid =
    (event.type === 'checkout.session.completed' && event.data.object.payment_status === 'paid') ||
    event.type === 'checkout.session.async_payment_succeeded';
  if (!paid) return undefined;
  const session = event.data.object;
  const debtorId = session.client_reference_id ?? session.metadata?.debtorId;
  if (!debtorId || !session.amount_total || !session.currency) return undefined;
  return {
    eventId: event.id,
    debtorId,
    payment: {
      paymentId: stripePaymentId(session.id),
      amount: session.amount_total,
      currency: session.currency.toUpperCase(),
      paidAt: new Date(event.created * 1000).toISOString(),
    },
  };
}
