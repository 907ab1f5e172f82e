import type { Database } from './database.js';

export interface WrappedDataKey {
  masterKeyId: string;
  /** base64 of iv | ciphertext | tag. */
  wrappedKey: string;
}

export async function findDataKey(db: Database, debtorId: string): Promise<WrappedDataKey | undefined> {
  const row = await db
    .selectFrom('payload_data_keys')
    .select(['master_key_id', 'wrapped_key'])
    .where('debtor_id', '=', debtorId)
    .executeTakeFirst();
  return row && { masterKeyId: row.master_key_id, wrappedKey: row.wrapped_key };
}

/** Stores the key unless another process stored one first; answers the key in force either way. */
export async function storeDataKey(
  db: Database,
  debtorId: string,
  key: WrappedDataKey,
): Promise<WrappedDataKey> {
  await db
    .insertInto('payload_data_keys')
    .values({ debtor_id: debtorId, master_key_id: key.masterKeyId, wrapped_key: key.wrappedKey })
    .onConflict((oc) => oc.column('debtor_id').doNothing())
    .execute();
  const stored = await findDataKey(db, debtorId);
  if (!stored) throw new Error(`the data key of debtor ${debtorId} was destroyed while it was created`);
  return stored;
}

/** The master key id of a destroyed data key's tombstone. */
export const DESTROYED = 'destroyed';

/**
 * Crypto-shredding: the wrapped key is overwritten by a tombstone, so the debtor's encrypted
 * payloads cannot be read any more, and a late write for the debtor (an activity finishing after
 * the erasure) cannot create a fresh key: it fails instead. True when a live key was destroyed.
 */
export async function destroyDataKey(db: Database, debtorId: string): Promise<boolean> {
  const before = await findDataKey(db, debtorId);
  await db
    .insertInto('payload_data_keys')
    .values({ debtor_id: debtorId, master_key_id: DESTROYED, wrapped_key: '' })
    .onConflict((oc) => oc.column('debtor_id').doUpdateSet({ master_key_id: DESTROYED, wrapped_key: '' }))
    .execute();
  return before !== undefined && before.masterKeyId !== DESTROYED;
}
