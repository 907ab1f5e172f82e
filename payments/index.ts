import type Stripe from 'stripe';
import type { PortalConfig } from '../config/env.js';
import type { PaymentProvider } from './provider.js';
import { sepaTransferProvider } from './sepa-transfer.js';
import { stripeCheckoutProvider, stripeClient } from './stripe-checkout.js';

/** The payment methods the configuration enables; an unconfigured one is simply not offered. */
export function configuredPayments(config: PortalConfig): {
  providers: PaymentProvider[];
  stripe: { client: Stripe; webhookSecret: string } | undefined;
} {
  const client = config.stripe ? stripeClient(config.stripe) : undefined;
  return {
    providers: [
      ...(config.sepa ? [sepaTransferProvider(config.sepa)] : []),
      ...(client ? [stripeCheckoutProvider(client)] : []),
    ],
    stripe: client && config.stripe ? { client, webhookSecret: config.stripe.webhookSecret } : undefined,
  };
}
