import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assess,
  assessWithRules,
  CHANNELS,
  DEBTOR_FLAGS,
  defaultRules,
  defaultSegmentationConfig,
  formatMinorUnits,
  highRiskRule,
  MISSING,
  SEGMENTS,
  segmentationConfigSchema,
  smallBalanceRule,
  type ContactPointState,
  type DebtorFlag,
  type DebtorSnapshot,
  type SegmentId,
} from '../domain/segmentation/index.js';
import { PERSONAL_BEFORE_SMALL_BALANCE } from './setup/rule-orders.js';

const reachable = (channel: ContactPointState['channel']): ContactPointState => ({
  channel,
  consent: true,
  optedOut: false,
  invalid: false,
});

/** A complete, unremarkable debtor: assisted under the default rules. */
function snap(overrides: Partial<DebtorSnapshot> = {}): DebtorSnapshot {
  return {
    debtorId: 'd-1',
    locale: 'de',
    timezone: 'Europe/Berlin',
    country: 'DE',
    flags: [],
    customerValue: 'B',
    digitalAffinity: 'medium',
    preferredChannel: null,
    paymentHistory: {},
    openAmount: 10_000,
    currency: 'EUR',
    daysPastDue: 20,
    openInvoiceCount: 1,
    contactPoints: [reachable('email')],
    brokenPromisesInCase: 0,
    portalVisits: 0,
    ...overrides,
  };
}

const contactPointArb: fc.Arbitrary<ContactPointState> = fc.record({
  channel: fc.constantFrom(...CHANNELS),
  consent: fc.boolean(),
  optedOut: fc.boolean(),
  invalid: fc.boolean(),
});

const snapshotArb: fc.Arbitrary<DebtorSnapshot> = fc.record({
  debtorId: fc.string({ minLength: 1, maxLength: 8 }),
  locale: fc.constantFrom('de' as const, 'en' as const, null),
  timezone: fc.constantFrom('Europe/Berlin', 'America/New_York', '', ' ', null),
  country: fc.constantFrom('DE', 'US', null),
  flags: fc.oneof(
    { weight: 3, arbitrary: fc.constant<DebtorFlag[]>([]) },
    { weight: 1, arbitrary: fc.subarray([...DEBTOR_FLAGS], { minLength: 1 }) },
  ),
  customerValue: fc.constantFrom('A' as const, 'B' as const, 'C' as const, null),
  digitalAffinity: fc.constantFrom('high' as const, 'medium' as const, 'low' as const, null),
  preferredChannel: fc.constantFrom(...CHANNELS, 'portal' as const, null),
  paymentHistory: fc.record(
    {
      onTimeRate: fc.double({ min: 0, max: 1, noNaN: true }),
      brokenPromises: fc.nat(5),
      previousCases: fc.nat(5),
    },
    { requiredKeys: [] },
  ),
  openAmount: fc.oneof(fc.integer({ min: -5000, max: 6000 }), fc.integer({ min: 0, max: 2_000_000 })),
  currency: fc.constantFrom('EUR', 'USD', null),
  daysPastDue: fc.nat(400),
  openInvoiceCount: fc.nat(10),
  contactPoints: fc.array(contactPointArb, { maxLength: 4 }),
  brokenPromisesInCase: fc.nat(4),
  portalVisits: fc.nat(5),
});

/** The gate, restated independently of the implementation. */
function gateFails(s: DebtorSnapshot): boolean {
  const channel = s.contactPoints.some((p) => p.consent && !p.optedOut && !p.invalid);
  return s.locale === null || !s.timezone || s.timezone.trim() === '' || !channel;
}

