import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS, auditQuerySchema, listAudit } from '../../db/audit.js';
import type { ServerDeps } from '../server.js';
import { errorResponse } from '../schemas.js';

const auditEntry = z.object({
  id: z.number().int(),
  at: z.string().describe('ISO 8601 instant'),
  actor: z.string().describe('api-key:<id>, agent:<id>, login:<e-mail tried>, debtor, provider or system'),
  action: z.enum(AUDIT_ACTIONS),
  debtorId: z.string().nullable(),
  route: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});

/** GET /v1/audit (admin scope): the append-only audit log, newest first, filtered, by cursor. */
export const auditRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db }) => {
  app.get(
    '/v1/audit',
    {
      schema: {
        summary: 'The audit log, newest first (admin scope)',
        tags: ['admin'],
        querystring: auditQuerySchema,
        response: {
          200: z.object({ entries: z.array(auditEntry), nextCursor: z.string().nullable() }),
          400: errorResponse,
          401: errorResponse,
          403: errorResponse,
        },
      },
    },
    async (request) => {
      const { entries, nextCursor } = await listAudit(db, request.query);
      return {
        entries: entries.map((e) => ({
          id: e.id,
          at: e.at.toISOString(),
          actor: e.actor,
          action: e.action as (typeof AUDIT_ACTIONS)[number],
          debtorId: e.debtor_id,
          route: e.route,
          detail: e.detail,
        })),
        nextCursor,
      };
    },
  );
};
