import Holidays from 'date-holidays';
import type { Channel } from '../segmentation/types.js';
import { defaultContactPolicyConfig } from './config.js';
import type { ContactPolicyConfig, ContactWindow } from './config.js';
import {
  DAY_MS,
  addDays,
  isValidTimeZone,
  parseTime,
  toLocal,
  weekdayOf,
  zonedTimeAfter,
} from './zoned-time.js';

/**
 * The contact policy: pure rules that guard every contact. Workflow-safe: no I/O, no clock; the
 * current instant comes in as `now` (epoch ms).
 */

export interface ContactRecord {
  channel: Channel;
  /** Epoch ms. */
  at: number;
  outcome: 'attempt' | 'conversation';
}

export interface PolicyFacts {
  /** IANA time zone of the debtor, e.g. Europe/Berlin. */
  timezone: string;
  /** ISO 3166-1 alpha-2; selects the contact window and the public holidays. */
  country: string | null;
  /** State within the country (ISO 3166-2 subdivision, "BY" or "DE-BY"), for regional holidays. */
  region?: string | null;
  /** The contact point of the channel asked about; undefined when the debtor has none. */
  channel: { consent: boolean; optedOut: boolean; invalid: boolean } | undefined;
  paid: boolean;
  disputed: boolean;
  /** Promise or operator pause until this instant (epoch ms); null = not paused. */
  pausedUntil: number | null;
  /** Open-ended pause by an operator. */
  operatorPaused: boolean;
  /** Earlier contacts of this debtor, all channels. */
  history: ContactRecord[];
}

export type ContactDecision =
  | { verdict: 'allowed'; reasons: string[] }
  /** Not now, but at `until`: the earliest moment at which every rule allows the contact. */
  | { verdict: 'wait'; until: number; reason: string }
  /** Skip this contact; the strategy moves on. */
  | { verdict: 'never'; reason: string };

/** Bound on the search for the next allowed moment (each step moves at least to the next rule change). */
const MAX_STEPS = 400;
/** Bound on the days searched for the next contact window. */
const MAX_WINDOW_DAYS = 400;

const CHANNEL_NAMES: Record<Channel, string> = { email: 'email', sms: 'SMS', call: 'call', letter: 'letter' };
const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

// --- public holidays ----------------------------------------------------------------------------

const holidayCalendars = new Map<string, Holidays>();
const holidayDates = new Map<string, ReadonlySet<string>>();

/** The state code date-holidays expects ("BY") from "BY", "by" or "DE-BY". */
function stateCode(country: string, region: string | null | undefined): string | undefined {
  if (!region) return undefined;
  const r = region.trim().toUpperCase();
  const state = r.startsWith(`${country}-`) ? r.slice(country.length + 1) : r;
  return state.length > 0 ? state : undefined;
}

/** Public holidays (type "public", full days) as local dates YYYY-MM-DD; pure, computed once per year. */
function publicHolidays(country: string, state: string | undefined, year: number): ReadonlySet<string> {
  const key = `${country}|${state ?? ''}|${year}`;
  let dates = holidayDates.get(key);
  if (!dates) {
    const calendarKey = `${country}|${state ?? ''}`;
    let calendar = holidayCalendars.get(calendarKey);
    if (!calendar) {
      calendar = state
        ? new Holidays(country, state, { types: ['public'] })
        : new Holidays(country, { types: ['public'] });
      holidayCalendars.set(calendarKey, calendar);
    }
    dates = new Set(
      calendar
        .getHolidays(year)
        .filter((h) => h.type === 'public')
        .map((h) => h.date.slice(0, 10)),
    );
    holidayDates.set(key, dates);
  }
  return dates;
}

/** True when `date` (YYYY-MM-DD) is a public holiday in the country (and state, when given). */
export function isPublicHoliday(date: string, country: string, region?: string | null): boolean {
  const c = country.toUpperCase();
  return publicHolidays(c, stateCode(c, region), Number(date.slice(0, 4))).has(date);
}

// --- contact windows ----------------------------------------------------------------------------

interface WindowContext {
  timezone: string;
  country: string | null;
  region: string | null | undefined;
  window: ContactWindow;
  startSec: number;
  endSec: number;
}

/** The window for a country: its own, or the `default` one. */
export function contactWindowFor(
  country: string | null,
  config: ContactPolicyConfig = defaultContactPolicyConfig,
): ContactWindow {
  return (country ? config.windows[country.toUpperCase()] : undefined) ?? config.windows.default;
}

function windowContext(
  timezone: string,
  country: string | null,
  region: string | null | undefined,
  config: ContactPolicyConfig,
): WindowContext {
  const window = contactWindowFor(country, config);
  return {
    timezone,
    country,
    region,
    window,
    startSec: parseTime(window.start),
    endSec: parseTime(window.end),
  };
}

