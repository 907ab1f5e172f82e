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

/** Crypto-shredding: without the row, the debtor's encrypted payloads cannot be read any more. */
export async function destroyDataKey(db: Database, debtorId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('payload_data_keys')
    .where('debtor_id', '=', debtorId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
