import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { trimmedText } from '../../domain/text.js';
import { CASE_STATUSES, debtorIdSchema } from '../../domain/case.js';
import { instantSchema } from '../../domain/debtor.js';
import { SEGMENTS, type SegmentId } from '../../domain/segmentation/types.js';
import { describeNextStage, type Strategy } from '../../domain/strategies/types.js';
import { searchCases } from '../../db/cases.js';
import {
  handoffRecallSchema,
  handoffStatusReportSchema,
  type HandoffRecall,
  type HandoffStatusReport,
} from '../../domain/handoff.js';
import { paymentPlanProposalSchema, type PaymentPlanProposal } from '../../domain/payment-plan.js';
import { listCaseEvents } from '../../db/case-events.js';
import { loadDebtorFacts } from '../../db/facts.js';
import { findCase } from '../../db/cases.js';
import type { ServerDeps } from '../server.js';
import { caseResponse, debtorParams, errorResponse } from '../schemas.js';

/** The page goes on after this debtor id: the previous page's nextCursor (any debtor id is valid). */
const cursorSchema = debtorIdSchema.describe("the previous page's nextCursor");

const caseSearchQuery = z
  .object({
    status: z.enum(CASE_STATUSES).optional(),
    segment: z.enum(SEGMENTS).optional(),
    minAmount: z.coerce.number().int().min(0).optional().describe('open amount at least, in minor units'),
    updatedSince: instantSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: cursorSchema.optional(),
  })
  .strict();

