import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateApiKey, type ApiKeyIdentity } from '../db/api-keys.js';
import { audit, auditActor, type Actor } from '../db/audit.js';
import type { Database } from '../db/database.js';
import type { ApiScope } from '../domain/api-scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyIdentity;
  }
}

export const bearerToken = (request: FastifyRequest): string | undefined => {
  const header = request.headers.authorization ?? '';
  return header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() || undefined : undefined;
};

/**
 * The scopes that reach a route (by its pattern and method); first match wins. A reading route
 * also answers the scope that writes it, so a billing system reads back what it wrote. A route
 * no rule names is for admins only: a new route is closed until someone decides otherwise.
 */
const SCOPE_RULES: { pattern: RegExp; methods?: readonly string[]; scopes: readonly ApiScope[] }[] = [
  { pattern: /^\/v1\/(audit|webhook-subscriptions|dev)(\/|$)/, scopes: ['admin'] },
  { pattern: /^\/v1\/debtors\/:debtorId\/export$/, scopes: ['admin'] },
  { pattern: /^\/v1\/debtors\/:debtorId$/, methods: ['DELETE'], scopes: ['admin'] },
  { pattern: /^\/v1\/(debtors|imports|email-bounces)(\/|$)/, methods: ['GET'], scopes: ['billing', 'read'] },
  { pattern: /^\/v1\/(debtors|imports|email-bounces)(\/|$)/, scopes: ['billing'] },
  { pattern: /^\/v1\/(agent-tasks|agents)(\/|$)/, methods: ['GET'], scopes: ['agent-api', 'read'] },
  { pattern: /^\/v1\/(agent-tasks|agents)(\/|$)/, scopes: ['agent-api'] },
  // An integration steering strategies needs neither billing nor admin; admins keep steering.
  { pattern: /^\/v1\/(experiments|policies)(\/|$)/, scopes: ['manager', 'admin'] },
  { pattern: /^\/v1\/kpis(\/|$)/, methods: ['GET'], scopes: ['read', 'manager'] },
  { pattern: /^\/v1\/cases(\/|$)/, methods: ['GET'], scopes: ['read'] },
  // Promises, plans and disputes come from billing systems and from agents' own tools alike.
  { pattern: /^\/v1\/cases\//, scopes: ['billing', 'agent-api'] },
];

export function scopesFor(method: string, route: string): readonly ApiScope[] {
  const rule = SCOPE_RULES.find((r) => r.pattern.test(route) && (!r.methods || r.methods.includes(method)));
  return rule?.scopes ?? ['admin'];
}

/** The key behind an authenticated request, as the author of a policy or experiment change. */
export function apiActor(request: FastifyRequest): Actor {
  if (!request.apiKey) throw new Error('apiActor needs a route behind protectApi');
  const id = auditActor.apiKey(request.apiKey.id);
  return { audit: id, label: id };
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Bearer-key authentication and scope check for everything registered on `api`, and an audit
 * entry for every authenticated call that changes data (recorded after the answer, with its
 * status, so refused attempts are in the log as well).
 */
export function protectApi(api: FastifyInstance, db: Database): void {
  api.addHook('onRequest', async (request, reply) => {
    const token = bearerToken(request);
    const identity = token ? await authenticateApiKey(db, token) : undefined;
    if (!identity) {
      return reply.status(401).send({
        error: 'unauthorized',
        message:
          'Send a valid API key as "Authorization: Bearer <key>" (create one with `npm run mahnwerk -- api-key create`).',
      });
    }
    request.apiKey = identity;
    const needed = scopesFor(request.method, request.routeOptions.url ?? request.url);
    if (!needed.some((scope) => identity.scopes.includes(scope))) {
      return reply.status(403).send({
        error: 'forbidden',
        message: `This key (${identity.name}) lacks the scope for ${request.method} ${request.routeOptions.url ?? request.url}: it needs one of ${needed.join(', ')}. Create a key with it: npm run mahnwerk -- api-key create --name <name> --scopes ${needed[0]}`,
      });
    }
  });
  api.addHook('onResponse', async (request, reply) => {
    if (!request.apiKey || !CHANGES.has(request.method)) return;
    const params = (request.params ?? {}) as { debtorId?: unknown };
    try {
      await audit(db, {
        actor: auditActor.apiKey(request.apiKey.id),
        action: 'api.change',
        debtorId: typeof params.debtorId === 'string' ? params.debtorId : undefined,
        route: `${request.method} ${request.routeOptions.url ?? request.url}`,
        detail: { status: reply.statusCode, keyName: request.apiKey.name, ip: request.ip },
      });
    } catch (error) {
      // The answer is out already; the missing entry must at least be visible to operators.
      request.log.error({ err: error, route: request.routeOptions.url }, 'audit entry not written');
    }
  });
}
