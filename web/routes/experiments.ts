import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listExperiments } from '../../db/experiments.js';
import {
  EXPERIMENT_STATUSES,
  experimentInputSchema,
  experimentVariantSchema,
  variantNameSchema,
} from '../../domain/experiments/experiment.js';
import {
  experimentOrFail,
  experimentResults,
  promoteExperiment,
  startExperiment,
  stopExperiment,
} from '../experiments/service.js';
import { apiActor } from '../api-auth.js';
import { errorResponse } from '../schemas.js';
import type { ServerDeps } from '../server.js';

const experimentResponse = z.object({
  id: z.string(),
  segment: z.string(),
  variants: z.array(experimentVariantSchema),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  status: z.enum(EXPERIMENT_STATUSES),
  createdBy: z.string(),
  createdAt: z.string(),
  stoppedAt: z.string().nullable(),
  promotedVariant: z.string().nullable(),
});

const interval = z.object({ low: z.number(), high: z.number() });
const resultsResponse = z.object({
  experiment: experimentResponse,
  currency: z.string().nullable(),
  variants: z.array(
    z.object({
      name: z.string(),
      n: z.number().int(),
      paidInFull: z.number().int(),
      recoveryRate: z.number().nullable(),
      recoveryRateInterval: interval.nullable(),
      amountRecoveryRate: z.number().nullable(),
      medianDaysToPay: z.number().nullable(),
      costPerUnitRecovered: z.number().nullable(),
    }),
  ),
  verdict: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('too-few-cases'), minimumPerVariant: z.number(), smallest: z.number() }),
    z.object({ kind: z.literal('no-difference-yet'), leader: z.string(), pValue: z.number() }),
    z.object({ kind: z.literal('winner'), winner: z.string(), pValue: z.number() }),
  ]),
});

const idParams = z.object({ id: z.string().min(1).max(100) });

/** Champion/challenger experiments on a segment's new cases (README "Experiments"). */
export const experimentRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db, policyVersions }) => {
  const current = async () => (await policyVersions.current()).policies;

  app.post(
    '/v1/experiments',
    {
      schema: {
        summary: "Start a champion/challenger experiment on a segment's new cases",
        description:
          'Each new case of the segment gets a variant by a hash of experiment id and debtor id (a re-opened ' +
          "case keeps its variant) and runs the strategy with the variant's overrides while in the segment. " +
          "Overrides are checked against the segment's strategy (step ids). One running experiment per segment.",
        tags: ['experiments'],
        body: experimentInputSchema,
        response: {
          201: experimentResponse,
          400: errorResponse,
          422: errorResponse,
          401: errorResponse,
          409: errorResponse,
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await startExperiment(db, await current(), request.body, apiActor(request))),
  );

  app.get(
    '/v1/experiments',
    {
      schema: {
        summary: 'All experiments, newest first',
        tags: ['experiments'],
        response: { 200: z.array(experimentResponse), 401: errorResponse },
      },
    },
    async () => listExperiments(db),
  );

  app.get(
    '/v1/experiments/:id',
    {
      schema: {
        summary: 'One experiment',
        tags: ['experiments'],
        params: idParams,
        response: {
          200: experimentResponse,
          400: errorResponse,
          401: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request) => experimentOrFail(db, request.params.id),
  );

  app.get(
    '/v1/experiments/:id/results',
    {
      schema: {
        summary:
          'Per variant: n, recovery rate with 95 % interval, median days to pay, cost per unit recovered, verdict',
        description:
          'Recovery rate: cases paid in full / cases assigned (Wilson interval). Verdict: two-proportion z-test of ' +
          'the leader against each other variant (Bonferroni), only once every variant has 100 cases.',
        tags: ['experiments'],
        params: idParams,
        response: {
          200: resultsResponse,
          400: errorResponse,
          401: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request) => experimentResults(db, await current(), request.params.id),
  );

  app.post(
    '/v1/experiments/:id/stop',
    {
      schema: {
        summary: 'Stop assigning new cases; cases already assigned keep their variant',
        tags: ['experiments'],
        params: idParams,
        response: {
          200: experimentResponse,
          400: errorResponse,
          401: errorResponse,
          404: errorResponse,
          409: errorResponse,
        },
      },
    },
    async (request) => stopExperiment(db, request.params.id, apiActor(request)),
  );

  app.post(
    '/v1/experiments/:id/promote',
    {
      schema: {
        summary: "Make a variant (default: the verdict's winner) the segment's next strategy version",
        description:
          'Publishes a new policy version (GET /v1/policies shows who, when, what changed); cases opened or ' +
          'entering the segment from then on run it.',
        tags: ['experiments'],
        params: idParams,
        body: z.object({ variant: variantNameSchema.optional() }).strict().default({}),
        response: {
          200: z.object({
            experiment: experimentResponse,
            policyVersion: z.number().int(),
            strategyVersion: z.string(),
          }),
          400: errorResponse,
          422: errorResponse,
          401: errorResponse,
          404: errorResponse,
          409: errorResponse,
        },
      },
    },
    async (request) =>
      promoteExperiment(db, policyVersions, request.params.id, apiActor(request), request.body?.variant),
  );
};
