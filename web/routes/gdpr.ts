import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit, auditActor } from '../../db/audit.js';
import { NotFoundError } from '../../db/billing.js';
import { eraseDebtorData, exportDebtor } from '../../db/gdpr.js';
import type { ServerDeps } from '../server.js';
import { debtorBody, debtorParams, errorResponse } from '../schemas.js';

const rows = z.array(z.record(z.string(), z.unknown()));
const debtorExport = z.object({
  debtorId: z.string(),
  exportedAt: z.string(),
  createdAt: z.string(),
  profile: debtorBody,
  contactPoints: rows,
  invoices: rows,
  payments: rows,
  case: z.record(z.string(), z.unknown()).nullable(),
  timeline: rows.describe('case events; notes in their words'),
  messages: rows.describe('every message with the text that was sent'),
  portalEvents: rows,
  tasks: rows,
  notes: rows.describe('free-text notes of agents, disputes and plans'),
  escalations: rows,
  handoffs: rows.describe('hand-overs to collection agencies, each with the package as delivered'),
});

const unknownDebtor = (debtorId: string) =>
  new NotFoundError(`debtor ${debtorId} is unknown or was erased: nothing is held about it`);

/** GDPR: access (export) and erasure of one debtor; admin scope (web/api-auth.ts). */
export const gdprRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db, cases, payloadKeys }) => {
  app.get(
    '/v1/debtors/:debtorId/export',
    {
      schema: {
        summary: 'Everything held about a debtor, as JSON (GDPR Art. 15; admin scope)',
        tags: ['admin'],
        params: debtorParams,
        response: {
          200: debtorExport,
          400: errorResponse,
          401: errorResponse,
          403: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request) => {
      const { debtorId } = request.params;
      const data = await exportDebtor(db, debtorId);
      if (!data) throw unknownDebtor(debtorId);
      await audit(db, {
        actor: auditActor.apiKey(request.apiKey!.id),
        action: 'debtor.exported',
        debtorId,
        route: 'GET /v1/debtors/:debtorId/export',
      });
      return { ...data, exportedAt: new Date().toISOString(), createdAt: data.createdAt.toISOString() };
    },
  );

  app.delete(
    '/v1/debtors/:debtorId',
    {
      schema: {
        summary:
          'Erase a debtor (GDPR Art. 17): closes the case, removes or pseudonymises personal data, destroys the payload key; amounts and ids stay (admin scope)',
        tags: ['admin'],
        params: debtorParams,
        response: {
          200: z.object({ debtorId: z.string(), erased: z.literal(true), caseTerminated: z.boolean() }),
          400: errorResponse,
          401: errorResponse,
          403: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request) => {
      const { debtorId } = request.params;
      if (!(await exportDebtor(db, debtorId))) throw unknownDebtor(debtorId);
      // First stop the case, so that no step sends to an address being erased.
      const caseTerminated = await cases.terminate(debtorId, 'erasure (GDPR Art. 17)');
      const erased = await eraseDebtorData(db, debtorId, {
        actor: auditActor.apiKey(request.apiKey!.id),
        route: 'DELETE /v1/debtors/:debtorId',
        reason: 'request',
      });
      if (!erased) throw unknownDebtor(debtorId);
      // The row is gone with the transaction; this drops the unwrapped key cached in this process.
      await payloadKeys?.destroy(debtorId);
      return { debtorId, erased: true as const, caseTerminated };
    },
  );
};
