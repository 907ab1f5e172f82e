import Holidays from 'date-holidays';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contactPolicyConfigSchema,
  decideContact,
  defaultContactPolicyConfig,
} from '../domain/contact-policy/index.js';
import type { ContactPolicyConfig, ContactRecord, PolicyFacts } from '../domain/contact-policy/index.js';
import { CHANNELS } from '../domain/segmentation/types.js';
import type { Channel } from '../domain/segmentation/types.js';

const DAY = 86_400_000;
const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Pacific/Auckland',
  'Asia/Kolkata',
  'America/Los_Angeles',
];

// --- an independent reading of the rules, for checking an `allowed` ---------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(at: number, timeZone: string): { date: string; weekday: number; seconds: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: weekdays.indexOf(parts.weekday ?? '') + 1,
    seconds: Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second),
  };
}

const secondsOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 3600 + Number(hhmm.slice(3, 5)) * 60;

const holidayCalendars = new Map<string, Holidays>();
function isHoliday(date: string, country: string, region: string | null | undefined): boolean {
  const key = `${country}|${region ?? ''}`;
  let hd = holidayCalendars.get(key);
  if (!hd) {
    hd = region
      ? new Holidays(country, region, { types: ['public'] })
      : new Holidays(country, { types: ['public'] });
    holidayCalendars.set(key, hd);
  }
  const found = hd.isHoliday(`${date} 12:00:00`);
  return Array.isArray(found) && found.some((h) => h.type === 'public');
}

/** Every rule an `allowed` promises, checked without the policy's own helpers. */
function violations(
  channel: Channel,
  now: number,
  facts: PolicyFacts,
  config: ContactPolicyConfig,
): string[] {
  const out: string[] = [];
  const window = (facts.country ? config.windows[facts.country] : undefined) ?? config.windows.default;
  const local = wallClock(now, facts.timezone);
  // Letters are posted at any hour: the window binds every other channel.
  const windowed = channel !== 'letter';
  if (windowed && !window.days.includes(local.weekday)) out.push(`weekday ${local.weekday}`);
  if (windowed && (local.seconds < secondsOf(window.start) || local.seconds >= secondsOf(window.end))) {
    out.push(`time ${local.seconds}s outside ${window.start}–${window.end}`);
  }
  if (windowed && window.holidays && facts.country && isHoliday(local.date, facts.country, facts.region)) {
    out.push(`holiday ${local.date}`);
  }
  if (facts.pausedUntil !== null && facts.pausedUntil > now) out.push('paused');
  const today = facts.history.filter((r) => wallClock(r.at, facts.timezone).date === local.date);
  if (today.length >= config.caps.overall.maxPerDay) out.push('overall cap');
  if (channel === 'call') {
    const calls = facts.history.filter((r) => r.channel === 'call');
    const recent = calls.filter((r) => r.at > now - config.caps.call.perDays * DAY);
    if (recent.length >= config.caps.call.maxAttempts) out.push('call cap');
    const quiet = config.caps.call.quietDaysAfterConversation * DAY;
    if (calls.some((r) => r.outcome === 'conversation' && r.at + quiet > now)) out.push('call quiet period');
  } else if (today.filter((r) => r.channel === channel).length >= config.caps[channel].maxPerDay) {
    out.push(`${channel} cap`);
  }
  return out;
}

// --- generators ---------------------------------------------------------------------------------

const tightConfig = contactPolicyConfigSchema.parse({
  caps: { call: { maxAttempts: 2, perDays: 3, quietDaysAfterConversation: 2 }, overall: { maxPerDay: 1 } },
});

const channelArb = fc.constantFrom<Channel>(...CHANNELS);
const anyInstant = fc.integer({
  min: Date.parse('2026-01-01T00:00:00Z'),
  max: Date.parse('2027-12-31T23:59:59Z'),
});
// Half of the instants sit on or next to a full quarter hour, where window edges (in every zone) lie.
const nowArb = fc.oneof(
  anyInstant,
  fc
    .tuple(anyInstant, fc.constantFrom(0, 0, -1, 1))
    .map(([t, delta]) => Math.floor(t / 900_000) * 900_000 + delta),
);
const countryArb = fc.constantFrom<string | null>('DE', 'US', 'NZ', null);

const scenarioArb = fc
  .record({
    channel: channelArb,
    now: nowArb,
    timezone: fc.constantFrom(...ZONES),
    country: countryArb,
    bavaria: fc.boolean(),
    // Contacts in the last 10 days (offsets back from now), some minutes apart to hit caps.
    history: fc.array(
      fc.record({
        channel: channelArb,
        ago: fc.oneof(fc.integer({ min: 0, max: 10 * DAY }), fc.integer({ min: 0, max: 6 * 3_600_000 })),
        outcome: fc.constantFrom<ContactRecord['outcome']>('attempt', 'attempt', 'attempt', 'conversation'),
      }),
      { maxLength: 12 },
    ),
    pause: fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.integer({ min: -3 * DAY, max: 10 * DAY }) },
    ),
    tight: fc.boolean(),
  })
  .map((s) => {
    const facts: PolicyFacts = {
      timezone: s.timezone,
      country: s.country,
      region: s.country === 'DE' && s.bavaria ? 'BY' : null,
      channel: { consent: true, optedOut: false, invalid: false },
      paid: false,
      disputed: false,
      pausedUntil: s.pause === null ? null : s.now + s.pause,
      operatorPaused: false,
      history: s.history.map((h) => ({ channel: h.channel, at: s.now - h.ago, outcome: h.outcome })),
    };
    return {
      channel: s.channel,
      now: s.now,
      facts,
      config: s.tight ? tightConfig : defaultContactPolicyConfig,
    };
  });

describe('contact policy properties', () => {
  it('allowed means inside the window with caps held; wait means allowed exactly at `until`', () => {
    fc.assert(
      fc.property(scenarioArb, ({ channel, now, facts, config }) => {
        const decision = decideContact(channel, now, facts, config);
        // Valid facts with a contact point always have some allowed moment.
        expect(decision.verdict).not.toBe('never');
        if (decision.verdict === 'allowed') {
          expect(violations(channel, now, facts, config)).toEqual([]);
        } else if (decision.verdict === 'wait') {
          expect(decision.until).toBeGreaterThan(now);
          expect(decision.reason).not.toBe('');
          const later = decideContact(channel, decision.until, facts, config);
          expect(later.verdict).toBe('allowed');
          expect(violations(channel, decision.until, facts, config)).toEqual([]);
          // `until` is the earliest such moment: one millisecond before, still not allowed.
          if (decision.until - 1 > now) {
            expect(decideContact(channel, decision.until - 1, facts, config).verdict).not.toBe('allowed');
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('contact point, paid, disputed and operator pause yield never at any time and history', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.constantFrom('paid', 'disputed', 'operatorPaused', 'optedOut', 'noConsent', 'invalid', 'missing'),
        ({ channel, now, facts, config }, rule) => {
          const point = { consent: true, optedOut: false, invalid: false };
          const blocked: PolicyFacts = {
            ...facts,
            paid: rule === 'paid',
            disputed: rule === 'disputed',
            operatorPaused: rule === 'operatorPaused',
            channel:
              rule === 'missing'
                ? undefined
                : {
                    ...point,
                    optedOut: rule === 'optedOut',
                    consent: rule !== 'noConsent',
                    invalid: rule === 'invalid',
                  },
          };
          expect(decideContact(channel, now, blocked, config).verdict).toBe('never');
        },
      ),
      { numRuns: 300 },
    );
  });
});
