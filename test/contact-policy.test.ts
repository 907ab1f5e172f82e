import { describe, expect, it } from 'vitest';
import {
  addDays,
  contactPolicyConfigSchema,
  decideContact,
  defaultContactPolicyConfig,
  isPublicHoliday,
  nextWindowStart,
  offsetMs,
  toLocal,
  weekdayOf,
  zonedInstants,
  zonedTimeToEpoch,
} from '../domain/contact-policy/index.js';
import type {
  ContactDecision,
  ContactPolicyConfig,
  ContactRecord,
  PolicyFacts,
} from '../domain/contact-policy/index.js';
import type { Channel } from '../domain/segmentation/types.js';

const utc = (iso: string): number => Date.parse(iso);
const DAY = 86_400_000;

const ok = { consent: true, optedOut: false, invalid: false };

function facts(overrides: Partial<PolicyFacts> = {}): PolicyFacts {
  return {
    timezone: 'Europe/Berlin',
    country: 'DE',
    region: null,
    channel: ok,
    paid: false,
    disputed: false,
    pausedUntil: null,
    operatorPaused: false,
    history: [],
    ...overrides,
  };
}

const rec = (channel: Channel, at: string, outcome: ContactRecord['outcome'] = 'attempt'): ContactRecord => ({
  channel,
  at: utc(at),
  outcome,
});

/** Readable form of a decision: instants as ISO strings. */
function view(d: ContactDecision): { verdict: string; until?: string; reason?: string } {
  if (d.verdict === 'allowed') return { verdict: 'allowed' };
  if (d.verdict === 'never') return { verdict: 'never', reason: d.reason };
  return { verdict: 'wait', until: new Date(d.until).toISOString(), reason: d.reason };
}

// Tuesday 2026-03-03 10:00 in Berlin (CET, UTC+1).
const TUESDAY_10 = '2026-03-03T09:00:00Z';

describe('contact policy: never', () => {
  it.each<[string, Partial<PolicyFacts>, string]>([
    ['no contact point', { channel: undefined }, 'no SMS contact point'],
    ['no consent', { channel: { ...ok, consent: false } }, 'no consent for SMS'],
    ['opted out', { channel: { ...ok, optedOut: true } }, 'debtor opted out of SMS'],
    ['invalid', { channel: { ...ok, invalid: true } }, 'SMS contact point is invalid'],
    ['paid', { paid: true }, 'case is paid'],
    ['disputed', { disputed: true }, 'case is disputed'],
    ['paused by an operator', { operatorPaused: true }, 'paused by operator'],
    ['unknown time zone', { timezone: 'Mars/Olympus' }, 'unknown time zone "Mars/Olympus"'],
    // The contact-point rules come first, even inside a pause or outside the window.
    [
      'opted out while paused',
      { channel: { ...ok, optedOut: true }, pausedUntil: utc('2026-04-01T00:00:00Z') },
      'debtor opted out of SMS',
    ],
  ])('%s → never', (_name, override, reason) => {
    expect(view(decideContact('sms', utc(TUESDAY_10), facts(override)))).toEqual({
      verdict: 'never',
      reason,
    });
  });

  it('names the channel asked about', () => {
    expect(view(decideContact('call', utc(TUESDAY_10), facts({ channel: undefined })))).toEqual({
      verdict: 'never',
      reason: 'no call contact point',
    });
    expect(
      view(decideContact('email', utc(TUESDAY_10), facts({ channel: { ...ok, consent: false } }))),
    ).toEqual({
      verdict: 'never',
      reason: 'no consent for email',
    });
  });
});

