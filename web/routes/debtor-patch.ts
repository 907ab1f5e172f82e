import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError, upsertDebtor } from '../../db/billing.js';
import { loadDebtorProfile } from '../../db/debtors.js';
import { debtorPatchSchema } from '../../domain/debtor.js';
import { applyMergePatch } from '../../domain/merge-patch.js';
import type { ServerDeps } from '../server.js';
import { debtorBody, debtorParams, errorResponse } from '../schemas.js';

const MERGE_PATCH = 'application/merge-patch+json';

/**
 * PATCH /v1/debtors/{id}: a JSON merge patch (RFC 7396) on the stored profile, then the same write
 * as a billing PUT, so field ownership holds: what an agent or the debtor set stays theirs.
 */
export const debtorPatchRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db, cases }) => {
  app.addContentTypeParser(MERGE_PATCH, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.patch(
    '/v1/debtors/:debtorId',
    {
      schema: {
        summary: 'Change part of a debtor profile (JSON merge patch: null removes a field)',
        tags: ['billing'],
        consumes: [MERGE_PATCH, 'application/json'],
        params: debtorParams,
        body: debtorPatchSchema.describe(
          'Fields of the PUT /v1/debtors body; the patched profile must be valid as a whole (else 409)',
        ),
        response: {
          200: z.object({ debtorId: z.string(), profile: debtorBody }),
          400: errorResponse,
          401: errorResponse,
          404: errorResponse,
          409: errorResponse.describe('the patch is well-formed, but the patched profile is not valid'),
        },
      },
    },
    async (request, reply) => {
      const { debtorId } = request.params;
      const current = await loadDebtorProfile(db, debtorId);
      if (!current)
        throw new NotFoundError(`debtor ${debtorId} is unknown: create it with PUT /v1/debtors/${debtorId}`);
      const patched = debtorBody.safeParse(applyMergePatch(current, request.body));
      if (!patched.success) {
        const issues = patched.error.issues.map((i) => ({
          field: i.path.join('.') || 'body',
          message: i.message,
        }));
        // The patch itself passed the schema: it conflicts with what is stored (e.g. removes the e-mail
        // the preferred channel needs).
        return reply.status(409).send({
          error: 'conflict',
          message: `The patched profile is invalid: ${issues.map((i) => i.field).join(', ')}`,
          issues,
        });
      }
      await upsertDebtor(db, debtorId, patched.data);
      // New flags, consents or contact data can move the running case (protection at once).
      await cases.contactDataChanged(debtorId);
      // What is stored now, agents' and the debtor's fields included.
      return { debtorId, profile: debtorBody.parse(await loadDebtorProfile(db, debtorId)) };
    },
  );
};
