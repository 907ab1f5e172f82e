import type { FastifyInstance } from 'fastify';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/**
 * HTML forms and Twilio post url-encoded bodies. Parsed in the registering plugin's scope only;
 * a repeated field becomes a list (Twilio signs every value).
 */
export function acceptForms(app: FastifyInstance, bodyLimit = 64 * 1024): void {
  app.addContentTypeParser(FORM_CONTENT_TYPE, { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const params: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(String(body))) {
      const seen = params[key];
      params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    done(null, params);
  });
}