describe('contact policy: promise pause', () => {
  it.each<[string, string, string | null, { verdict: string; until?: string }]>([
    [
      'pause ends inside the window',
      TUESDAY_10,
      '2026-03-03T15:00:00Z',
      { verdict: 'wait', until: '2026-03-03T15:00:00.000Z' },
    ],
    [
      'pause ends after 20:00 → next morning',
      TUESDAY_10,
      '2026-03-03T21:00:00Z',
      { verdict: 'wait', until: '2026-03-04T07:00:00.000Z' },
    ],
    [
      'pause ends Saturday night → Monday 08:00',
      TUESDAY_10,
      '2026-03-07T19:30:00Z',
      { verdict: 'wait', until: '2026-03-09T07:00:00.000Z' },
    ],
    ['pause already over', TUESDAY_10, '2026-03-03T08:00:00Z', { verdict: 'allowed' }],
    ['pause ends exactly now', TUESDAY_10, TUESDAY_10, { verdict: 'allowed' }],
    ['not paused', TUESDAY_10, null, { verdict: 'allowed' }],
  ])('%s', (_name, now, pausedUntil, expected) => {
    const d = view(
      decideContact(
        'email',
        utc(now),
        facts({ pausedUntil: pausedUntil === null ? null : utc(pausedUntil) }),
      ),
    );
    expect({ verdict: d.verdict, until: d.until }).toEqual({ until: undefined, ...expected });
  });

  it('says what it waits for', () => {
    const d = decideContact('email', utc(TUESDAY_10), facts({ pausedUntil: utc('2026-03-03T15:00:00Z') }));
    expect(d).toMatchObject({ verdict: 'wait', reason: 'Paused until 2026-03-03 16:00 Europe/Berlin' });
  });
});

