import swagger from '@fastify/swagger';
import type { PayloadCodec } from '@temporalio/common';
import { DebtorErased, type PayloadKeyRing } from '../crypto/key-ring.js';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { handoffConflictOf, type CaseClient } from '../client/cases.js';
import type { WebhookDeliveryClient } from '../client/webhooks.js';
import { ConflictError, NotFoundError } from '../db/billing.js';
import type { Database } from '../db/database.js';
import type { SmtpOutbox } from '../dev/smtp-outbox.js';
import type { LetterSink } from '../dev/letter-sink.js';
import type { Policies } from '../activities/index.js';
import type { PolicyVersions } from '../config/policy-versions.js';
import type { LinkSigner } from '../channels/links.js';
import type { ApiRateLimit, PortalConfig } from '../config/env.js';
import { configuredPayments } from '../payments/index.js';
import { portalRoutes } from './portal/routes.js';
import { stripeWebhookRoutes } from './portal/stripe-webhook.js';
import { linkRoutes } from './routes/links.js';
import { protectApi } from './api-auth.js';
import { limitCallsPerApiKey } from './api-rate-limit.js';
import { secureHeaders } from './security-headers.js';
import { answerUndeclaredMethods, completeDocument, refuseNulCharacters } from './contract.js';
import { auditRoutes } from './routes/audit.js';
import { gdprRoutes } from './routes/gdpr.js';
import { billingRoutes } from './routes/billing.js';
import { importRoutes } from './routes/imports.js';
import { caseMessageRoutes, caseRoutes } from './routes/cases.js';
import { devOutboxRoutes } from './routes/dev-outbox.js';
import { agentTaskRoutes } from './routes/agent-tasks.js';
import { inboxRoutes } from './inbox/routes.js';
import { codecRoutes } from './routes/codec.js';
import { cockpitAssetRoutes } from './cockpit/assets.js';
import { emailBounceRoutes } from './routes/email-bounces.js';
import { kpiRoutes } from './routes/kpis.js';
import { experimentRoutes } from './routes/experiments.js';
import { InputError } from './input-error.js';
import { policyRoutes } from './routes/policies.js';
import { demoHistoryRoutes } from './routes/demo-history.js';
import { twilioWebhookRoutes } from './routes/twilio-webhooks.js';
import { webhookRoutes } from './routes/webhooks.js';
import { debtorPatchRoutes } from './routes/debtor-patch.js';
import { createSmsEventHandlers } from '../channels/sms/inbound.js';
import type { SmsSink } from '../dev/sms-sink.js';
import type { ServiceHealth } from '../runtime/health.js';

export interface ServerDeps {
  db: Database;
  cases: CaseClient;
  /** Starts a subscription's delivery workflow. */
  webhooks: WebhookDeliveryClient;
  logger: Logger;
  policies: Policies;
  /** The policies published over the file's (experiments promote into them, the cockpit publishes). */
  policyVersions: PolicyVersions;
  links: LinkSigner;
  creditor: { name: string; email: string; phone: string };
  /** Payment methods and limits of the debtor portal; the base of absolute links. */
  portal: PortalConfig;
  publicUrl: string;
  /** Whose X-Forwarded-For sets request.ip (Fastify's `trustProxy`). */
  trustProxy: boolean | number | string[];
  /** Calls per API key and window on /v1. */
  apiRateLimit: ApiRateLimit;
  /** Only in the embedded default: the loopback SMTP server whose mail /dev/outbox lists. */
  devOutbox?: SmtpOutbox | undefined;
  /** Only in the embedded default: the loopback print service whose letters /dev/outbox lists. */
  devLetters?: LetterSink | undefined;
  /** The payload codec behind `/codec/*` (Temporal Web UI) and the UI origins allowed to call it. */
  codec?: { codec: PayloadCodec; uiOrigins: readonly string[] } | undefined;
  /** Debtors' payload data keys; an erasure destroys one. */
  payloadKeys?: PayloadKeyRing | undefined;
  /** Database and Temporal reachability (`/health`, `/ready`, fast 503s); undefined: assumed up. */
  health?: ServiceHealth | undefined;
  /** Twilio's webhooks are signed with the account's auth token over publicUrl + path. */
  twilio?: { authToken: string; publicUrl: string; devSink?: SmsSink | undefined };
}

