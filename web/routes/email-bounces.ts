import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { trimmedText } from '../../domain/text.js';
import { recordEmailBounce } from '../../channels/email/bounces.js';
import type { ServerDeps } from '../server.js';
import { errorResponse } from '../schemas.js';

const bounceBody = z
  .object({
    messageId: trimmedText(3, 998).optional(),
    address: z.email().max(320).optional(),
    kind: z.enum(['hard', 'soft']),
    reason: z.string().trim().max(500).optional(),
  })
  .strict()
  .refine((b) => b.messageId !== undefined || b.address !== undefined, {
    message: 'messageId or address is required',
    path: ['messageId'],
    params: { inDocument: true },
  })
  // The same rule in the OpenAPI document.
  .meta({ anyOf: [{ required: ['messageId'] }, { required: ['address'] }] });

/** Where the mail system (DSN processing, an e-mail provider's webhook relay) reports bounces. */
export const emailBounceRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, { db, cases }) => {
  app.post(
    '/v1/email-bounces',
    {
      schema: {
        summary: 'Report an e-mail bounce',
        description:
          'A hard bounce marks the address invalid for every debtor using it, and their cases re-assess. ' +
          'Give the Message-ID of the bounced mail, the address, or both. Repeating a report changes nothing.',
        tags: ['channels'],
        body: bounceBody,
        response: {
          200: z.object({ invalidatedDebtors: z.number().int(), messageFound: z.boolean() }),
          400: errorResponse,
          401: errorResponse,
        },
      },
    },
    async (request) => {
      const result = await recordEmailBounce(db, cases, request.body);
      return { invalidatedDebtors: result.invalidated.length, messageFound: result.outboxKey !== undefined };
    },
  );
};