describe('contact policy: contact windows', () => {
  const US = { timezone: 'America/New_York', country: 'US' };
  const NZ = { timezone: 'Pacific/Auckland', country: 'NZ' };
  const everyDay = contactPolicyConfigSchema.parse({ windows: { default: { days: [1, 2, 3, 4, 5, 6, 7] } } });
  const earlyEveryDay = contactPolicyConfigSchema.parse({
    windows: { default: { days: [1, 2, 3, 4, 5, 6, 7], start: '02:30', end: '05:00' } },
  });

  it.each<[string, string, Partial<PolicyFacts>, string | null, ContactPolicyConfig?]>([
    // Berlin, Germany (CET UTC+1 until 2026-03-29, CEST UTC+2 until 2026-10-25).
    ['Tuesday 10:00 Berlin', TUESDAY_10, {}, null],
    ['Tuesday 07:59 Berlin → 08:00', '2026-03-03T06:59:00Z', {}, '2026-03-03T07:00:00.000Z'],
    ['Tuesday 08:00 Berlin', '2026-03-03T07:00:00Z', {}, null],
    ['Tuesday 19:59:59 Berlin', '2026-03-03T18:59:59Z', {}, null],
    ['Tuesday 20:00 Berlin → Wednesday 08:00', '2026-03-03T19:00:00Z', {}, '2026-03-04T07:00:00.000Z'],
    ['Sunday noon Berlin → Monday 08:00', '2026-03-01T11:00:00Z', {}, '2026-03-02T07:00:00.000Z'],
    ['Saturday 20:01 Berlin → Monday 08:00', '2026-03-07T19:01:00Z', {}, '2026-03-09T07:00:00.000Z'],
    ['Saturday 19:59 Berlin', '2026-03-07T18:59:00Z', {}, null],
    [
      'Christmas Day (Fri) 10:00 → Monday 2026-12-28 08:00',
      '2026-12-25T09:00:00Z',
      {},
      '2026-12-28T07:00:00.000Z',
    ],
    ['Christmas Eve 20:30 → Monday 2026-12-28 08:00', '2026-12-24T19:30:00Z', {}, '2026-12-28T07:00:00.000Z'],
    ['2nd Christmas Day (Sat) → Monday 08:00', '2026-12-26T09:00:00Z', {}, '2026-12-28T07:00:00.000Z'],
    ['New Year 2027 (Fri) → Saturday 08:00', '2027-01-01T09:00:00Z', {}, '2027-01-02T07:00:00.000Z'],
    ['Epiphany: not a holiday in Germany at large', '2026-01-06T09:00:00Z', {}, null],
    [
      'Epiphany in Bavaria (region BY) → next day',
      '2026-01-06T09:00:00Z',
      { region: 'BY' },
      '2026-01-07T07:00:00.000Z',
    ],
    [
      'Epiphany in Bavaria (region DE-BY) → next day',
      '2026-01-06T09:00:00Z',
      { region: 'DE-BY' },
      '2026-01-07T07:00:00.000Z',
    ],
    // German holidays only apply to German debtors.
    ['Christmas Day for a debtor without a country', '2026-12-25T09:00:00Z', { country: null }, null],
    // United States, Regulation F: every day 08:00–21:00 local.
    ['New York Wednesday 20:59 EDT', '2026-06-11T00:59:00Z', US, null],
    ['New York Wednesday 21:00 EDT → Thursday 08:00', '2026-06-11T01:00:00Z', US, '2026-06-11T12:00:00.000Z'],
    ['New York Sunday 10:00 EDT', '2026-06-14T14:00:00Z', US, null],
    ['New York 07:00 EST → 08:00', '2026-01-15T12:00:00Z', US, '2026-01-15T13:00:00.000Z'],
    [
      'Los Angeles 21:30 PDT → 08:00 PDT',
      '2026-06-11T04:30:00Z',
      { timezone: 'America/Los_Angeles', country: 'US' },
      '2026-06-11T15:00:00.000Z',
    ],
    // Auckland, NZ: the default window (Mon–Sat 08:00–20:00), no German holidays.
    ['Auckland Sunday 10:00 NZST → Monday 08:00', '2026-06-13T22:00:00Z', NZ, '2026-06-14T20:00:00.000Z'],
    ['Auckland Christmas Day (Fri) 10:00 NZDT', '2026-12-24T21:00:00Z', NZ, null],
    [
      'Auckland Saturday 20:30 NZDT → Monday 08:00 NZDT',
      '2026-02-07T07:30:00Z',
      NZ,
      '2026-02-08T19:00:00.000Z',
    ],
    [
      'Kolkata 21:00 IST → 08:00 IST',
      '2026-06-10T15:30:00Z',
      { timezone: 'Asia/Kolkata', country: null },
      '2026-06-11T02:30:00.000Z',
    ],
    // DST, Berlin spring forward (Sun 2026-03-29 02:00 CET → 03:00 CEST).
    ['Berlin Saturday 21:00 CET → Monday 08:00 CEST', '2026-03-28T20:00:00Z', {}, '2026-03-30T06:00:00.000Z'],
    [
      'Berlin, every-day window: Saturday 21:00 CET → Sunday 08:00 CEST',
      '2026-03-28T20:00:00Z',
      { country: null },
      '2026-03-29T06:00:00.000Z',
      everyDay,
    ],
    [
      'Berlin, window from 02:30 (does not exist) → 03:00 CEST',
      '2026-03-28T20:00:00Z',
      { country: null },
      '2026-03-29T01:00:00.000Z',
      earlyEveryDay,
    ],
    [
      'Berlin 05:00 CEST on the DST day → next day 02:30',
      '2026-03-29T03:00:00Z',
      { country: null },
      '2026-03-30T00:30:00.000Z',
      earlyEveryDay,
    ],
    // DST, Berlin fall back (Sun 2026-10-25 03:00 CEST → 02:00 CET).
    ['Berlin Saturday 20:30 CEST → Monday 08:00 CET', '2026-10-24T18:30:00Z', {}, '2026-10-26T07:00:00.000Z'],
    [
      'Berlin, every-day window: Saturday 20:30 CEST → Sunday 08:00 CET',
      '2026-10-24T18:30:00Z',
      { country: null },
      '2026-10-25T07:00:00.000Z',
      everyDay,
    ],
    [
      'Berlin, window from 02:30 (twice) → the first 02:30 CEST',
      '2026-10-24T18:30:00Z',
      { country: null },
      '2026-10-25T00:30:00.000Z',
      earlyEveryDay,
    ],
    [
      'Berlin, second 02:40 CET is inside the window',
      '2026-10-25T01:40:00Z',
      { country: null },
      null,
      earlyEveryDay,
    ],
    [
      'Berlin, second 02:10 CET → the second 02:30',
      '2026-10-25T01:10:00Z',
      { country: null },
      '2026-10-25T01:30:00.000Z',
      earlyEveryDay,
    ],
    [
      'Berlin 05:00 CET on the DST day → next day 02:30 CET',
      '2026-10-25T04:00:00Z',
      { country: null },
      '2026-10-26T01:30:00.000Z',
      earlyEveryDay,
    ],
    // DST, New York spring forward (Sun 2026-03-08 02:00 EST → 03:00 EDT).
    [
      'New York Saturday 22:00 EST → Sunday 08:00 EDT',
      '2026-03-08T03:00:00Z',
      US,
      '2026-03-08T12:00:00.000Z',
    ],
    ['New York Sunday 07:59 EDT → 08:00 EDT', '2026-03-08T11:59:00Z', US, '2026-03-08T12:00:00.000Z'],
    [
      'New York, window from 02:30 (does not exist) → 03:00 EDT',
      '2026-03-08T03:00:00Z',
      { timezone: 'America/New_York', country: null },
      '2026-03-08T07:00:00.000Z',
      earlyEveryDay,
    ],
  ])('%s', (_name, now, override, expectedUntil, config) => {
    const d = decideContact('email', utc(now), facts(override), config);
    if (expectedUntil === null) {
      expect(view(d)).toEqual({ verdict: 'allowed' });
    } else {
      expect(view(d)).toMatchObject({ verdict: 'wait', until: expectedUntil });
      expect(d.verdict === 'wait' && d.reason).toMatch(/^Waiting for contact window, \d\d:\d\d /);
    }
  });

  it('says which local time it waits for', () => {
    expect(decideContact('sms', utc('2026-03-01T11:00:00Z'), facts())).toEqual({
      verdict: 'wait',
      until: utc('2026-03-02T07:00:00Z'),
      reason: 'Waiting for contact window, 08:00 Europe/Berlin',
    });
  });

  it('nextWindowStart: now inside the window, else the next opening', () => {
    expect(nextWindowStart(utc(TUESDAY_10), 'Europe/Berlin', 'DE')).toBe(utc(TUESDAY_10));
    expect(nextWindowStart(utc('2026-12-24T19:30:00Z'), 'Europe/Berlin', 'DE')).toBe(
      utc('2026-12-28T07:00:00Z'),
    );
    expect(
      nextWindowStart(utc('2026-01-06T09:00:00Z'), 'Europe/Berlin', 'DE', defaultContactPolicyConfig, 'BY'),
    ).toBe(utc('2026-01-07T07:00:00Z'));
    expect(nextWindowStart(utc('2026-03-08T03:00:00Z'), 'America/New_York', 'us')).toBe(
      utc('2026-03-08T12:00:00Z'),
    );
    expect(() => nextWindowStart(0, 'Nowhere/Else', null)).toThrow(RangeError);
  });
});

