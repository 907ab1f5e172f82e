import type { FastifyInstance } from 'fastify';

const FORM = 'application/x-www-form-urlencoded';

/**
 * Parses HTML form posts in the calling plugin's scope (@fastify/formbody is not a dependency).
 * A field sent more than once (checkboxes) becomes an array.
 */
export function acceptForms(app: FastifyInstance, bodyLimit = 64 * 1024): void {
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const fields: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(String(body))) {
      const seen = fields[key];
      fields[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    done(null, fields);
  });
}
