import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPolicies, loadPolicies, PolicyFileError, readPolicyFile } from '../config/policy-file.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'mahnwerk-policies-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const at = path.join(scratch, name);
  writeFileSync(at, content);
  return at;
};

describe('policy file', () => {
  it('the shipped example is valid and changes what it says', async () => {
    const policies = await readPolicyFile('mahnwerk.config.example.yaml');
    const steps = policies.strategies['self-service'].steps.map((s) => [s.id, s.afterDays]);
    expect(policies.strategies['self-service'].version).toBe('self-service-v2');
    expect(steps).toEqual([
      ['portal-link', 0],
      ['reminder', 3],
      ['sms-nudge', 3],
      ['call', 4],
    ]);
    expect(policies.strategies.assisted).toEqual(defaultPolicies().strategies.assisted);
  });

  it('overrides only what it names, in JSON too', async () => {
    const policies = await readPolicyFile(
      file(
        'p.json',
        JSON.stringify({
          segmentation: { smallBalanceMax: 100 },
          contactPolicy: { caps: { sms: { maxPerDay: 2 } } },
        }),
      ),
    );
    expect(policies.segmentation.smallBalanceMax).toBe(100);
    expect(policies.segmentation.highRiskDaysPastDue).toBe(90);
    expect(policies.contactPolicy.caps.sms.maxPerDay).toBe(2);
    expect(policies.contactPolicy.caps.email.maxPerDay).toBe(1);
  });

  it('names the path of every bad field', async () => {
    const bad = file(
      'bad.yaml',
      'segmentation:\n  smallBalanceMax: lots\ncontactPolicy:\n  caps:\n    sms: { maxPerDay: 0 }\nstrategies:\n  assisted:\n    cadenceDays: { final: 3 }\nsurprise: 1\n',
    );
    const error = (await readPolicyFile(bad).catch((e: unknown) => e)) as PolicyFileError;
    expect(error).toBeInstanceOf(PolicyFileError);
    const paths = error.problems.map((p) => p.split(':')[0]).sort();
    expect(paths).toEqual([
      'contactPolicy.caps.sms.maxPerDay',
      'segmentation.smallBalanceMax',
      'strategies.assisted.version',
      'surprise',
    ]);
  });

  it('refuses a cadence for a step the strategy does not have', async () => {
    const bad = file(
      'steps.yaml',
      'strategies:\n  assisted:\n    version: assisted-v2\n    cadenceDays: { nope: 1 }\n',
    );
    await expect(readPolicyFile(bad)).rejects.toThrow(
      /strategies.assisted.cadenceDays.nope: no such step in assisted/,
    );
  });

  it('uses the built-in defaults when no file is there', async () => {
    const loaded = await loadPolicies(undefined);
    expect(loaded.file).toBeUndefined();
    expect(loaded.policies).toEqual(defaultPolicies());
  });
});