const caseListItem = z.object({
  debtorId: z.string(),
  workflowId: z.string(),
  status: z.enum(CASE_STATUSES),
  segment: z.string(),
  openAmount: z.object({ amount: z.number().int(), currency: z.string().nullable() }),
  daysPastDue: z.number().int(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  updatedAt: z.string(),
});

/** The strategy's next stage as the API shows it; null for a segment the policies do not know. */
function nextStageView(strategy: Strategy | undefined) {
  const stage = strategy?.nextStage;
  if (!stage) return null;
  return {
    kind: stage.kind,
    ...(stage.kind === 'segment' ? { segment: stage.segment } : {}),
    afterDays: stage.afterDays,
    description: describeNextStage(stage),
  };
}

export const caseRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db, policies }) => {
  app.get(
    '/v1/cases',
    {
      schema: {
        summary: 'Search cases (from the database, ordered by debtor id, a page at a time)',
        tags: ['cases'],
        querystring: caseSearchQuery,
        response: {
          200: z.object({ items: z.array(caseListItem), nextCursor: z.string().nullable() }),
          400: errorResponse,
          401: errorResponse,
        },
      },
    },
    async (request) => {
      const { cursor, updatedSince, ...filters } = request.query;
      const { rows, last } = await searchCases(db, {
        ...filters,
        after: cursor,
        updatedSince: updatedSince === undefined ? undefined : new Date(updatedSince),
      });
      return {
        items: rows.map((row) => ({
          debtorId: row.debtor_id,
          workflowId: row.workflow_id,
          status: row.status,
          segment: row.segment,
          openAmount: { amount: row.open_amount, currency: row.currency },
          daysPastDue: row.days_past_due,
          openedAt: row.opened_at.toISOString(),
          closedAt: row.closed_at?.toISOString() ?? null,
          updatedAt: row.updated_at.toISOString(),
        })),
        nextCursor: last ?? null,
      };
    },
  );

  app.get(
    '/v1/cases/:debtorId',
    {
      schema: {
        summary: "The debtor's case: status, steps, open amount, the claim's breakdown and timeline",
        tags: ['cases'],
        params: debtorParams,
        response: { 200: caseResponse, 400: errorResponse, 401: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const { debtorId } = request.params;
      const facts = await loadDebtorFacts(db, debtorId, new Date(), policies.creditor);
      if (!facts.debtorExists)
        return reply.status(404).send({ error: 'not_found', message: `debtor ${debtorId} is unknown` });
      const row = await findCase(db, debtorId);
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
        variant:
          row.experiment_id && row.strategy_variant
            ? { experimentId: row.experiment_id, name: row.strategy_variant }
            : null,
        currentStep: row.current_step,
        nextStep:
          row.next_step && row.next_step_at
            ? { step: row.next_step, at: row.next_step_at.toISOString() }
            : null,
        nextStage: row.closed_at ? null : nextStageView(policies.strategies[row.segment as SegmentId]),
        nextDecisionAt: row.next_decision_at?.toISOString() ?? null,
        // The database is the truth for money; the workflow's last report may be a moment older.
        openAmount: { amount: facts.openAmount, currency: facts.currency ?? row.currency },
        daysPastDue: facts.openAmount > 0 ? facts.daysPastDue : row.days_past_due,
        openedAt: row.opened_at.toISOString(),
        closedAt: row.closed_at?.toISOString() ?? null,
        assessment: row.assessment,
        claim: facts.claim ?? null,
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

const answer = z.object({ status: z.enum(CASE_STATUSES), message: z.string() });
const reasonBody = z.object({ reason: trimmedText(1, 500) }).strict();

/** Case events from billing and operators; each is a Temporal update, answered at once. */
export const caseMessageRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { cases }) => {
  const schema = (summary: string, body?: z.ZodType) => ({
    summary,
    tags: ['cases'],
    params: debtorParams,
    ...(body ? { body } : {}),
    response: { 200: answer, 400: errorResponse, 401: errorResponse, 404: errorResponse, 422: errorResponse },
  });

  app.post(
    '/v1/cases/:debtorId/promise',
    {
      schema: schema(
        'Promise to pay by a date: pauses outreach until then',
        z.object({ date: z.iso.date(), amount: z.number().int().positive().optional() }).strict(),
      ),
    },
    async (request) => {
      const body = request.body as { date: string; amount?: number };
      return cases.promiseToPay(request.params.debtorId, { ...body, source: 'api' });
    },
  );
  app.post(
    '/v1/cases/:debtorId/payment-plan',
    {
      schema: schema(
        "Propose a payment plan: accepted within the segment's plan policy, else 422 with the reason",
        paymentPlanProposalSchema.omit({ source: true }).strict(),
      ),
    },
    async (request) => {
      const body = request.body as Omit<PaymentPlanProposal, 'source'>;
      return cases.proposePaymentPlan(request.params.debtorId, { ...body, source: 'api' });
    },
  );
  app.post(
    '/v1/cases/:debtorId/dispute',
    {
      schema: schema(
        'Open a dispute: pauses all outreach at once',
        z.object({ reason: trimmedText(1, 200), note: z.string().max(2000).optional() }).strict(),
      ),
    },
    async (request) => {
      const body = request.body as { reason: string; note?: string };
      return cases.openDispute(request.params.debtorId, { ...body, source: 'api' });
    },
  );
  app.post(
    '/v1/cases/:debtorId/dispute/resolve',
    {
      schema: schema(
        'Resolve the dispute: resume outreach, or cancel the claim',
        z.object({ outcome: z.enum(['resume', 'cancel']), note: z.string().max(2000).optional() }).strict(),
      ),
    },
    async (request) => {
      const body = request.body as { outcome: 'resume' | 'cancel'; note?: string };
      return cases.resolveDispute(request.params.debtorId, body.outcome, body.note);
    },
  );
  const handoffSchema = (summary: string, body: z.ZodType) => ({
    ...schema(summary, body),
    tags: ['cases', 'hand-over'],
    response: { ...schema(summary).response, 409: errorResponse },
  });
  app.post(
    '/v1/cases/:debtorId/handoff-status',
    {
      schema: handoffSchema(
        "The collection agency's report on a handed-over case: accepted; collected (an amount, recorded as a payment: the case closes as paid when nothing is left open); returned (with a reason: back into outreach, or to a write-off approval). 409 when the case is not handed over",
        handoffStatusReportSchema,
      ),
    },
    async (request) => cases.handoffReport(request.params.debtorId, request.body as HandoffStatusReport),
  );
  app.post(
    '/v1/cases/:debtorId/handoff-recall',
    {
      schema: handoffSchema(
        'Recall a hand-over the agency has not accepted yet: the case goes back into outreach. 409 once the agency accepted (or when the case is not handed over)',
        handoffRecallSchema,
      ),
    },
    async (request) =>
      cases.handoffReport(request.params.debtorId, {
        status: 'recalled',
        ...(request.body as HandoffRecall),
      }),
  );
  app.post(
    '/v1/cases/:debtorId/pause',
    { schema: schema('Pause outreach (operator)', reasonBody) },
    async (request) => cases.pause(request.params.debtorId, (request.body as { reason: string }).reason),
  );
  app.post('/v1/cases/:debtorId/resume', { schema: schema('Resume outreach (operator)') }, async (request) =>
    cases.resume(request.params.debtorId),
  );
  app.post(
    '/v1/cases/:debtorId/cancel',
    { schema: schema('Cancel: billing withdrew the claim', reasonBody) },
    async (request) => cases.cancel(request.params.debtorId, (request.body as { reason: string }).reason),
  );
};
