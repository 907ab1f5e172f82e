import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { API_SCOPES, apiScopeListSchema, type ApiScope } from '../domain/api-scopes.js';
import type { Database } from './database.js';

/** API keys are random, so a fast hash is enough: a leaked table reveals no usable key. */
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function generateApiKey(): string {
  return `mw_${randomBytes(24).toString('base64url')}`;
}

export interface ApiKeyIdentity {
  id: string;
  name: string;
  scopes: ApiScope[];
}

/** Stores a key (a new random one unless given) and returns it; storing a known key revives it. */
export async function storeApiKey(
  db: Database,
  name: string,
  options: { key?: string; scopes?: readonly ApiScope[] } = {},
): Promise<{ id: string; key: string }> {
  const key = options.key ?? generateApiKey();
  const scopes = JSON.stringify(options.scopes ?? API_SCOPES);
  const row = await db
    .insertInto('api_keys')
    .values({ id: randomUUID(), name, key_hash: hashApiKey(key), revoked_at: null, scopes })
    .onConflict((oc) => oc.column('key_hash').doUpdateSet({ revoked_at: null, name, scopes }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, key };
}

/** The stored last use is at most this old: a busy key does not cost a write per request. */
const LAST_USE_RESOLUTION_MS = 60_000;

/** The unrevoked key's identity, or undefined; notes the use. */
export async function authenticateApiKey(db: Database, key: string): Promise<ApiKeyIdentity | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'scopes', 'last_used_at'])
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const now = new Date();
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USE_RESOLUTION_MS) {
    await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { id: row.id, name: row.name, scopes: apiScopeListSchema.parse(row.scopes) };
}

export async function listApiKeys(db: Database) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'scopes', 'created_at', 'last_used_at', 'revoked_at'])
    .orderBy('created_at')
    .execute();
}

/** True when an unrevoked key had this id. */
export async function revokeApiKey(db: Database, id: string): Promise<boolean> {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