describe('contact policy: caps', () => {
  // Tuesday 2026-03-10 10:00 Berlin.
  const NOW = '2026-03-10T09:00:00Z';
  const week = (first: string): ContactRecord[] => [
    rec('call', first),
    rec('call', '2026-03-04T09:00:00Z'),
    rec('call', '2026-03-05T09:00:00Z'),
    rec('call', '2026-03-06T09:00:00Z'),
    rec('call', '2026-03-07T09:00:00Z'),
    rec('call', '2026-03-09T08:00:00Z'),
    rec('call', '2026-03-09T16:00:00Z'),
  ];

  it.each<[string, Channel, string, ContactRecord[], { verdict: string; until?: string; reason?: string }]>([
    ['6 calls in 7 days', 'call', NOW, week('2026-03-02T09:00:00Z'), { verdict: 'allowed' }],
    [
      'call exactly 7 days ago has left the window',
      'call',
      NOW,
      week('2026-03-03T09:00:00Z'),
      { verdict: 'allowed' },
    ],
    [
      '7 calls in 7 days → when the first leaves the window',
      'call',
      NOW,
      week('2026-03-03T09:30:00Z'),
      {
        verdict: 'wait',
        until: '2026-03-10T09:30:00.000Z',
        reason: 'Call cap: 7 attempts in 7 days reached',
      },
    ],
    [
      '7 calls in 7 days, the first leaves at 20:30 → next morning',
      'call',
      NOW,
      week('2026-03-03T19:30:00Z'),
      {
        verdict: 'wait',
        until: '2026-03-11T07:00:00.000Z',
        reason: 'Call cap: 7 attempts in 7 days reached',
      },
    ],
    ['the call cap does not limit SMS', 'sms', NOW, week('2026-03-03T09:30:00Z'), { verdict: 'allowed' }],
    [
      'conversation → 7 quiet days',
      'call',
      '2026-03-05T09:00:00Z',
      [rec('call', '2026-03-03T10:00:00Z', 'conversation')],
      {
        verdict: 'wait',
        until: '2026-03-10T10:00:00.000Z',
        reason: 'Call quiet period: 7 days after a conversation',
      },
    ],
    [
      'quiet period ending on a Sunday → Monday 08:00',
      'call',
      '2026-03-05T09:00:00Z',
      [rec('call', '2026-03-01T10:00:00Z', 'conversation')],
      { verdict: 'wait', until: '2026-03-09T07:00:00.000Z' },
    ],
    [
      'quiet period over',
      'call',
      '2026-03-10T10:00:00Z',
      [rec('call', '2026-03-03T10:00:00Z', 'conversation')],
      { verdict: 'allowed' },
    ],
    [
      'a conversation does not stop email',
      'email',
      '2026-03-05T09:00:00Z',
      [rec('call', '2026-03-04T10:00:00Z', 'conversation')],
      { verdict: 'allowed' },
    ],
    [
      'SMS 1 per day → tomorrow 08:00',
      'sms',
      '2026-03-03T12:00:00Z',
      [rec('sms', '2026-03-03T08:00:00Z')],
      { verdict: 'wait', until: '2026-03-04T07:00:00.000Z', reason: 'SMS cap: 1 per day reached' },
    ],
    // 00:30 Tuesday in Berlin is still Monday in UTC: the local day counts.
    [
      'SMS at 00:30 local counts for that day',
      'sms',
      '2026-03-03T12:00:00Z',
      [rec('sms', '2026-03-02T23:30:00Z')],
      { verdict: 'wait', until: '2026-03-04T07:00:00.000Z' },
    ],
    [
      'SMS at 23:30 local the day before does not',
      'sms',
      '2026-03-03T12:00:00Z',
      [rec('sms', '2026-03-02T22:30:00Z')],
      { verdict: 'allowed' },
    ],
    [
      'SMS sent today, email still allowed',
      'email',
      '2026-03-03T12:00:00Z',
      [rec('sms', '2026-03-03T08:00:00Z')],
      { verdict: 'allowed' },
    ],
    [
      'email 1 per day, Saturday → Monday 08:00',
      'email',
      '2026-03-07T12:00:00Z',
      [rec('email', '2026-03-07T08:00:00Z')],
      { verdict: 'wait', until: '2026-03-09T07:00:00.000Z', reason: 'Email cap: 1 per day reached' },
    ],
    [
      'overall 2 per day',
      'sms',
      '2026-03-03T12:00:00Z',
      [rec('email', '2026-03-03T08:00:00Z'), rec('call', '2026-03-03T09:00:00Z')],
      { verdict: 'wait', until: '2026-03-04T07:00:00.000Z', reason: 'Contact cap: 2 per day reached' },
    ],
  ])('%s', (_name, channel, now, history, expected) => {
    expect(view(decideContact(channel, utc(now), facts({ history })))).toMatchObject(expected);
  });

  it('waits for the pause first, then for the cap of the day the pause ends', () => {
    // Paused until Wednesday 09:00; an SMS already went out Wednesday 08:30 → Thursday 08:00.
    const d = decideContact(
      'sms',
      utc('2026-03-03T12:00:00Z'),
      facts({ pausedUntil: utc('2026-03-04T08:00:00Z'), history: [rec('sms', '2026-03-04T07:30:00Z')] }),
    );
    expect(view(d)).toEqual({
      verdict: 'wait',
      until: '2026-03-05T07:00:00.000Z',
      reason: 'Paused until 2026-03-04 09:00 Europe/Berlin',
    });
  });

  it('per-day caps follow the local day across a DST change (New York 2026-03-08)', () => {
    const d = decideContact(
      'sms',
      utc('2026-03-08T15:00:00Z'),
      facts({ timezone: 'America/New_York', country: 'US', history: [rec('sms', '2026-03-08T13:00:00Z')] }),
    );
    expect(view(d)).toEqual({
      verdict: 'wait',
      until: '2026-03-09T12:00:00.000Z',
      reason: 'SMS cap: 1 per day reached',
    });
  });

  it('caps are configurable', () => {
    const config = contactPolicyConfigSchema.parse({ caps: { sms: { maxPerDay: 2 } } });
    const history = [rec('sms', '2026-03-03T08:00:00Z')];
    expect(decideContact('sms', utc('2026-03-03T12:00:00Z'), facts({ history }), config).verdict).toBe(
      'allowed',
    );
  });

  it('explains an allowed contact', () => {
    const d = decideContact(
      'sms',
      utc('2026-03-03T12:00:00Z'),
      facts({ history: [rec('email', '2026-03-03T08:00:00Z')] }),
    );
    expect(d).toEqual({
      verdict: 'allowed',
      reasons: [
        'consent for SMS',
        'local time 13:00 Europe/Berlin inside the contact window 08:00–20:00',
        'SMS today: 0 of 1',
        'contacts today: 1 of 2',
      ],
    });
  });
});

