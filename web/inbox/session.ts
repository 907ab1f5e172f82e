import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createSession, deleteSession, sessionAgent, type Agent } from '../../db/agents.js';
import type { Database } from '../../db/database.js';

/**
 * Agent sessions: a random id in an HttpOnly, SameSite=Lax cookie (Secure over https); the database
 * keeps only its SHA-256. Every form carries a CSRF token derived from the session id (synchronizer
 * token: an attacker's page can neither read the cookie nor compute the token).
 */
export const SESSION_COOKIE = 'mw_session';
/** Before login there is no session: the login form is protected by a double-submit cookie. */
export const LOGIN_COOKIE = 'mw_login';
export const SESSION_HOURS = 12;

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

export function setCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  value: string,
  maxAgeSeconds: number,
): void {
  const attributes = [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${maxAgeSeconds}`,
    ...(request.protocol === 'https' ? ['Secure'] : []),
  ];
  const previous = reply.getHeader('set-cookie');
  const cookies = Array.isArray(previous) ? previous : previous ? [String(previous)] : [];
  reply.header('set-cookie', [...cookies, attributes.join('; ')]);
}

export const randomToken = (): string => randomBytes(32).toString('base64url');

export const csrfTokenFor = (sessionId: string): string =>
  createHmac('sha256', sessionId).update('mahnwerk inbox csrf').digest('base64url');

export function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface AgentSession {
  agent: Agent;
  csrf: string;
}

export async function startSession(
  db: Database,
  request: FastifyRequest,
  reply: FastifyReply,
  agent: Agent,
): Promise<void> {
  const id = randomToken();
  await createSession(db, agent.id, sha256(id), new Date(Date.now() + SESSION_HOURS * 3_600_000));
  setCookie(request, reply, SESSION_COOKIE, id, SESSION_HOURS * 3600);
}

export async function currentSession(
  db: Database,
  request: FastifyRequest,
): Promise<AgentSession | undefined> {
  const id = readCookie(request, SESSION_COOKIE);
  if (!id) return undefined;
  const agent = await sessionAgent(db, sha256(id), new Date());
  return agent ? { agent, csrf: csrfTokenFor(id) } : undefined;
}

export async function endSession(db: Database, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const id = readCookie(request, SESSION_COOKIE);
  if (id) await deleteSession(db, sha256(id));
  setCookie(request, reply, SESSION_COOKIE, '', 0);
}
