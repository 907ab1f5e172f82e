import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CSV_REQUIRED_COLUMNS } from '../domain/import-row.js';
import { errorResponse } from './schemas.js';

/**
 * What keeps the server and its OpenAPI document in agreement beyond the routes' zod schemas
 * (checked by `scripts/schemathesis.sh`): 405 for a method a path does not declare, and the parts
 * of the document zod cannot say (the streamed import body, links between operations).
 */

type OpenApiDocument = {
  info: { description?: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
};
type OpenApiOperation = {
  operationId?: string;
  requestBody?: unknown;
  responses?: Record<string, { description?: string; links?: Record<string, unknown>; content?: unknown }>;
};

const API_PREFIX = '/v1/';

/** Arrays and plain objects only: a streamed body (the import) is no data to walk. */
const isParsedJson = (value: unknown): value is object =>
  Array.isArray(value) ||
  (typeof value === 'object' &&
    value !== null &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value)));

/** Where in a parsed JSON body a string or key holds NUL, which PostgreSQL cannot store; null if none. */
export function nulCharacterAt(value: unknown, path: string[] = []): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (!isParsedJson(value)) return null;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key];
    const found = nulCharacterAt(child, [...path, key]);
    if (found) return found;
  }
  return null;
}

/**
 * A JSON body whose text holds NUL is refused before anything reads it: 422 naming the field, as the
 * document says for every body (a pattern on every string would bloat it, and map keys cannot carry one).
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    if (!request.url.startsWith(API_PREFIX)) return;
    const at = nulCharacterAt(request.body);
    if (!at) return;
    const field = at.join('.') || 'body';
    const message = 'text must not contain the NUL character (\\u0000): remove it and send the call again';
    return reply
      .status(422)
      .send({ error: 'invalid_request', message: `${field}: ${message}`, issues: [{ field, message }] });
  });
}

/**
 * A request to a known /v1 path with a method it does not have gets 405 and an `Allow` header,
 * before any body is read. Call before the routes are registered (it learns them as they come).
 */
export function answerUndeclaredMethods(app: FastifyInstance): void {
  const routes: { pattern: RegExp; methods: Set<string> }[] = [];
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(API_PREFIX)) return;
    const source = route.url
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    const known = routes.find((r) => r.pattern.source === `^${source}$`);
    const methods = known?.methods ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    if (!known) routes.push({ pattern: new RegExp(`^${source}$`), methods });
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    const path = request.url.split('?')[0] ?? '';
    const allowed = routes.filter((r) => r.pattern.test(path)).flatMap((r) => [...r.methods]);
    if (allowed.length === 0) return;
    const allow = [...new Set(allowed)].sort().join(', ');
    return reply
      .status(405)
      .header('allow', allow)
      .send({ error: 'method_not_allowed', message: `${request.method} is not allowed here: use ${allow}` });
  });
}

const operationId = (method: string, path: string) =>
  method +
  path
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/[{}]/g, '').replace(/^./, (c) => c.toUpperCase()))
    .join('')
    .replace(/[^A-Za-z0-9]/g, '');

/** Where a debtor's id leads: the operations a stateful API test can follow with a real id. */
const DEBTOR_ROUTES: [string, string][] = [
  ['get', '/v1/debtors/{debtorId}'],
  ['patch', '/v1/debtors/{debtorId}'],
  ['put', '/v1/debtors/{debtorId}/invoices/{invoiceId}'],
  ['post', '/v1/debtors/{debtorId}/payments'],
  ['get', '/v1/cases/{debtorId}'],
  ['post', '/v1/cases/{debtorId}/promise'],
  ['post', '/v1/cases/{debtorId}/payment-plan'],
  ['post', '/v1/cases/{debtorId}/dispute'],
  ['post', '/v1/cases/{debtorId}/dispute/resolve'],
  ['post', '/v1/cases/{debtorId}/pause'],
  ['post', '/v1/cases/{debtorId}/resume'],
  ['post', '/v1/cases/{debtorId}/cancel'],
];

const integerHeader = (description: string) => ({ description, schema: { type: 'integer', minimum: 0 } });