describe('contact policy: letters', () => {
  // Sunday 2026-03-08 23:30 in Berlin: outside every window, and a Sunday.
  const SUNDAY_NIGHT = '2026-03-08T22:30:00Z';

  it('posts a letter at any hour and on Sundays: post needs no contact window', () => {
    expect(view(decideContact('letter', utc(SUNDAY_NIGHT), facts()))).toEqual({ verdict: 'allowed' });
    const email = decideContact('email', utc(SUNDAY_NIGHT), facts());
    expect(email.verdict).toBe('wait');
  });

  it('one letter a day, and letters count towards the overall cap', () => {
    const oneLetter = facts({ history: [rec('letter', '2026-03-03T08:00:00Z')] });
    expect(view(decideContact('letter', utc(TUESDAY_10), oneLetter))).toEqual({
      verdict: 'wait',
      until: '2026-03-03T23:00:00.000Z',
      reason: 'Letter cap: 1 per day reached',
    });
    const letterAndSms = facts({
      history: [rec('letter', '2026-03-03T08:00:00Z'), rec('sms', '2026-03-03T08:30:00Z')],
    });
    expect(view(decideContact('email', utc(TUESDAY_10), letterAndSms))).toMatchObject({
      verdict: 'wait',
      reason: 'Contact cap: 2 per day reached',
    });
  });

  it('no postal address: never', () => {
    expect(view(decideContact('letter', utc(TUESDAY_10), facts({ channel: undefined })))).toEqual({
      verdict: 'never',
      reason: 'no letter contact point',
    });
  });
});

