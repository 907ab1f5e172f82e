import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyEntry, loadMasterKeys, readKeyFile } from '../crypto/master-keys.js';

const none = { keys: undefined, keyFile: undefined };

describe('payload master keys', () => {
  it('the embedded default generates a key file once and reads the same key back', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'mahnwerk-keys-'));
    const first = loadMasterKeys(none, dataDir);
    const again = loadMasterKeys(none, dataDir);
    expect(again.active.id).toBe(first.active.id);
    expect(again.active.key.equals(first.active.key)).toBe(true);
    expect(await readFile(path.join(dataDir, 'payload-keys'), 'utf8')).toMatch(/^#/);
  });

  it('a key file lists keys one per line or separated by commas; comments may contain commas', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mahnwerk-keys-'));
    const file = path.join(dir, 'keys');
    const [a, b, c] = [
      generateKeyEntry(),
      `b:${Buffer.alloc(32, 1).toString('base64')}`,
      `c:${Buffer.alloc(32, 2).toString('base64')}`,
    ];
    await writeFile(file, `# new first, then the old ones, comma or line\n${a}\n${b}, ${c}\n`);
    const keys = readKeyFile(file);
    expect(keys.active.id).toBe(a.split(':')[0]);
    expect([...keys.byId.keys()].sort()).toEqual([a.split(':')[0], 'b', 'c'].sort());
  });

  it('a broken entry is refused with what is expected', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mahnwerk-keys-'));
    const file = path.join(dir, 'keys');
    await writeFile(file, 'k1:tooshort\n');
    expect(() => readKeyFile(file)).toThrow(/<id>:<32 bytes in base64>/);
  });
});
