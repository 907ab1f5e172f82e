import { describe, expect, it } from 'vitest';
import { assignVariant, hash32 } from '../domain/experiments/assignment.js';
import {
  experimentVerdict,
  normalCdf,
  twoProportionTest,
  wilsonInterval,
} from '../domain/experiments/statistics.js';
import { applyVariant, variantOverridesSchema, VariantError } from '../domain/experiments/variant.js';
import { defaultStrategies } from '../domain/strategies/defaults.js';

const ids = Array.from({ length: 10_000 }, (_, i) => `debtor-${i}`);

describe('variant assignment', () => {
  it.each([
    [
      [
        { name: 'champion', weight: 50 },
        { name: 'challenger', weight: 50 },
      ],
    ],
    [
      [
        { name: 'champion', weight: 80 },
        { name: 'challenger', weight: 20 },
      ],
    ],
    [
      [
        { name: 'a', weight: 5 },
        { name: 'b', weight: 3 },
        { name: 'c', weight: 2 },
      ],
    ],
  ])('splits 10,000 debtors within ±2 %% of the weights %j, the same on every call', (variants) => {
    const total = variants.reduce((s, v) => s + v.weight, 0);
    const first = ids.map((id) => assignVariant('exp-1', id, variants));
    expect(ids.map((id) => assignVariant('exp-1', id, variants))).toEqual(first);
    for (const v of variants) {
      const share = first.filter((name) => name === v.name).length / ids.length;
      expect(Math.abs(share - v.weight / total)).toBeLessThanOrEqual(0.02);
    }
  });

  it('depends on the experiment: another experiment splits the same debtors differently', () => {
    const variants = [
      { name: 'champion', weight: 1 },
      { name: 'challenger', weight: 1 },
    ];
    const a = ids.map((id) => assignVariant('exp-1', id, variants));
    const b = ids.map((id) => assignVariant('exp-2', id, variants));
    const same = a.filter((name, i) => name === b[i]).length / ids.length;
    expect(same).toBeGreaterThan(0.45);
    expect(same).toBeLessThan(0.55);
    expect(hash32('exp-1\u0000debtor-1')).not.toBe(hash32('exp-1\u0000debtor-2'));
  });
});

describe('statistics', () => {
  it('Wilson interval and the normal distribution match published values', () => {
    const ci = wilsonInterval(50, 100);
    expect(ci?.low).toBeCloseTo(0.4038, 4);
    expect(ci?.high).toBeCloseTo(0.5962, 4);
    const zero = wilsonInterval(0, 10);
    expect(zero?.low).toBe(0);
    expect(zero?.high).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
    // 45/100 vs 30/100: z = 2.19, p = 0.0285 (pooled two-proportion test).
    const test = twoProportionTest(45, 100, 30, 100);
    expect(test.z).toBeCloseTo(2.1909, 3);
    expect(test.pValue).toBeCloseTo(0.0285, 3);
  });

  it('finds a clear winner', () => {
    const verdict = experimentVerdict([
      { name: 'champion', n: 500, successes: 150 },
      { name: 'challenger', n: 500, successes: 225 },
    ]);
    expect(verdict.kind).toBe('winner');
    expect(verdict).toMatchObject({ winner: 'challenger' });
  });

  it('says "no difference yet" for equal variants, and for a difference within chance', () => {
    expect(
      experimentVerdict([
        { name: 'champion', n: 400, successes: 120 },
        { name: 'challenger', n: 400, successes: 120 },
      ]).kind,
    ).toBe('no-difference-yet');
    expect(
      experimentVerdict([
        { name: 'champion', n: 400, successes: 120 },
        { name: 'challenger', n: 400, successes: 130 },
      ]).kind,
    ).toBe('no-difference-yet');
  });

  it('gives no verdict below the minimum sample, however large the difference', () => {
    expect(
      experimentVerdict([
        { name: 'champion', n: 20, successes: 2 },
        { name: 'challenger', n: 20, successes: 18 },
      ]),
    ).toEqual({ kind: 'too-few-cases', minimumPerVariant: 100, smallest: 20 });
  });

  it('with three variants the leader must beat every other one', () => {
    const verdict = experimentVerdict([
      { name: 'a', n: 500, successes: 150 },
      { name: 'b', n: 500, successes: 230 },
      { name: 'c', n: 500, successes: 225 },
    ]);
    expect(verdict.kind).toBe('no-difference-yet');
  });
});

describe('applyVariant', () => {
  const assisted = defaultStrategies.assisted;

  it('changes cadence, tone, channel order, templates and call timing, and names the variant in the version', () => {
    const overrides = variantOverridesSchema.parse({
      cadenceDays: { call: 2 },
      tone: 'friendly',
      channelOrder: ['sms'],
      templates: { final: 'reminder-2' },
      callSlaDays: { call: 1 },
    });
    const strategy = applyVariant(assisted, 'fast-call', overrides);
    expect(strategy.version).toBe('assisted-v2+fast-call');
    expect(strategy.tone).toBe('friendly');
    const step = (id: string) => strategy.steps.find((s) => s.id === id);
    expect(step('call')).toMatchObject({ afterDays: 2, action: { kind: 'agent-task', slaDays: 1 } });
    expect(step('email-1')?.action).toMatchObject({
      channels: ['sms', 'email', 'letter'],
      template: 'reminder-1',
    });
    // Channels the order does not name keep their places after it: the letter stays before e-mail.
    expect(step('final')?.action).toMatchObject({
      channels: ['sms', 'letter', 'email'],
      template: 'reminder-2',
    });
    expect(assisted.tone).toBe('supportive'); // the default is untouched
  });

  it('refuses an unknown step and bad values, naming the field', () => {
    expect(() => applyVariant(assisted, 'x', { cadenceDays: { letter: 3 } })).toThrow(VariantError);
    expect(() => applyVariant(assisted, 'x', { callSlaDays: { final: 3 } })).toThrow(
      'overrides.callSlaDays.final: no such step in assisted (steps: call)',
    );
    const bad = variantOverridesSchema.safeParse({
      tone: 'angry',
      channelOrder: ['sms', 'sms'],
      colour: 'red',
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.') || i.code).sort()).toEqual([
      'channelOrder',
      'tone',
      'unrecognized_keys',
    ]);
  });
});