describe('default rules', () => {
  it('are ordered protected, gate, small-balance, high-risk, personal, self-service, assisted', () => {
    expect(defaultRules.map((r) => r.id)).toEqual([
      'protected',
      'quality-gate',
      'small-balance',
      'high-risk',
      'personal',
      'self-service',
      'assisted',
    ]);
    for (const rule of defaultRules) {
      expect(SEGMENTS).toContain(rule.segment);
      expect(rule.purpose.length).toBeGreaterThan(40);
    }
  });

  it.each<[string, Partial<DebtorSnapshot>, SegmentId, string[]]>([
    ['one protection flag', { flags: ['insolvency'] }, 'protected', ['flagged insolvency']],
    [
      'several protection flags, in canonical order',
      { flags: ['deceased', 'vulnerable'] },
      'protected',
      ['flagged vulnerable', 'flagged deceased'],
    ],
    [
      'a small balance',
      { openAmount: 1200 },
      'small-balance',
      ['open 12.00 below small-balance threshold 25.00', 'no high-risk signal'],
    ],
    [
      'a balance exactly at the threshold',
      { openAmount: 2500 },
      'small-balance',
      ['open 25.00 at small-balance threshold 25.00', 'no high-risk signal'],
    ],
    [
      'a credit (negative balance)',
      { openAmount: -350 },
      'small-balance',
      ['open -3.50 below small-balance threshold 25.00', 'no high-risk signal'],
    ],
    [
      'broken promises in the history',
      { paymentHistory: { brokenPromises: 2 } },
      'high-risk',
      ['2 broken promises (threshold 2)'],
    ],
    [
      'broken promises in history plus the running case',
      { paymentHistory: { brokenPromises: 1 }, brokenPromisesInCase: 1 },
      'high-risk',
      ['2 broken promises, 1 in this case (threshold 2)'],
    ],
    ['long overdue', { daysPastDue: 127 }, 'high-risk', ['127 days past due (threshold 90)']],
    [
      'both high-risk signals',
      { brokenPromisesInCase: 3, daysPastDue: 90 },
      'high-risk',
      ['3 broken promises, 3 in this case (threshold 2)', '90 days past due (threshold 90)'],
    ],
    ['customer value A', { customerValue: 'A' }, 'personal', ['customer value A']],
    [
      'a large open amount',
      { openAmount: 650_000 },
      'personal',
      ['open 6500.00 at or above personal threshold 5000.00'],
    ],
    ['a preference for calls', { preferredChannel: 'call' }, 'personal', ['prefers a phone call']],
    [
      'all personal signals',
      { customerValue: 'A', openAmount: 500_000, preferredChannel: 'call' },
      'personal',
      ['customer value A', 'open 5000.00 at or above personal threshold 5000.00', 'prefers a phone call'],
    ],
    [
      'high digital affinity and a good record',
      { digitalAffinity: 'high', paymentHistory: { onTimeRate: 0.9 } },
      'self-service',
      ['high digital affinity', 'on-time rate 90% (minimum 80%)', 'reachable by e-mail'],
    ],
    [
      'portal visits without history, SMS only',
      { digitalAffinity: null, portalVisits: 2, contactPoints: [reachable('sms'), reachable('call')] },
      'self-service',
      ['2 portal visits in this case', 'no on-time rate on record', 'reachable by SMS'],
    ],
    [
      'a portal preference exactly at the minimum rate',
      { preferredChannel: 'portal', paymentHistory: { onTimeRate: 0.8 } },
      'self-service',
      ['prefers the portal', 'on-time rate 80% (minimum 80%)', 'reachable by e-mail'],
    ],
    [
      'nothing special',
      {},
      'assisted',
      ['no specific track matched', 'digital affinity medium, no portal visits'],
    ],
    [
      'digital but unreliable',
      { digitalAffinity: 'high', paymentHistory: { onTimeRate: 0.5 } },
      'assisted',
      ['no specific track matched', 'on-time rate 50% below self-service minimum 80%'],
    ],
    [
      'digital but reachable by phone only',
      { digitalAffinity: 'high', contactPoints: [reachable('call')] },
      'assisted',
      ['no specific track matched', 'no reachable e-mail or SMS'],
    ],
  ])('%s → %s', (_name, overrides, segment, reasons) => {
    const result = assess(snap(overrides));
    expect(result).toEqual({
      segment,
      ruleId: segment,
      reasons,
      missingData: [],
      strategy: { id: segment, version: `${segment}-v1` },
    });
  });
});