function dayAllowed(date: string, ctx: WindowContext): boolean {
  if (!ctx.window.days.includes(weekdayOf(date))) return false;
  return !(ctx.window.holidays && ctx.country && isPublicHoliday(date, ctx.country, ctx.region));
}

function insideWindow(at: number, ctx: WindowContext): boolean {
  const local = toLocal(at, ctx.timezone);
  return dayAllowed(local.date, ctx) && local.secondOfDay >= ctx.startSec && local.secondOfDay < ctx.endSec;
}

/** `at` itself when inside the window, else the next instant the window opens; null if none within 400 days. */
function findWindowStart(at: number, ctx: WindowContext): number | null {
  const today = toLocal(at, ctx.timezone).date;
  for (let i = 0; i < MAX_WINDOW_DAYS; i++) {
    const date = addDays(today, i);
    if (!dayAllowed(date, ctx)) continue;
    if (i === 0 && insideWindow(at, ctx)) return at;
    // The earliest instant after `at` reading the start time (after a spring-forward gap: its end).
    const start = zonedTimeAfter(date, ctx.window.start, ctx.timezone, at);
    if (start !== null && insideWindow(start, ctx)) return start;
  }
  return null;
}

/**
 * `now` when it lies inside the contact window of the debtor's country, else the instant the next
 * window opens (local wall-clock times; Sundays, excluded weekdays and, where configured, public
 * holidays skipped; DST handled). Throws RangeError for an unknown time zone or no window within 400 days.
 */
export function nextWindowStart(
  now: number,
  timezone: string,
  country: string | null,
  config: ContactPolicyConfig = defaultContactPolicyConfig,
  region?: string | null,
): number {
  if (!isValidTimeZone(timezone)) throw new RangeError(`Unknown time zone "${timezone}"`);
  const start = findWindowStart(now, windowContext(timezone, country, region, config));
  if (start === null) throw new RangeError(`No contact window within ${MAX_WINDOW_DAYS} days`);
  return start;
}

// --- caps ---------------------------------------------------------------------------------------

interface Block {
  /** The earliest instant at which this rule could allow the contact (> the instant checked). */
  until: number;
  reason: string;
}

type Check = (at: number) => Block | null;

function startOfNextLocalDay(at: number, timezone: string): number {
  const tomorrow = addDays(toLocal(at, timezone).date, 1);
  // Midnight may be skipped or repeated by a DST change; take the first reading at/after 00:00.
  return zonedTimeAfter(tomorrow, '00:00', timezone, at) ?? at + DAY_MS;
}

function sameLocalDay(records: ContactRecord[], at: number, timezone: string): number {
  const today = toLocal(at, timezone).date;
  return records.filter((r) => toLocal(r.at, timezone).date === today).length;
}

/**
 * The cap rules for `channel`. History entries stamped after the instant checked (clock skew) count
 * as already made: they fill rolling windows and start quiet periods all the same.
 */
function capChecks(channel: Channel, facts: PolicyFacts, config: ContactPolicyConfig): Check[] {
  const { timezone, history } = facts;
  const caps = config.caps;
  const checks: Check[] = [];

  if (channel === 'call') {
    const calls = history.filter((r) => r.channel === 'call');
    const quietMs = caps.call.quietDaysAfterConversation * DAY_MS;
    const lastConversation = calls.reduce(
      (last, r) => (r.outcome === 'conversation' && r.at > last ? r.at : last),
      -Infinity,
    );
    if (quietMs > 0) {
      checks.push((at) =>
        lastConversation + quietMs > at
          ? {
              until: lastConversation + quietMs,
              reason: `Call quiet period: ${plural(caps.call.quietDaysAfterConversation, 'day')} after a conversation`,
            }
          : null,
      );
    }
    const windowMs = caps.call.perDays * DAY_MS;
    const max = caps.call.maxAttempts;
    const callTimes = calls.map((r) => r.at).sort((a, b) => a - b);
    checks.push((at) => {
      // Counted: calls (conversations too) in the last perDays × 24 h, i.e. t > at - window.
      const counted = callTimes.filter((t) => t > at - windowMs);
      if (counted.length < max) return null;
      // Free once all but max - 1 have left the window.
      const leaving = counted[counted.length - max] ?? at;
      return {
        until: leaving + windowMs,
        reason: `Call cap: ${plural(max, 'attempt')} in ${plural(caps.call.perDays, 'day')} reached`,
      };
    });
  } else {
    const max = caps[channel].maxPerDay;
    const records = history.filter((r) => r.channel === channel);
    checks.push((at) =>
      sameLocalDay(records, at, timezone) >= max
        ? {
            until: startOfNextLocalDay(at, timezone),
            reason: `${capitalized(CHANNEL_NAMES[channel])} cap: ${max} per day reached`,
          }
        : null,
    );
  }

  const overallMax = caps.overall.maxPerDay;
  checks.push((at) =>
    sameLocalDay(history, at, timezone) >= overallMax
      ? { until: startOfNextLocalDay(at, timezone), reason: `Contact cap: ${overallMax} per day reached` }
      : null,
  );
  return checks;
}