export type App = FastifyInstance;

const RETRY_AFTER_SECONDS = 5;

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Fastify's own limit (100) answers an undocumented 414; above it the zod params say 400 and why.
    routerOptions: { maxParamLength: 2048 },
    // A `__proto__` or `constructor.prototype` key is dropped from a JSON body rather than refusing
    // the whole call: the schema allows such a key where extra keys are allowed, and dropped it harms nothing.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    trustProxy: trustedProxies(deps.trustProxy),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const part = error.validationContext ?? 'body';
      return reply.status(validationStatus(error.validation, part)).send({
        error: 'invalid_request',
        message: `The ${part} is invalid: ${error.validation.map((v) => fieldName(v.instancePath, part)).join(', ')}`,
        issues: error.validation.map((v) => ({
          field: fieldName(v.instancePath, part),
          message: v.message ?? 'invalid',
        })),
      });
    }
    const conflict = handoffConflictOf(error);
    if (conflict) return reply.status(409).send({ error: 'conflict', message: conflict });
    if (error instanceof WorkflowUpdateFailedError) {
      return reply.status(422).send({ error: 'rejected', message: error.cause?.message ?? error.message });
    }
    if (error instanceof WorkflowNotFoundError) {
      return reply.status(404).send({ error: 'not_found', message: 'the debtor has no running case' });
    }
    if (error instanceof InputError) {
      return reply.status(422).send({
        error: 'invalid_request',
        message: `${error.field}: ${error.message}`,
        issues: [{ field: error.field, message: error.message }],
      });
    }
    if (error instanceof NotFoundError)
      return reply.status(404).send({ error: 'not_found', message: error.message });
    if (error instanceof DebtorErased) {
      return reply.status(404).send({
        error: 'not_found',
        message: `debtor ${error.debtorId} was erased on request: its case takes no more changes; use a new debtor id`,
      });
    }
    if (error instanceof ConflictError) {
      return reply.status(409).send({
        error: 'conflict',
        message: error.message,
        issues: error.field ? [{ field: error.field, message: error.message }] : undefined,
      });
    }
    // PostgreSQL stores no NUL character in text or JSON: say so instead of failing the call.
    if (['22P05', '22021'].includes(String((error as { code?: unknown }).code))) {
      return reply.status(422).send({
        error: 'invalid_request',
        message: 'text must not contain the NUL character (\\u0000): remove it and send the call again',
      });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send({ error: 'bad_request', message: (error as Error).message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(503).send({
      error: 'unavailable',
      message: 'The request could not be completed; nothing inconsistent was kept. Retry the same call.',
    });
  });

  await secureHeaders(app, { publicUrl: deps.publicUrl, stripeApiUrl: deps.portal.stripe?.apiUrl });
  answerUndeclaredMethods(app);
  refuseNulCharacters(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Mahnwerk API', version: '1', description: 'Dunning cases for billing systems' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (document) =>
      'openapiObject' in document ? completeDocument(document.openapiObject) : document.swaggerObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Liveness with the state of each dependency; /ready says whether to send traffic here.
  app.get('/health', { schema: { hide: true } }, async () => {
    const report = deps.health?.report ?? { database: 'up', temporal: 'up' };
    return { ok: true, ...report };
  });
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const report = deps.health?.report ?? { database: 'up', temporal: 'up' };
    const ready = report.database === 'up' && report.temporal === 'up';
    return reply.status(ready ? 200 : 503).send({ ready, ...report });
  });

  await app.register(async (api) => {
    protectApi(api, deps.db);
    await limitCallsPerApiKey(api, deps.apiRateLimit);
    // A change needs Temporal: while it is down, answer at once and say when to try again.
    api.addHook('onRequest', async (request, reply) => {
      if (request.method === 'GET' || deps.health?.report.temporal !== 'down') return;
      return reply
        .status(503)
        .header('retry-after', String(RETRY_AFTER_SECONDS))
        .send({
          error: 'unavailable',
          message: `Temporal is not reachable; nothing was changed. Retry the same call in ${RETRY_AFTER_SECONDS} s.`,
        });
    });
    await api.register(billingRoutes, deps);
    await api.register(importRoutes, deps);
    await api.register(caseRoutes, deps);
    await api.register(caseMessageRoutes, deps);
    await api.register(agentTaskRoutes, deps);
    await api.register(emailBounceRoutes, deps);
    await api.register(webhookRoutes, deps);
    await api.register(kpiRoutes, deps);
    await api.register(experimentRoutes, deps);
    await api.register(policyRoutes, deps);
    if (deps.devOutbox) await api.register(demoHistoryRoutes, deps);
    await api.register(debtorPatchRoutes, deps);
    await api.register(auditRoutes, deps);
    await api.register(gdprRoutes, deps);
  });
  await app.register(inboxRoutes, {
    db: deps.db,
    cases: deps.cases,
    policies: deps.policies,
    policyVersions: deps.policyVersions,
  });
  if (deps.codec) await app.register(codecRoutes, { db: deps.db, ...deps.codec });
  await app.register(cockpitAssetRoutes);

  await app.register(linkRoutes, {
    db: deps.db,
    cases: deps.cases,
    links: deps.links,
  });
  const payments = configuredPayments(deps.portal);
  await app.register(portalRoutes, {
    db: deps.db,
    cases: deps.cases,
    links: deps.links,
    policies: deps.policies,
    creditor: deps.creditor,
    publicUrl: deps.publicUrl,
    payments: payments.providers,
    rateLimitPerMinute: deps.portal.rateLimitPerMinute,
  });
  if (payments.stripe) {
    await app.register(stripeWebhookRoutes, {
      db: deps.db,
      cases: deps.cases,
      stripe: payments.stripe.client,
      webhookSecret: payments.stripe.webhookSecret,
    });
  }
  if (deps.twilio) {
    await app.register(twilioWebhookRoutes, {
      authToken: deps.twilio.authToken,
      publicUrl: deps.twilio.publicUrl,
      ...createSmsEventHandlers({ db: deps.db, cases: deps.cases, logger: deps.logger }),
    });
  }
  if (deps.devOutbox) {
    await app.register(devOutboxRoutes, {
      outbox: deps.devOutbox,
      sms: deps.twilio?.devSink,
      letters: deps.devLetters,
      publicUrl: deps.publicUrl,
      inboundWebhookUrl: `${deps.twilio?.publicUrl ?? ''}/webhooks/twilio/inbound`,
    });
  }
  return app;
}

/**
 * A body that breaks only rules OpenAPI 3.0 cannot state (a refinement across fields, the keys a map
 * takes) is well-formed by the document but does not fit: 422, as documented for every body. 400
 * otherwise, also for a refinement marked `inDocument` (its rule is in the document as well).
 */
function validationStatus(
  issues: { keyword: string; params?: { params?: { inDocument?: unknown } } }[],
  part: string,
) {
  // The validator keeps the zod issue's own fields (its `params` among them) under `params`.
  const beyondTheDocument = (issue: (typeof issues)[number]) =>
    issue.keyword === 'invalid_key' ||
    (issue.keyword === 'custom' && issue.params?.params?.inDocument !== true);
  return part === 'body' && issues.every(beyondTheDocument) ? 422 : 400;
}

/**
 * Fastify refuses to trust a bare hop count (it cannot check the peer); we honour it as Express
 * does: the nearest `hops` addresses are proxies. Only right when every request comes through them.
 */
function trustedProxies(
  setting: ServerDeps['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}

/** "/phone" in body → "phone"; "/consents/sms" → "consents.sms". */
function fieldName(instancePath: string, part: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  return path || part;
}