describe('quality gate', () => {
  const channel = MISSING.channel;
  it.each<[string, Partial<DebtorSnapshot>, string[], string[]]>([
    ['no locale', { locale: null }, ['locale'], ['no locale']],
    ['no time zone', { timezone: null }, ['time zone'], ['no time zone']],
    ['a blank time zone', { timezone: '  ' }, ['time zone'], ['no time zone']],
    ['no contact point', { contactPoints: [] }, [channel], ['no reachable channel: no contact point']],
    [
      'e-mail without consent',
      { contactPoints: [{ channel: 'email', consent: false, optedOut: false, invalid: false }] },
      [channel],
      ['no reachable channel: e-mail without consent'],
    ],
    [
      'every channel unusable',
      {
        contactPoints: [
          { channel: 'email', consent: true, optedOut: true, invalid: false },
          { channel: 'sms', consent: true, optedOut: false, invalid: true },
          { channel: 'call', consent: false, optedOut: true, invalid: false },
        ],
      },
      [channel],
      ['no reachable channel: e-mail opted out, SMS invalid, phone without consent and opted out'],
    ],
    [
      'everything missing',
      { locale: null, timezone: null, contactPoints: [] },
      ['locale', 'time zone', channel],
      ['no locale', 'no time zone', 'no reachable channel: no contact point'],
    ],
  ])('%s → data-collection', (_name, overrides, missingData, reasons) => {
    expect(assess(snap(overrides))).toEqual({
      segment: 'data-collection',
      ruleId: 'quality-gate',
      reasons,
      missingData,
      strategy: { id: 'data-collection', version: 'data-collection-v1' },
    });
  });

  it('names the missing items in plain words', () => {
    expect(MISSING).toEqual({
      locale: 'locale',
      timezone: 'time zone',
      channel: 'a reachable channel (e-mail, SMS or phone with consent, or a valid postal address)',
    });
  });

  it('never holds back protection: a flagged debtor with no data at all is protected', () => {
    const result = assess(snap({ flags: ['hardship'], locale: null, timezone: null, contactPoints: [] }));
    expect(result.segment).toBe('protected');
    expect(result.reasons).toEqual(['flagged hardship']);
    // A protected debtor is not asked for data, so nothing is reported as missing.
    expect(result.missingData).toEqual([]);
  });

  it('comes before every business rule (a high-risk debtor without time zone is asked first)', () => {
    expect(assess(snap({ timezone: null, daysPastDue: 200, customerValue: 'A' })).segment).toBe(
      'data-collection',
    );
  });
});

describe('first match wins', () => {
  it.each<[string, Partial<DebtorSnapshot>, SegmentId]>([
    // Broken promises outweigh customer value: high-risk comes before personal.
    ['A-customer with 3 broken promises', { customerValue: 'A', brokenPromisesInCase: 3 }, 'high-risk'],
    ['A-customer 120 days past due', { customerValue: 'A', daysPastDue: 120 }, 'high-risk'],
    // A high-risk signal takes a debtor off the small-balance track: no hiding below the threshold.
    ['small balance, 127 days past due', { openAmount: 900, daysPastDue: 127 }, 'high-risk'],
    ['small balance, 2 broken promises', { openAmount: 900, brokenPromisesInCase: 2 }, 'high-risk'],
    // Small amounts stay cheap even for valuable or digital customers.
    ['A-customer with a small balance', { openAmount: 1000, customerValue: 'A' }, 'small-balance'],
    ['digital debtor with a small balance', { openAmount: 1000, digitalAffinity: 'high' }, 'small-balance'],
    // A person for important accounts, even if they would use the portal.
    ['digital A-customer', { customerValue: 'A', digitalAffinity: 'high' }, 'personal'],
    ['large amount, portal visits', { openAmount: 900_000, portalVisits: 4 }, 'personal'],
    ['protected and high-risk', { flags: ['legal-hold'], daysPastDue: 400 }, 'protected'],
  ])('%s → %s', (_name, overrides, segment) => {
    expect(assess(snap(overrides)).segment).toBe(segment);
  });

  it('gives the same result with small-balance and high-risk swapped (they never both match)', () => {
    const swapped = defaultRules.map((rule) =>
      rule.id === 'small-balance' ? highRiskRule : rule.id === 'high-risk' ? smallBalanceRule : rule,
    );
    fc.assert(
      fc.property(snapshotArb, (s) => {
        expect(assessWithRules(swapped, s)).toEqual(assess(s));
      }),
    );
  });
});

