import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { agentKpiRowSchema, kpiRowSchema } from '../../domain/kpis/figures.js';
import { agentQuerySchema, agentReport, kpiApiQuerySchema, kpiReport, toCsv } from '../kpis/report.js';
import { errorResponse } from '../schemas.js';
import type { ServerDeps } from '../server.js';

const wantsCsv = (accept: string | undefined) => (accept ?? '').toLowerCase().includes('text/csv');
/** CSV text bypasses the JSON serializer of the response schema. */
const sendCsv = (reply: FastifyReply, csv: string) =>
  reply
    .type('text/csv; charset=utf-8')
    .serializer((payload: unknown) => String(payload))
    .send(csv);

/** KPIs for the strategy cockpit and for BI tools: JSON, or CSV with `Accept: text/csv`. */
export const kpiRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db, policies }) => {
  app.get(
    '/v1/kpis',
    {
      schema: {
        summary: 'Strategy KPIs per segment, strategy version, variant, channel or opening week',
        description:
          'One row per group and currency: counts, amounts in minor units, rates between 0 and 1 (null when ' +
          'nothing to divide by). `from`/`to` (days, both included, UTC) filter on the day a case opened. ' +
          'Definitions in the README ("KPIs"). Send `Accept: text/csv` for CSV.',
        tags: ['kpis'],
        querystring: kpiApiQuerySchema,
        response: { 200: z.array(kpiRowSchema), 400: errorResponse, 401: errorResponse },
      },
    },
    async (request, reply) => {
      const rows = await kpiReport(db, policies.costs, request.query);
      if (!wantsCsv(request.headers.accept)) return rows;
      return sendCsv(reply, toCsv(rows, kpiRowSchema));
    },
  );

  app.get(
    '/v1/kpis/agents',
    {
      schema: {
        summary: 'Per agent: tasks done, promises taken, amount promised and kept',
        description:
          '`from`/`to` filter on the day a task was answered. A promise is kept when the debtor paid its amount ' +
          'by the end of its date. Send `Accept: text/csv` for CSV.',
        tags: ['kpis'],
        querystring: agentQuerySchema,
        response: { 200: z.array(agentKpiRowSchema), 400: errorResponse, 401: errorResponse },
      },
    },
    async (request, reply) => {
      const rows = await agentReport(db, request.query);
      if (!wantsCsv(request.headers.accept)) return rows;
      return sendCsv(reply, toCsv(rows, agentKpiRowSchema));
    },
  );
};
