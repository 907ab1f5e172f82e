import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { inlineStyleSources } from './inline-style.js';

/** Where a portal payment may continue after its form: Stripe Checkout (or a stand-in's checkout). */
const STRIPE_CHECKOUT = 'https://checkout.stripe.com';

/**
 * Security headers on every answer (@fastify/helmet), with a content security policy for the
 * portal, the inbox and the cockpit: scripts only from this origin (Chart.js and the cockpit
 * script are served by the product), styles from this origin or inline by hash
 * (web/inline-style.ts), no plugins, no framing by anyone, forms only to this origin and Stripe
 * Checkout. Register before the routes.
 */
export async function secureHeaders(
  app: FastifyInstance,
  options: { publicUrl: string; stripeApiUrl?: string | undefined },
): Promise<void> {
  const https = options.publicUrl.startsWith('https://');
  const directives = {
    defaultSrc: ["'self'"],
    baseUri: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    // Evaluated per answer: the hashes of the inline styles the page modules declared.
    styleSrc: ["'self'", () => inlineStyleSources().join(' ')],
    styleSrcAttr: ["'none'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    frameAncestors: ["'none'"],
    formAction: [
      "'self'",
      STRIPE_CHECKOUT,
      ...(options.stripeApiUrl ? [new URL(options.stripeApiUrl).origin] : []),
    ],
    // Over plain http (the embedded default) an upgrade would break every asset.
    upgradeInsecureRequests: https ? [] : null,
  };
  // Swagger UI (/docs, for developers) styles elements from its script: inline styles allowed there only.
  const docs = {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...directives, styleSrc: ["'self'", "'unsafe-inline'"], styleSrcAttr: null },
    },
  };
  // Added before the plugin's own onRoute hook, which reads `helmet` from the route.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.helmet = docs;
  });
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives },
    // Sent over https only; browsers ignore it over http anyway.
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    xFrameOptions: { action: 'deny' },
    // The portal sends no referrer (links carry the debtor's token).
    referrerPolicy: { policy: 'no-referrer' },
  });
}