// --- the decision -------------------------------------------------------------------------------

function formatLocal(at: number, timezone: string): string {
  const local = toLocal(at, timezone);
  return `${local.date} ${local.time} ${timezone}`;
}

function allowedReasons(
  channel: Channel,
  now: number,
  facts: PolicyFacts,
  config: ContactPolicyConfig,
  ctx: WindowContext,
): string[] {
  const name = CHANNEL_NAMES[channel];
  const { caps } = config;
  const local = toLocal(now, facts.timezone);
  const reasons =
    channel === 'letter'
      ? ['a valid postal address', 'post needs no contact window']
      : [
          `consent for ${name}`,
          `local time ${local.time} ${facts.timezone} inside the contact window ${ctx.window.start}–${ctx.window.end}`,
        ];
  const today = (records: ContactRecord[]): number => sameLocalDay(records, now, facts.timezone);
  if (channel === 'call') {
    const calls = facts.history.filter((r) => r.channel === 'call');
    const recent = calls.filter((r) => r.at > now - caps.call.perDays * DAY_MS).length;
    reasons.push(
      `call attempts in the last ${plural(caps.call.perDays, 'day')}: ${recent} of ${caps.call.maxAttempts}`,
    );
  } else {
    const sent = today(facts.history.filter((r) => r.channel === channel));
    reasons.push(`${name} today: ${sent} of ${caps[channel].maxPerDay}`);
  }
  reasons.push(`contacts today: ${today(facts.history)} of ${caps.overall.maxPerDay}`);
  return reasons;
}

/**
 * Whether `channel` may be used at `now`. The rules, in order:
 * no contact point / no consent / opted out / invalid → never; paid → never; disputed → never;
 * paused by an operator → never (the workflow resumes it); then pause until a date, caps and the
 * contact window → wait until the earliest moment at which all of them allow the contact.
 */
export function decideContact(
  channel: Channel,
  now: number,
  facts: PolicyFacts,
  config: ContactPolicyConfig = defaultContactPolicyConfig,
): ContactDecision {
  const name = CHANNEL_NAMES[channel];
  const point = facts.channel;
  if (!point) return { verdict: 'never', reason: `no ${name} contact point` };
  if (!point.consent) return { verdict: 'never', reason: `no consent for ${name}` };
  if (point.optedOut) return { verdict: 'never', reason: `debtor opted out of ${name}` };
  if (point.invalid) return { verdict: 'never', reason: `${name} contact point is invalid` };
  if (facts.paid) return { verdict: 'never', reason: 'case is paid' };
  if (facts.disputed) return { verdict: 'never', reason: 'case is disputed' };
  if (facts.operatorPaused) return { verdict: 'never', reason: 'paused by operator' };
  if (!isValidTimeZone(facts.timezone))
    return { verdict: 'never', reason: `unknown time zone "${facts.timezone}"` };

  const ctx = windowContext(facts.timezone, facts.country, facts.region, config);
  const windowReason = (until: number): string =>
    `Waiting for contact window, ${toLocal(until, facts.timezone).time} ${facts.timezone}`;
  const checks: Check[] = [
    (at) => {
      const { pausedUntil } = facts;
      return pausedUntil !== null && pausedUntil > at
        ? { until: pausedUntil, reason: `Paused until ${formatLocal(pausedUntil, facts.timezone)}` }
        : null;
    },
    ...capChecks(channel, facts, config),
    (at) => {
      // Post is handed to the printer, not delivered at this hour: no contact window for letters.
      if (channel === 'letter' || insideWindow(at, ctx)) return null;
      // No window within 400 days: an infinite wait, reported as `never` below.
      return { until: findWindowStart(at, ctx) ?? Infinity, reason: '' };
    },
  ];

  // Move forward to the earliest instant at which no rule blocks: every step jumps to the earliest
  // moment the blocking rule could allow, so no allowed instant is skipped.
  let candidate = now;
  let first: Block | null = null;
  for (let step = 0; step < MAX_STEPS; step++) {
    let block: Block | null = null;
    for (const check of checks) {
      block = check(candidate);
      if (block) break;
    }
    if (!block) {
      if (candidate === now)
        return { verdict: 'allowed', reasons: allowedReasons(channel, now, facts, config, ctx) };
      const reason = first && first.reason !== '' ? first.reason : windowReason(candidate);
      return { verdict: 'wait', until: candidate, reason };
    }
    if (!Number.isFinite(block.until)) {
      return { verdict: 'never', reason: `no contact window within ${MAX_WINDOW_DAYS} days` };
    }
    first ??= block;
    candidate = Math.max(block.until, candidate + 1);
  }
  return { verdict: 'never', reason: `no allowed moment for ${name} found within ${MAX_STEPS} steps` };
}
