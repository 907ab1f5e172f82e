import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database } from './database.js';

/** API keys are random, so a fast hash is enough: a leaked table reveals no usable key. */
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function generateApiKey(): string {
  return `mw_${randomBytes(24).toString('base64url')}`;
}

export async function storeApiKey(db: Database, name: string, key = generateApiKey()): Promise<string> {
  await db
    .insertInto('api_keys')
    .values({ id: randomUUID(), name, key_hash: hashApiKey(key), revoked_at: null })
    .onConflict((oc) => oc.column('key_hash').doUpdateSet({ revoked_at: null }))
    .execute();
  return key;
}

export async function isValidApiKey(db: Database, key: string): Promise<boolean> {
  const row = await db
    .selectFrom('api_keys')
    .select('id')
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}
