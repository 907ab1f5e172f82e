import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toLocal } from '../../domain/contact-policy/index.js';

/**
 * Tests on the real clock: the contact policy would rightly hold a message back at night or on a
 * Sunday, so their debtors live in a zone where it is a weekday around midday now. (Contact windows
 * themselves are tested on the time-skipping server.)
 */
export function zoneInContactWindowNow(): string {
  for (let offset = -12; offset <= 14; offset++) {
    const zone = offset >= 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
    const local = toLocal(Date.now(), zone);
    if (local.weekday <= 6 && local.hour >= 10 && local.hour <= 17) return zone;
  }
  throw new Error('no zone is inside the contact window now');
}

/** A policy file for MAHNWERK_CONFIG (the same schema as mahnwerk.config.example.yaml), in a temp dir. */
export function writePolicyFile(policy: Record<string, unknown>): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mahnwerk-policy-')), 'mahnwerk.config.json');
  writeFileSync(file, JSON.stringify(policy));
  return file;
}
