import { DESTROYED, destroyDataKey, findDataKey, storeDataKey } from '../db/data-keys.js';
import type { Database } from '../db/database.js';
import { newKey, open, seal } from './aes-gcm.js';
import type { MasterKeys } from './master-keys.js';

const MASTER_PREFIX = 'master:';
const DEBTOR_PREFIX = 'debtor:';
/** Unwrapped data keys are kept this long, so an erasure in another process takes effect soon. */
const CACHE_MS = 5 * 60_000;
const CACHE_ENTRIES = 10_000;

/** A payload key and the id written next to the ciphertext. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

export class PayloadKeyUnavailable extends Error {
  constructor(keyId: string, why: string) {
    super(`payload key ${keyId} is not available: ${why}`);
    this.name = 'PayloadKeyUnavailable';
  }
}

/** The debtor's data key was destroyed by an erasure: nothing of theirs can be written to Temporal again. */
export class DebtorErased extends PayloadKeyUnavailable {
  constructor(readonly debtorId: string) {
    super(`${DEBTOR_PREFIX}${debtorId}`, 'the debtor was erased (data key destroyed)');
    this.name = 'DebtorErased';
  }
}

/**
 * The keys of Temporal payloads: a data key per debtor (created on first use, stored wrapped by the
 * active master key), and the master key itself for payloads that belong to no debtor.
 */
export class PayloadKeyRing {
  private readonly cache = new Map<string, { key: Buffer; until: number }>();

  constructor(
    private readonly master: MasterKeys,
    private readonly db: Database,
  ) {}

  async encryptionKey(debtorId: string | undefined): Promise<PayloadKey> {
    if (debtorId === undefined) {
      return { id: `${MASTER_PREFIX}${this.master.active.id}`, key: this.master.active.key };
    }
    const id = `${DEBTOR_PREFIX}${debtorId}`;
    return { id, key: await this.dataKey(debtorId, true) };
  }

  async decryptionKey(id: string): Promise<Buffer> {
    if (id.startsWith(MASTER_PREFIX)) return this.masterKey(id.slice(MASTER_PREFIX.length), id);
    if (id.startsWith(DEBTOR_PREFIX)) return this.dataKey(id.slice(DEBTOR_PREFIX.length), false);
    throw new PayloadKeyUnavailable(id, 'unknown kind of key id');
  }

  /** Erasure: the wrapped key is deleted, so nothing encrypted with it can be read again. */
  async destroy(debtorId: string): Promise<boolean> {
    this.cache.delete(debtorId);
    return destroyDataKey(this.db, debtorId);
  }

  private masterKey(masterId: string, keyId: string): Buffer {
    const found = this.master.byId.get(masterId);
    if (!found)
      throw new PayloadKeyUnavailable(
        keyId,
        'add this master key back to MAHNWERK_PAYLOAD_KEYS (or the key file) after the active one',
      );
    return found.key;
  }

  private async dataKey(debtorId: string, create: boolean): Promise<Buffer> {
    const cached = this.cache.get(debtorId);
    if (cached && cached.until > Date.now()) return cached.key;
    const keyId = `${DEBTOR_PREFIX}${debtorId}`;
    let wrapped = await findDataKey(this.db, debtorId);
    if (!wrapped) {
      if (!create) throw new DebtorErased(debtorId);
      const { active } = this.master;
      wrapped = await storeDataKey(this.db, debtorId, {
        masterKeyId: active.id,
        wrappedKey: seal(active.key, newKey(), keyId).toString('base64'),
      });
    }
    if (wrapped.masterKeyId === DESTROYED) throw new DebtorErased(debtorId);
    const masterKey = this.masterKey(wrapped.masterKeyId, `${MASTER_PREFIX}${wrapped.masterKeyId}`);
    const key = open(masterKey, Buffer.from(wrapped.wrappedKey, 'base64'), keyId);
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(debtorId, { key, until: Date.now() + CACHE_MS });
    return key;
  }
}
