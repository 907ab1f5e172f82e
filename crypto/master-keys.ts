import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { KEY_BYTES, newKey } from './aes-gcm.js';

export interface MasterKey {
  id: string;
  key: Buffer;
}

/** The first key encrypts; every key decrypts, so an old one stays listed until nothing uses it. */
export interface MasterKeys {
  active: MasterKey;
  byId: ReadonlyMap<string, MasterKey>;
}

const entrySchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,40}:[A-Za-z0-9+/_-]{43}=?$/, 'each key must be <id>:<32 bytes in base64>')
  .transform((entry): MasterKey => {
    const [id, encoded] = entry.split(':') as [string, string];
    return { id, key: Buffer.from(encoded, 'base64') };
  })
  .refine((k) => k.key.length === KEY_BYTES, 'each key must be 32 bytes (base64 of 32 random bytes)');

/** `id:base64` entries separated by commas or lines; `#` starts a comment line in a key file. */
export const masterKeysSchema = z
  .string()
  .transform((text) =>
    text
      .split('\n')
      // Comments first: a comment may contain a comma.
      .filter((line) => !line.trim().startsWith('#'))
      .flatMap((line) => line.split(','))
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .pipe(z.array(entrySchema).min(1, 'must list at least one key'))
  .refine((keys) => new Set(keys.map((k) => k.id)).size === keys.length, 'key ids must be unique')
  .transform((keys): MasterKeys => ({ active: keys[0]!, byId: new Map(keys.map((k) => [k.id, k])) }));

/** A new key entry for MAHNWERK_PAYLOAD_KEYS or the key file: put it first to rotate. */
export function generateKeyEntry(now = new Date()): string {
  return `k${now.toISOString().slice(0, 19).replace(/\D/g, '')}:${newKey().toString('base64')}`;
}

export function readKeyFile(file: string): MasterKeys {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`payload key file ${file} cannot be read (${(error as Error).message})`, {
      cause: error,
    });
  }
  const parsed = masterKeysSchema.safeParse(text);
  if (!parsed.success) {
    throw new Error(`payload key file ${file}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  return parsed.data;
}

export interface MasterKeySource {
  keys: MasterKeys | undefined;
  keyFile: string | undefined;
}

/**
 * The master keys: MAHNWERK_PAYLOAD_KEYS, else the key file, else (embedded default only; config
 * refuses this in production) a key generated once and kept in `<dataDir>/payload-keys`. Without a
 * data directory (in-memory test runs) a key lives as long as the process.
 */
export function loadMasterKeys(source: MasterKeySource, dataDir: string | undefined): MasterKeys {
  if (source.keys) return source.keys;
  if (source.keyFile) return readKeyFile(source.keyFile);
  if (!dataDir) return masterKeysSchema.parse(generateKeyEntry());
  const file = path.join(dataDir, 'payload-keys');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(
      file,
      `# Mahnwerk payload master keys: the first encrypts, all decrypt.\n${generateKeyEntry()}\n`,
      {
        mode: 0o600,
      },
    );
  }
  return readKeyFile(file);
}
