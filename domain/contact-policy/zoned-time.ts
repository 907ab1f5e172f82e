/**
 * Wall-clock time in IANA time zones, workflow-safe: pure arithmetic on epoch milliseconds plus
 * `Intl.DateTimeFormat` for the zone's offsets. Never reads the clock.
 */

export const DAY_MS = 86_400_000;

/** An instant as read on a wall clock in a time zone. */
export interface LocalDateTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM */
  time: string;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Seconds since local midnight (of the wall clock, ignoring DST jumps). */
  secondOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `Intl` knows the zone (e.g. "Europe/Berlin"). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function floorToSecond(epochMs: number): number {
  return epochMs - (((epochMs % 1000) + 1000) % 1000);
}

/** The wall-clock reading of `epochMs` in `timeZone`, as if that reading were UTC (seconds precision). */
function wallAsUtc(epochMs: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(epochMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number => {
    const part = parts.find((p) => p.type === type);
    return part ? Number(part.value) : 0;
  };
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

/** The zone's offset from UTC at `epochMs`, in ms (positive east of Greenwich: Berlin in winter = 3_600_000). */
export function offsetMs(epochMs: number, timeZone: string): number {
  return wallAsUtc(epochMs, timeZone) - floorToSecond(epochMs);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a calendar date. */
export function weekdayOf(date: string): number {
  const { year, month, day } = parseDate(date);
  const d = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return d === 0 ? 7 : d;
}

/** The instant read on the wall clock of `timeZone`. */
export function toLocal(epochMs: number, timeZone: string): LocalDateTime {
  const w = new Date(wallAsUtc(epochMs, timeZone));
  const year = w.getUTCFullYear();
  const month = w.getUTCMonth() + 1;
  const day = w.getUTCDate();
  const hour = w.getUTCHours();
  const minute = w.getUTCMinutes();
  const second = w.getUTCSeconds();
  const weekday = w.getUTCDay() === 0 ? 7 : w.getUTCDay();
  return {
    date: `${pad(year, 4)}-${pad(month)}-${pad(day)}`,
    time: `${pad(hour)}:${pad(minute)}`,
    year,
    month,
    day,
    hour,
    minute,
    second,
    weekday,
    secondOfDay: hour * 3600 + minute * 60 + second,
  };
}

/** Calendar arithmetic on YYYY-MM-DD. */
export function addDays(date: string, days: number): string {
  const { year, month, day } = parseDate(date);
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function parseDate(date: string): { year: number; month: number; day: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`Invalid date "${date}", expected YYYY-MM-DD`);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** "HH:MM" or "HH:MM:SS" → seconds since midnight. */
export function parseTime(time: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!m) throw new RangeError(`Invalid time "${time}", expected HH:MM`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = Number(m[3] ?? 0);
  if (h > 23 || min > 59 || s > 59) throw new RangeError(`Invalid time "${time}"`);
  return h * 3600 + min * 60 + s;
}

/**
 * Every instant whose wall-clock reading in `timeZone` is `date` `time`, ascending:
 * usually one; two when the clocks fall back (the earlier first); none in a spring-forward gap.
 *
 * The technique: guess the instant as `wall - offset` for the offsets in force around that wall
 * time, and keep the guesses that read back as the wall time (the correction pass).
 */
export function zonedInstants(date: string, time: string, timeZone: string): number[] {
  const { year, month, day } = parseDate(date);
  const wall = Date.UTC(year, month - 1, day) + parseTime(time) * 1000;
  const offsets = new Set<number>([
    offsetMs(wall - DAY_MS, timeZone),
    offsetMs(wall + DAY_MS, timeZone),
    offsetMs(wall, timeZone),
  ]);
  offsets.add(offsetMs(wall - offsetMs(wall, timeZone), timeZone));
  const found = new Set<number>();
  for (const o of offsets) {
    const instant = wall - o;
    if (wallAsUtc(instant, timeZone) === wall) found.add(instant);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The first instant whose wall-clock reading is at or after `date` `time` in a spring-forward gap:
 * the moment the clocks jump (03:00 CEST for 02:30 on 2026-03-29 in Europe/Berlin).
 */
function gapEnd(date: string, time: string, timeZone: string): number {
  const { year, month, day } = parseDate(date);
  const wall = Date.UTC(year, month - 1, day) + parseTime(time) * 1000;
  const before = offsetMs(wall - DAY_MS, timeZone);
  const after = offsetMs(wall + DAY_MS, timeZone);
  // Reading at or after the wall time, as a predicate that flips once across the gap.
  const reached = (instant: number): boolean => wallAsUtc(instant, timeZone) >= wall;
  let lo = floorToSecond(wall - Math.max(before, after));
  let hi = floorToSecond(wall - Math.min(before, after));
  if (reached(lo) || !reached(hi)) return wall - offsetMs(wall, timeZone);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (reached(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Local date and wall time in `timeZone` → epoch ms.
 * - A time that exists twice (clocks fall back): `'earlier'` (default) or `'later'` occurrence.
 * - A time that doesn't exist (clocks spring forward): the first instant after the gap, i.e. the
 *   earliest instant whose wall time is not before the one asked for (02:30 → 03:00 in Berlin).
 */
export function zonedTimeToEpoch(
  date: string,
  time: string,
  timeZone: string,
  disambiguation: 'earlier' | 'later' = 'earlier',
): number {
  const instants = zonedInstants(date, time, timeZone);
  const pick = disambiguation === 'earlier' ? instants[0] : instants[instants.length - 1];
  return pick ?? gapEnd(date, time, timeZone);
}

/**
 * The first instant strictly after `after` at which the wall clock of `timeZone` reads `date` `time`
 * (or, inside a spring-forward gap, the end of the gap); null when that moment already passed.
 */
export function zonedTimeAfter(date: string, time: string, timeZone: string, after: number): number | null {
  const instants = zonedInstants(date, time, timeZone);
  const candidates = instants.length > 0 ? instants : [gapEnd(date, time, timeZone)];
  return candidates.find((t) => t > after) ?? null;
}
