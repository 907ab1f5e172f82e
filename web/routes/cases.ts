import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { listCaseEvents } from '../../db/case-events.js';
import { loadDebtorFacts } from '../../db/facts.js';
import type { ServerDeps } from '../server.js';
import { caseResponse, debtorParams, errorResponse } from '../schemas.js';

export const caseRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db }) => {
  app.get(
    '/v1/cases/:debtorId',
    {
      schema: {
        summary: "The debtor's case: status, steps, open amount and timeline",
        tags: ['cases'],
        params: debtorParams,
        response: { 200: caseResponse, 401: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const { debtorId } = request.params;
      const facts = await loadDebtorFacts(db, debtorId, new Date());
      if (!facts.debtorExists)
        return reply.status(404).send({ error: 'not_found', message: `debtor ${debtorId} is unknown` });
      const row = await db
        .selectFrom('cases')
        .selectAll()
        .where('debtor_id', '=', debtorId)
        .executeTakeFirst();
      if (!row) {
        return reply.status(404).send({
          error: 'not_found',
          message: `debtor ${debtorId} has no case yet: record an overdue invoice`,
        });
      }
      const timeline = await listCaseEvents(db, debtorId);
      return {
        debtorId,
        workflowId: row.workflow_id,
        status: row.status,
        segment: row.segment,
        strategyVersion: row.strategy_version,
        currentStep: row.current_step,
        nextStep:
          row.next_step && row.next_step_at
            ? { step: row.next_step, at: row.next_step_at.toISOString() }
            : null,
        // The database is the truth for money; the workflow's last report may be a moment older.
        openAmount: { amount: facts.openAmount, currency: facts.currency ?? row.currency },
        daysPastDue: facts.openAmount > 0 ? facts.daysPastDue : row.days_past_due,
        openedAt: row.opened_at.toISOString(),
        closedAt: row.closed_at?.toISOString() ?? null,
        timeline: timeline.map((e) => ({
          at: e.at.toISOString(),
          source: e.source,
          type: e.type,
          summary: e.summary,
        })),
      };
    },
  );
};