describe('contact policy config', () => {
  it('has the documented defaults', () => {
    expect(contactPolicyConfigSchema.parse({})).toEqual(defaultContactPolicyConfig);
    expect(defaultContactPolicyConfig.caps).toEqual({
      call: { maxAttempts: 7, perDays: 7, quietDaysAfterConversation: 7 },
      sms: { maxPerDay: 1 },
      email: { maxPerDay: 1 },
      letter: { maxPerDay: 1 },
      overall: { maxPerDay: 2 },
    });
    expect(defaultContactPolicyConfig.windows.DE).toEqual({
      days: [1, 2, 3, 4, 5, 6],
      start: '08:00',
      end: '20:00',
      holidays: true,
    });
    expect(defaultContactPolicyConfig.windows.US).toEqual({
      days: [1, 2, 3, 4, 5, 6, 7],
      start: '08:00',
      end: '21:00',
      holidays: false,
    });
    expect(defaultContactPolicyConfig.windows.default).toEqual({
      days: [1, 2, 3, 4, 5, 6],
      start: '08:00',
      end: '20:00',
      holidays: false,
    });
  });

  it('merges overrides field by field', () => {
    const config = contactPolicyConfigSchema.parse({
      windows: { US: { end: '20:00' }, FR: { days: [1, 2, 3, 4, 5] }, default: { start: '09:00' } },
      caps: { call: { maxAttempts: 3 } },
    });
    expect(config.windows.US).toEqual({
      days: [1, 2, 3, 4, 5, 6, 7],
      start: '08:00',
      end: '20:00',
      holidays: false,
    });
    expect(config.windows.FR).toEqual({
      days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '20:00',
      holidays: false,
    });
    expect(config.windows.DE?.start).toBe('08:00');
    expect(config.caps.call).toEqual({ maxAttempts: 3, perDays: 7, quietDaysAfterConversation: 7 });
  });

  it.each([
    [{ windows: { US: { start: '22:00' } } }],
    [{ windows: { DE: { start: '8:00' } } }],
    [{ windows: { DE: { days: [0] } } }],
    [{ windows: { DE: { days: [] } } }],
    [{ windows: { germany: {} } }],
    [{ caps: { sms: { maxPerDay: 0 } } }],
  ])('rejects %o', (input) => {
    expect(contactPolicyConfigSchema.safeParse(input).success).toBe(false);
  });
});

