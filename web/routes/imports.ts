import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { applyImport, type ImportEvent } from '../../imports/apply.js';
import { checkRows, formatFromContentType, ImportFileError } from '../../imports/rows.js';
import type { ServerDeps } from '../server.js';
import { errorResponse } from '../schemas.js';

const IMPORT_TYPES = ['text/csv', 'application/x-ndjson', 'application/jsonl'];

const counts = {
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
};
/** One line of the streamed answer (documented in the OpenAPI description of the route). */
export const importEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('rejected'), row: z.number().int(), field: z.string(), message: z.string() }),
  z.object({ type: z.literal('progress'), ...counts }),
  z.object({ type: z.literal('summary'), ...counts }),
]);

/**
 * POST /v1/imports: a CSV or JSON Lines file streamed in (the content type decides), one debtor
 * profile and one invoice per row; the answer streams back as JSON Lines while the rows are
 * applied: every rejected row, progress every thousand rows, and a final summary.
 */
export const importRoutes: FastifyPluginAsyncZod<ServerDeps> = async (app, deps) => {
  // The body stays a stream: the rows are read as they arrive, whatever the file's size.
  app.addContentTypeParser(IMPORT_TYPES, (_request, payload, done) => done(null, payload));

  app.post(
    '/v1/imports',
    {
      schema: {
        summary: 'Bulk import of debtors with one invoice each (CSV or JSON Lines, streamed)',
        description:
          'Send the file as text/csv or application/x-ndjson. The answer is application/x-ndjson: ' +
          '{"type":"rejected","row","field","message"} per rejected row, {"type":"progress",…counts} ' +
          'about every 1000 rows and {"type":"summary","rows","created","updated","unchanged","rejected"} last.',
        tags: ['billing'],
        response: {
          200: importEventSchema.describe('one line of the application/x-ndjson answer'),
          400: errorResponse,
          401: errorResponse,
          415: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const format = formatFromContentType(request.headers['content-type']);
      if (!format || !(body instanceof Readable)) {
        return reply.status(415).send({
          error: 'unsupported_media_type',
          message: `send the file as ${IMPORT_TYPES.join(' or ')} (see README, "Bulk import")`,
        });
      }
      const events = applyImport(
        { ...deps, logger: request.log as typeof deps.logger },
        checkRows(body, format),
      );
      // The header is checked before the answer starts, so a wrong file is a plain 400.
      let first: IteratorResult<ImportEvent>;
      try {
        first = await events.next();
      } catch (error) {
        if (error instanceof ImportFileError)
          return reply.status(400).send({
            error: 'invalid_file',
            message: error.message,
            issues: [{ field: 'header', message: error.message }],
          });
        throw error;
      }
      async function* lines() {
        if (!first.done) yield `${JSON.stringify(first.value)}\n`;
        for await (const event of events) yield `${JSON.stringify(event)}\n`;
      }
      // A stream is sent as it is (Fastify serializes no stream); each line is an ImportEvent.
      return reply.type('application/x-ndjson').send(Readable.from(lines()) as unknown as ImportEvent);
    },
  );
};
