import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createSubscription,
  deleteSubscription,
  findSubscription,
  listDeliveries,
  listSubscriptions,
} from '../../db/webhooks.js';
import { NotFoundError } from '../../db/billing.js';
import { webhookEventType } from '../../domain/webhooks.js';
import type { ServerDeps } from '../server.js';
import { errorResponse } from '../schemas.js';

const subscriptionParams = z.object({
  subscriptionId: z.string().regex(/^whsub_[0-9a-f]{32}$/, 'must be a subscription id (whsub_…)'),
});

const subscription = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  status: z.string().describe('active, or disabled after the receiver answered 410 Gone'),
  disabledReason: z.string().nullable(),
  createdAt: z.string(),
});

const subscriptionBody = z
  .object({
    url: z
      .url()
      .max(2000)
      .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL'),
    events: z.array(webhookEventType).min(1).max(50),
    description: z.string().trim().max(500).optional(),
  })
  .strict();

const delivery = z.object({
  id: z.string().describe('the webhook-id header of every attempt: deduplicate on it'),
  type: webhookEventType,
  debtorId: z.string(),
  status: z.enum(['pending', 'delivered', 'failed', 'discarded']),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});

/** Outgoing webhooks (Standard Webhooks): subscribe, list, remove, and read the delivery log. */
export const webhookRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db, webhooks }) => {
  app.post(
    '/v1/webhook-subscriptions',
    {
      schema: {
        summary: 'Subscribe a URL to case events; the answer carries the signing secret, once',
        tags: ['webhooks'],
        body: subscriptionBody,
        response: {
          201: subscription.extend({
            secret: z.string().describe('whsec_…: store it now, it is not shown again'),
          }),
          400: errorResponse,
          401: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const created = await createSubscription(db, request.body);
      // Committed first: if Temporal is away the workflow is started at the next start-up or sweep.
      await webhooks.ensureDelivering(created.id);
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/v1/webhook-subscriptions',
    {
      schema: {
        summary: 'List webhook subscriptions (without their secrets)',
        tags: ['webhooks'],
        response: { 200: z.object({ subscriptions: z.array(subscription) }), 401: errorResponse },
      },
    },
    async () => ({ subscriptions: await listSubscriptions(db) }),
  );

  app.delete(
    '/v1/webhook-subscriptions/:subscriptionId',
    {
      schema: {
        summary: 'Remove a subscription; what it had not delivered is discarded',
        tags: ['webhooks'],
        params: subscriptionParams,
        response: { 204: z.null(), 400: errorResponse, 401: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      if (!(await deleteSubscription(db, request.params.subscriptionId)))
        throw unknown(request.params.subscriptionId);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/webhook-subscriptions/:subscriptionId/deliveries',
    {
      schema: {
        summary: 'Delivery log of a subscription, newest first',
        tags: ['webhooks'],
        params: subscriptionParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: {
          200: z.object({ deliveries: z.array(delivery) }),
          400: errorResponse,
          401: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request) => {
      const { subscriptionId } = request.params;
      if (!(await findSubscription(db, subscriptionId))) throw unknown(subscriptionId);
      return { deliveries: await listDeliveries(db, subscriptionId, request.query.limit) };
    },
  );
};

const unknown = (id: string) =>
  new NotFoundError(`webhook subscription ${id} is unknown: GET /v1/webhook-subscriptions lists them`);
