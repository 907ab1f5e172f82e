import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A policy file for MAHNWERK_CONFIG (the same schema as mahnwerk.config.example.yaml), in a temp dir. */
export function writePolicyFile(policy: Record<string, unknown>): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mahnwerk-policy-')), 'mahnwerk.config.json');
  writeFileSync(file, JSON.stringify(policy));
  return file;
}
