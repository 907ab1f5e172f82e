import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { policyDocumentSchema } from '../../config/policy-file.js';
import { findPolicyDraft, listPolicyVersions } from '../../db/policies.js';
import { SEGMENTS } from '../../domain/segmentation/types.js';
import { CHANNELS } from '../../domain/segmentation/types.js';
import { previewDraft, publishDraft, saveDraft } from '../policies/drafts.js';
import { apiActor } from '../api-auth.js';
import { errorResponse } from '../schemas.js';
import type { ServerDeps } from '../server.js';

const change = z.object({ path: z.string(), from: z.unknown(), to: z.unknown() });

const WHEN =
  'A published version applies to each open case at its next re-assessment for segmentation thresholds ' +
  '(before each step, when facts change, at least every 7 days), and from its next episode (a case ' +
  'opening, or a segment change) for strategies, contact windows and caps and plan limits.';

/** Policies as versioned data: the policy file is version 0; the cockpit and these routes publish more. */
export const policyRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db, policyVersions }) => {
  app.get(
    '/v1/policies',
    {
      schema: {
        summary:
          'The policies in force (version, document) and the versions published: who, when, what changed',
        description: WHEN,
        tags: ['policies'],
        response: {
          200: z.object({
            version: z.number().int(),
            document: z.record(z.string(), z.unknown()),
            history: z.array(
              z.object({
                version: z.number().int(),
                createdBy: z.string(),
                createdAt: z.string(),
                reason: z.string(),
                changes: z.array(change),
              }),
            ),
          }),
          401: errorResponse,
        },
      },
    },
    async () => {
      const current = await policyVersions.current();
      const history = await listPolicyVersions(db);
      return {
        version: current.version,
        document: current.document,
        history: history.map((h) => ({
          version: h.version,
          createdBy: h.created_by,
          createdAt: h.created_at.toISOString(),
          reason: h.reason,
          changes: h.changes,
        })),
      };
    },
  );

  app.get(
    '/v1/policies/draft',
    {
      schema: {
        summary: 'The draft being edited, if any',
        tags: ['policies'],
        response: {
          200: z.object({
            document: z.record(z.string(), z.unknown()),
            basedOn: z.number().int(),
            updatedBy: z.string(),
          }),
          401: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (_request, reply) => {
      const draft = await findPolicyDraft(db);
      if (!draft)
        return reply.status(404).send({ error: 'not_found', message: 'there is no draft: PUT one' });
      return {
        document: draft.document as Record<string, unknown>,
        basedOn: draft.based_on,
        updatedBy: draft.updated_by,
      };
    },
  );

  app.put(
    '/v1/policies/draft',
    {
      schema: {
        summary: 'Save the draft: segmentation, contactPolicy and strategies, as in the policy file',
        description: "Validated by the policy file's schema; a section left out takes its defaults.",
        tags: ['policies'],
        body: policyDocumentSchema,
        response: {
          200: z.object({ basedOn: z.number().int(), changes: z.array(change) }),
          400: errorResponse,
          422: errorResponse,
          401: errorResponse,
        },
      },
    },
    async (request) => saveDraft(db, policyVersions, request.body, apiActor(request)),
  );

  app.post(
    '/v1/policies/draft/preview',
    {
      schema: {
        summary:
          'Re-assess every open case with the draft: segment migration matrix and 14-day contact forecast',
        tags: ['policies'],
        response: {
          200: z.object({
            basedOn: z.number().int(),
            cases: z.number().int(),
            migrations: z.array(
              z.object({
                from: z.enum(SEGMENTS),
                to: z.enum(SEGMENTS),
                cases: z.number().int(),
                amounts: z.array(z.object({ currency: z.string(), amount: z.number().int() })),
              }),
            ),
            forecast: z.array(
              z.object({ day: z.string(), channel: z.enum(CHANNELS), contacts: z.number().int() }),
            ),
            moves: z.array(z.object({ debtorId: z.string(), from: z.enum(SEGMENTS), to: z.enum(SEGMENTS) })),
          }),
          401: errorResponse,
          409: errorResponse,
        },
      },
    },
    async () => previewDraft(db, policyVersions),
  );

  app.post(
    '/v1/policies/publish',
    {
      schema: {
        summary: 'Publish the draft as the next policy version',
        description: WHEN,
        tags: ['policies'],
        body: z.object({ reason: z.string().trim().min(1).max(500) }).strict(),
        response: {
          200: z.object({ version: z.number().int() }),
          400: errorResponse,
          422: errorResponse,
          401: errorResponse,
          409: errorResponse,
        },
      },
    },
    async (request) => publishDraft(db, policyVersions, apiActor(request), request.body.reason),
  );
};
