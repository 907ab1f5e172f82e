import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { debtorExists } from '../../db/debtors.js';
import { insertHistory } from '../../db/demo-history.js';
import { historySeed } from '../../demo/history.js';
import { errorResponse } from '../schemas.js';
import type { ServerDeps } from '../server.js';

const PREFIX = 'demo-history-';

/**
 * Development only (the embedded default): loads past cases as facts, marked as demo history, so
 * the cockpit has weeks of outcomes to show. The demo CLI calls it; a second call changes nothing.
 */
export const demoHistoryRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db, logger }) => {
  app.post(
    '/v1/dev/demo-history',
    {
      schema: {
        summary: 'Load demo history (development only)',
        description:
          'Writes 40 past cases opened over the last 120 days, with payments, promises, plans, disputes, ' +
          'opt-outs, messages, calls and portal visits, as facts marked "demo history" (debtor ids ' +
          `${PREFIX}…). No workflows run for them. Only on the embedded development setup.`,
        tags: ['dev'],
        response: {
          200: z.object({ loaded: z.boolean(), cases: z.number().int() }),
          201: z.object({ loaded: z.boolean(), cases: z.number().int() }),
          401: errorResponse,
        },
      },
    },
    async (_request, reply) => {
      const seed = historySeed({ asOf: new Date(), prefix: PREFIX });
      if (await debtorExists(db, seed.cases[0]?.debtorId ?? PREFIX))
        return reply.status(200).send({ loaded: false, cases: seed.cases.length });
      await insertHistory(db, seed);
      logger.info({ cases: seed.cases.length }, 'demo history loaded');
      return reply.status(201).send({ loaded: true, cases: seed.cases.length });
    },
  );
};