describe('zoned time', () => {
  it.each<[string, string, string, string, ('earlier' | 'later')?]>([
    ['2026-03-03', '08:00', 'Europe/Berlin', '2026-03-03T07:00:00.000Z'],
    ['2026-07-01', '08:00', 'Europe/Berlin', '2026-07-01T06:00:00.000Z'],
    ['2026-07-01', '08:00', 'Asia/Kolkata', '2026-07-01T02:30:00.000Z'],
    ['2026-07-01', '08:00', 'Pacific/Auckland', '2026-06-30T20:00:00.000Z'],
    ['2026-01-01', '08:00', 'Pacific/Auckland', '2025-12-31T19:00:00.000Z'],
    ['2026-07-01', '08:00', 'UTC', '2026-07-01T08:00:00.000Z'],
    // Spring forward: the missing wall time resolves to the end of the gap.
    ['2026-03-29', '02:30', 'Europe/Berlin', '2026-03-29T01:00:00.000Z'],
    ['2026-03-29', '03:00', 'Europe/Berlin', '2026-03-29T01:00:00.000Z'],
    ['2026-03-29', '01:59', 'Europe/Berlin', '2026-03-29T00:59:00.000Z'],
    ['2026-03-08', '02:30', 'America/New_York', '2026-03-08T07:00:00.000Z'],
    ['2026-09-27', '02:30', 'Pacific/Auckland', '2026-09-26T14:00:00.000Z'],
    // Lord Howe Island springs forward by 30 minutes (02:00 → 02:30).
    ['2026-10-04', '02:15', 'Australia/Lord_Howe', '2026-10-03T15:30:00.000Z'],
    // Fall back: the repeated wall time, earlier or later.
    ['2026-10-25', '02:30', 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
    ['2026-10-25', '02:30', 'Europe/Berlin', '2026-10-25T01:30:00.000Z', 'later'],
    ['2026-11-01', '01:30', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['2026-11-01', '01:30', 'America/New_York', '2026-11-01T06:30:00.000Z', 'later'],
  ])('%s %s %s → %s', (date, time, tz, expected, disambiguation) => {
    expect(new Date(zonedTimeToEpoch(date, time, tz, disambiguation)).toISOString()).toBe(expected);
  });

  it('finds both instants of a repeated wall time and none in a gap', () => {
    expect(zonedInstants('2026-10-25', '02:30', 'Europe/Berlin')).toEqual([
      utc('2026-10-25T00:30:00Z'),
      utc('2026-10-25T01:30:00Z'),
    ]);
    expect(zonedInstants('2026-03-29', '02:30', 'Europe/Berlin')).toEqual([]);
    expect(zonedInstants('2026-03-29', '12:00', 'Europe/Berlin')).toEqual([utc('2026-03-29T10:00:00Z')]);
  });

  it('reads instants back as local wall time', () => {
    expect(toLocal(utc('2026-11-24T23:30:00Z'), 'Europe/Berlin')).toMatchObject({
      date: '2026-11-25',
      time: '00:30',
      weekday: 3,
      secondOfDay: 1800,
    });
    expect(toLocal(utc('2026-11-24T23:30:00Z'), 'America/New_York')).toMatchObject({
      date: '2026-11-24',
      time: '18:30',
      weekday: 2,
    });
    expect(offsetMs(utc('2026-01-01T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
    expect(offsetMs(utc('2026-01-01T00:00:00Z'), 'America/Los_Angeles')).toBe(-8 * 3_600_000);
  });

  it('round-trips every hour of 2026 in each zone', () => {
    const misses: string[] = [];
    for (const tz of [
      'Europe/Berlin',
      'America/New_York',
      'Pacific/Auckland',
      'Asia/Kolkata',
      'America/Los_Angeles',
    ]) {
      for (let t = utc('2026-01-01T00:00:00Z'); t < utc('2027-01-01T00:00:00Z'); t += 3_600_000) {
        const local = toLocal(t, tz);
        if (!zonedInstants(local.date, local.time, tz).includes(t))
          misses.push(`${tz} ${new Date(t).toISOString()}`);
      }
    }
    expect(misses).toEqual([]);
  });

  it('does calendar arithmetic', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(weekdayOf('2026-03-01')).toBe(7);
    expect(weekdayOf('2026-03-02')).toBe(1);
    expect(DAY).toBe(86_400_000);
  });

  it('knows German public holidays, nationally and by state', () => {
    expect(isPublicHoliday('2026-12-25', 'DE')).toBe(true);
    expect(isPublicHoliday('2026-12-24', 'DE')).toBe(false);
    expect(isPublicHoliday('2026-01-06', 'DE')).toBe(false);
    expect(isPublicHoliday('2026-01-06', 'DE', 'BY')).toBe(true);
    expect(isPublicHoliday('2026-10-31', 'DE', 'SN')).toBe(true);
  });
});
