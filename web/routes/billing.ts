import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  recordDebtorAndTellCase,
  recordInvoiceAndTellCase,
  withdrawInvoiceAndTellCase,
} from '../../billing/record.js';
import { loadDebtorFacts } from '../../db/facts.js';
import { urgently } from '../../db/lanes.js';
import { recordPaymentAndTellCase } from '../../payments/record.js';
import { loadDebtorProfiles } from '../../db/debtors.js';
import { debtorProfileSchema } from '../../domain/debtor.js';
import type { ServerDeps } from '../server.js';
import {
  debtorBody,
  debtorParams,
  errorResponse,
  invoiceBody,
  invoiceParams,
  paymentBody,
} from '../schemas.js';

const storedDebtor = z.object({ debtorId: z.string() }).extend(debtorProfileSchema.shape);

/**
 * The billing system's side. Each call first commits its rows, then tells the case workflow; if
 * Temporal cannot be reached the call answers 503 and the same call can simply be repeated, since
 * every write here is idempotent.
 */
export const billingRoutes: FastifyPluginAsyncZod<ServerDeps> = async (
  app,
  { db, cases, policyVersions, policies },
) => {
  app.put(
    '/v1/debtors/:debtorId',
    {
      schema: {
        summary: 'Create or replace a debtor profile',
        tags: ['billing'],
        params: debtorParams,
        body: debtorBody,
        response: {
          200: z.object({ debtorId: z.string(), created: z.boolean() }),
          201: z.object({ debtorId: z.string(), created: z.boolean() }),
          400: errorResponse,
          401: errorResponse,
          409: errorResponse.describe('the debtor was erased on request: its id is not reused'),
        },
      },
    },
    async (request, reply) => {
      const { created } = await recordDebtorAndTellCase({ db, cases }, request.params.debtorId, request.body);
      return reply.status(created ? 201 : 200).send({ debtorId: request.params.debtorId, created });
    },
  );

  app.get(
    '/v1/debtors/:debtorId',
    {
      schema: {
        summary: 'The stored debtor profile, with every default spelled out',
        tags: ['billing'],
        params: debtorParams,
        response: { 200: storedDebtor, 400: errorResponse, 401: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const { debtorId } = request.params;
      const profile = (await loadDebtorProfiles(db, [debtorId])).get(debtorId);
      if (!profile)
        return reply.status(404).send({ error: 'not_found', message: `debtor ${debtorId} is unknown` });
      return { debtorId, ...profile };
    },
  );

  const invoiceResult = z.object({
    debtorId: z.string(),
    invoiceId: z.string(),
    change: z.enum(['created', 'updated', 'unchanged']),
    caseWorkflowId: z.string().nullable(),
  });
  app.put(
    '/v1/debtors/:debtorId/invoices/:invoiceId',
    {
      schema: {
        summary: 'Record an overdue invoice: opens the case or adds it to the running one',
        tags: ['billing'],
        params: invoiceParams,
        body: invoiceBody,
        response: {
          200: invoiceResult,
          201: invoiceResult,
          400: errorResponse,
          401: errorResponse,
          404: errorResponse,
          409: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const { debtorId, invoiceId } = request.params;
      const result = await recordInvoiceAndTellCase(
        { db, cases, policyVersions },
        debtorId,
        invoiceId,
        request.body,
      );
      return reply.status(result.change === 'created' ? 201 : 200).send({ debtorId, invoiceId, ...result });
    },
  );

  const withdrawalResult = z.object({
    debtorId: z.string(),
    invoiceId: z.string(),
    change: z.enum(['withdrawn', 'unchanged']),
    openAmount: z.number().int().describe('what stays open for the debtor, minor units'),
    caseWorkflowId: z.string().nullable().describe('the running case that was told; null without one'),
  });
  app.delete(
    '/v1/debtors/:debtorId/invoices/:invoiceId',
    {
      schema: {
        summary:
          'Withdraw a claim: nothing stays open on the invoice; a case with nothing open closes as cancelled',
        tags: ['billing'],
        params: invoiceParams,
        response: {
          200: withdrawalResult,
          400: errorResponse,
          401: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request) => {
      const { debtorId, invoiceId } = request.params;
      const result = await withdrawInvoiceAndTellCase({ db, cases }, debtorId, invoiceId);
      return { debtorId, invoiceId, ...result };
    },
  );

  const paymentResult = z.object({
    debtorId: z.string(),
    paymentId: z.string(),
    duplicate: z.boolean(),
    openAmount: z
      .number()
      .int()
      .describe('the open claim after this payment (principal, interest, fees), minor units'),
  });
  app.post(
    '/v1/debtors/:debtorId/payments',
    {
      schema: {
        summary: 'Record a payment (idempotent by paymentId); a fully paid case closes',
        tags: ['billing'],
        params: debtorParams,
        body: paymentBody,
        response: {
          200: paymentResult,
          201: paymentResult,
          400: errorResponse,
          401: errorResponse,
          404: errorResponse,
          409: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const { debtorId } = request.params;
      const { paymentId } = request.body;
      const { duplicate } = await recordPaymentAndTellCase(db, cases, debtorId, request.body);
      // What stays open is the claim (interest and fees included), not only the invoices' principal;
      // read in the urgent lane, as the payment was written.
      const { openAmount } = await urgently(() =>
        loadDebtorFacts(db, debtorId, new Date(), policies.creditor),
      );
      return reply.status(duplicate ? 200 : 201).send({ debtorId, paymentId, duplicate, openAmount });
    },
  );
};