describe('configuration', () => {
  it('has the documented defaults', () => {
    expect(defaultSegmentationConfig).toEqual({
      smallBalanceMax: 2500,
      highRiskBrokenPromises: 2,
      highRiskDaysPastDue: 90,
      personalMinOpenAmount: 500_000,
      personalCustomerValues: ['A'],
      selfServiceMinOnTimeRate: 0.8,
      ruleOrder: defaultRules.map((rule) => rule.id),
    });
    expect(Object.isFrozen(defaultSegmentationConfig)).toBe(true);
  });

  it('tries the rules in the configured order: a valuable small balance goes to a person once personal comes first', () => {
    const valuableSmall = snap({ customerValue: 'A', openAmount: 1200 });
    expect(assess(valuableSmall)).toMatchObject({ segment: 'small-balance', ruleId: 'small-balance' });
    const config = segmentationConfigSchema.parse({
      ruleOrder: PERSONAL_BEFORE_SMALL_BALANCE,
    });
    expect(assess(valuableSmall, config)).toMatchObject({ segment: 'personal', ruleId: 'personal' });
    // A config carried from before rule order existed keeps the default order.
    const { ruleOrder: _dropped, ...withoutOrder } = config;
    expect(assess(valuableSmall, withoutOrder as typeof config).segment).toBe('small-balance');
  });

  it.each<[string, string[], RegExp]>([
    [
      'a rule left out',
      ['protected', 'quality-gate', 'personal', 'assisted'],
      /exactly once \(missing small-balance, high-risk, self-service\)/,
    ],
    [
      'a rule twice',
      [
        'protected',
        'quality-gate',
        'personal',
        'personal',
        'small-balance',
        'high-risk',
        'self-service',
        'assisted',
      ],
      /more than once: personal/,
    ],
    [
      'the quality gate moved down',
      ['protected', 'small-balance', 'quality-gate', 'high-risk', 'personal', 'self-service', 'assisted'],
      /quality-gate stay first/,
    ],
    [
      'the fallback not last',
      ['protected', 'quality-gate', 'assisted', 'small-balance', 'high-risk', 'personal', 'self-service'],
      /assisted stays last/,
    ],
  ])('refuses a rule order with %s, naming the field', (_case, ruleOrder, message) => {
    const result = segmentationConfigSchema.safeParse({ ruleOrder });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['ruleOrder'], message: expect.stringMatching(message) }),
    ]);
  });

  it.each<[string, Record<string, unknown>, Partial<DebtorSnapshot>, SegmentId, string]>([
    [
      'smallBalanceMax',
      { smallBalanceMax: 5000 },
      { openAmount: 4000 },
      'small-balance',
      'open 40.00 below small-balance threshold 50.00',
    ],
    [
      'highRiskBrokenPromises',
      { highRiskBrokenPromises: 1 },
      { brokenPromisesInCase: 1 },
      'high-risk',
      '1 broken promise, 1 in this case (threshold 1)',
    ],
    [
      'highRiskDaysPastDue',
      { highRiskDaysPastDue: 60 },
      { daysPastDue: 61 },
      'high-risk',
      '61 days past due (threshold 60)',
    ],
    [
      'personalMinOpenAmount',
      { personalMinOpenAmount: 10_000 },
      {},
      'personal',
      'open 100.00 at or above personal threshold 100.00',
    ],
    ['personalCustomerValues', { personalCustomerValues: ['A', 'B'] }, {}, 'personal', 'customer value B'],
    [
      'selfServiceMinOnTimeRate',
      { selfServiceMinOnTimeRate: 0.5 },
      { digitalAffinity: 'high', paymentHistory: { onTimeRate: 0.55 } },
      'self-service',
      'on-time rate 55% (minimum 50%)',
    ],
  ])('%s can be overridden', (_name, input, overrides, segment, reason) => {
    const config = segmentationConfigSchema.parse(input);
    expect(assess(snap(overrides)).segment).not.toBe(segment);
    const result = assess(snap(overrides), config);
    expect(result.segment).toBe(segment);
    expect(result.reasons).toContain(reason);
  });

  it('keeps the defaults of every field not given', () => {
    expect(segmentationConfigSchema.parse({ highRiskDaysPastDue: 30 })).toEqual({
      ...defaultSegmentationConfig,
      highRiskDaysPastDue: 30,
    });
  });

  it('names the strategy version per segment, v1 unless configured', () => {
    const config = segmentationConfigSchema.parse({ strategyVersions: { 'high-risk': 'high-risk-2026-11' } });
    expect(assess(snap({ daysPastDue: 100 }), config).strategy).toEqual({
      id: 'high-risk',
      version: 'high-risk-2026-11',
    });
    expect(assess(snap(), config).strategy).toEqual({ id: 'assisted', version: 'assisted-v1' });
  });

  it('rejects wrong types, out-of-range values and unknown keys, naming the field', () => {
    const result = segmentationConfigSchema.safeParse({
      smallBalanceMax: '25',
      selfServiceMinOnTimeRate: 80,
      smallBalanceMx: 1,
      strategyVersions: { vip: 'x' },
    });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => `${i.path.join('.')}:${i.code}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'smallBalanceMax:invalid_type',
        'selfServiceMinOnTimeRate:too_big',
        ':unrecognized_keys',
        'strategyVersions:unrecognized_keys',
      ]),
    );
  });
});

describe('formatMinorUnits', () => {
  it.each([
    [1200, '12.00'],
    [5, '0.05'],
    [0, '0.00'],
    [-5, '-0.05'],
    [2500, '25.00'],
    [123_456_789, '1234567.89'],
  ])('%d → %s', (amount, text) => {
    expect(formatMinorUnits(amount)).toBe(text);
  });
});

describe('properties', () => {
  it('every snapshot gets a known segment with reasons; data-collection iff the gate failed and no protection flag', () => {
    fc.assert(
      fc.property(snapshotArb, (s) => {
        const result = assess(s);
        expect(SEGMENTS).toContain(result.segment);
        expect(result.reasons.length).toBeGreaterThan(0);
        for (const reason of result.reasons) expect(reason.trim()).not.toBe('');
        expect(result.segment === 'data-collection').toBe(gateFails(s) && s.flags.length === 0);
        expect(result.segment === 'protected').toBe(s.flags.length > 0);
        expect(result.missingData.length > 0).toBe(result.segment === 'data-collection');
        expect(result.strategy.id).toBe(result.segment);
        expect(assess(structuredClone(s))).toEqual(result);
      }),
      { numRuns: 1000 },
    );
  });

  it('small-balance and high-risk never both match', () => {
    fc.assert(
      fc.property(snapshotArb, (s) => {
        const c = defaultSegmentationConfig;
        expect(smallBalanceRule.matches(s, c) !== null && highRiskRule.matches(s, c) !== null).toBe(false);
      }),
    );
  });
});

describe('workflow safety', () => {
  it('the segmentation domain imports nothing but itself and zod, and reads no clock', () => {
    const dir = path.join(import.meta.dirname, '..', 'domain', 'segmentation');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(path.join(dir, file), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      for (const specifier of imports)
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^(\.\/|zod$)/);
      expect(source, file).not.toMatch(/Date\.now|new Date|Math\.random|process\./);
    }
  });
});