/** Every /v1 call counts against its key's budget (web/api-rate-limit.ts). */
const RATE_LIMITED = {
  description:
    'This API key made too many calls in the window; nothing was changed. Retry after Retry-After seconds.',
  headers: {
    'Retry-After': integerHeader('Seconds until the key may call again'),
    'RateLimit-Limit': integerHeader('Calls the key may make per window'),
    'RateLimit-Remaining': integerHeader('Calls left in this window'),
    'RateLimit-Reset': integerHeader('Seconds until the window starts afresh'),
  },
  // The same error body as every other refusal.
  content: { 'application/json': { schema: z.toJSONSchema(errorResponse, { target: 'openapi-3.0' }) } },
};

/** The document as the routes describe it, plus operation ids, links, the import body and the 405 rule. */
export function completeDocument<T>(document: T): T {
  const doc = document as unknown as OpenApiDocument;
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      operation.operationId ??= operationId(method, path);
      // No content is no content: not a JSON null.
      delete operation.responses?.['204']?.content;
      documentUnfitBodies(path, operation);
      if (path.startsWith(API_PREFIX)) operation.responses = { ...operation.responses, '429': RATE_LIMITED };
    }
  }
  const linkFrom = (method: string, path: string, extra: Record<string, string> = {}) => {
    const responses = doc.paths[path]?.[method]?.responses ?? {};
    const links = Object.fromEntries(
      DEBTOR_ROUTES.filter(([m, p]) => doc.paths[p]?.[m] && !(m === method && p === path)).map(([m, p]) => [
        operationId(m, p),
        {
          operationId: operationId(m, p),
          parameters: {
            debtorId: '$response.body#/debtorId',
            ...(p.includes('{invoiceId}') ? extra : {}),
          },
        },
      ]),
    );
    for (const status of ['200', '201']) {
      const response = responses[status];
      if (response) response.links = { ...response.links, ...links };
    }
  };
  linkFrom('put', '/v1/debtors/{debtorId}');
  linkFrom('put', '/v1/debtors/{debtorId}/invoices/{invoiceId}', { invoiceId: '$response.body#/invoiceId' });

  const imports = doc.paths['/v1/imports']?.post;
  if (imports) {
    // The body is streamed past the zod validators; a CSV file starts with its header line.
    imports.requestBody = {
      required: true,
      content: {
        'text/csv': { schema: { type: 'string', pattern: `^${CSV_REQUIRED_COLUMNS.join(',')}\\r?\\n` } },
        'application/x-ndjson': { schema: { type: 'string' } },
      },
    };
  }
  const importAnswer = imports?.responses?.['200'] as { content?: Record<string, unknown> } | undefined;
  if (importAnswer?.content?.['application/json']) {
    // The answer streams as JSON Lines, one import event a line.
    importAnswer.content = { 'application/x-ndjson': importAnswer.content['application/json'] };
  }
  tidySchemas(doc.paths);
  doc.info.description = `${doc.info.description ?? ''}. A method a path does not list answers 405 with an Allow header. Each API key has a budget of calls per window: every answer carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset, and a call over it gets 429 with Retry-After.`;
  return document;
}

/**
 * Every /v1 body may be well-formed by the document and still not fit: NUL in a text, a rule across
 * fields or the keys of a map (what OpenAPI 3.0 cannot state). Such a call answers 422.
 */
function documentUnfitBodies(path: string, operation: OpenApiOperation): void {
  const malformed = operation.responses?.['400'];
  if (!path.startsWith(API_PREFIX) || !operation.requestBody || !malformed || operation.responses?.['422'])
    return;
  operation.responses!['422'] = {
    ...malformed,
    description:
      'Well-formed, but does not fit: a text holds NUL, or a rule the schema cannot state is broken',
  };
}

/**
 * Two spots where zod's JSON Schema and OpenAPI 3.0 readers part: an e-mail address is what the
 * server's pattern accepts (`format: email` beside it lets a client's own validator disagree), and
 * a nullable enum lists null among its values.
 */
function tidySchemas(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  const schema = node as { format?: unknown; pattern?: unknown; nullable?: unknown; enum?: unknown };
  if (schema.format === 'email' && typeof schema.pattern === 'string') delete schema.format;
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null))
    schema.enum.push(null);
  for (const child of Object.values(node)) tidySchemas(child);
}
