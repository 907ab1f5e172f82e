import { z } from 'zod';

/**
 * Contact policy settings: weekly contact windows per country and contact caps. Every field has a
 * default; `contactPolicyConfigSchema.parse({})` yields `defaultContactPolicyConfig`.
 */

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A weekly window of local wall-clock time, [start, end) on the listed days. */
export interface ContactWindow {
  /** ISO weekdays on which contact is allowed, 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Local wall time "HH:MM", inclusive. */
  start: string;
  /** Local wall time "HH:MM", exclusive (20:00 allows 19:59:59, not 20:00). */
  end: string;
  /** true: no contact on public holidays of the debtor's country (and state, when known). */
  holidays: boolean;
}

/** Windows by ISO 3166-1 alpha-2 country code; `default` for every other country and unknown ones. */
export type ContactWindows = { default: ContactWindow } & Partial<Record<string, ContactWindow>>;

const MON_SAT = [1, 2, 3, 4, 5, 6];

export const defaultContactWindows: ContactWindows = {
  default: { days: MON_SAT, start: '08:00', end: '20:00', holidays: false },
  // Germany: Mon–Sat 08:00–20:00, never on Sundays or public holidays.
  DE: { days: MON_SAT, start: '08:00', end: '20:00', holidays: true },
  // Regulation F (12 CFR 1006.6(b)(1)(i)): 08:00–21:00 local time is presumed convenient.
  US: { days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '21:00', holidays: false },
};

const windowOverrideSchema = z.object({
  days: z
    .array(z.number().int().min(1).max(7))
    .min(1)
    // inDocument: the API document states the rule too (uniqueItems), so breaking it is malformed (400).
    .refine((days) => new Set(days).size === days.length, {
      message: 'days must not repeat',
      params: { inDocument: true },
    })
    .meta({ uniqueItems: true })
    .optional(),
  start: z.string().regex(TIME, 'expected HH:MM').optional(),
  end: z.string().regex(TIME, 'expected HH:MM').optional(),
  holidays: z.boolean().optional(),
});

const windowsSchema = z
  .record(
    z.string().regex(/^([A-Z]{2}|default)$/, 'expected a country code like DE, or "default"'),
    windowOverrideSchema,
  )
  .default({})
  .transform((overrides): ContactWindows => {
    // An override changes only the fields it names; the rest come from that country's default
    // window, or from the (possibly overridden) `default` window for countries without one.
    const base: ContactWindow = {
      ...defaultContactWindows.default,
      ...stripUndefined(overrides.default ?? {}),
    };
    const windows: ContactWindows = { default: base };
    for (const [country, window] of Object.entries(defaultContactWindows)) {
      if (country !== 'default' && window) windows[country] = { ...window };
    }
    for (const [country, override] of Object.entries(overrides)) {
      if (country === 'default') continue;
      windows[country] = { ...(windows[country] ?? base), ...stripUndefined(override) };
    }
    return windows;
  })
  .superRefine((windows, ctx) => {
    for (const [country, window] of Object.entries(windows)) {
      if (window && window.start >= window.end) {
        ctx.addIssue({
          code: 'custom',
          path: [country],
          message: `start ${window.start} must be before end ${window.end}`,
        });
      }
    }
  });

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const count = (def: number) => z.number().int().min(1).default(def);

const capsSchema = z
  .object({
    call: z
      .object({
        /** At most this many call attempts (conversations included) … */
        maxAttempts: count(7),
        /** … within this many days (a rolling window of perDays × 24 h). */
        perDays: count(7),
        /** No call for this many days (× 24 h) after a telephone conversation. */
        quietDaysAfterConversation: z.number().int().min(0).default(7),
      })
      .prefault({}),
    sms: z.object({ maxPerDay: count(1) }).prefault({}),
    email: z.object({ maxPerDay: count(1) }).prefault({}),
    /** Letters are posted whatever the hour; still one a day, and each counts towards `overall`. */
    letter: z.object({ maxPerDay: count(1) }).prefault({}),
    /** Contacts per local calendar day of the debtor, all channels together. */
    overall: z.object({ maxPerDay: count(2) }).prefault({}),
  })
  .prefault({});

export const contactPolicyConfigSchema = z.object({
  windows: windowsSchema,
  caps: capsSchema,
});

export type ContactPolicyConfig = z.output<typeof contactPolicyConfigSchema>;
export type ContactPolicyConfigInput = z.input<typeof contactPolicyConfigSchema>;

export const defaultContactPolicyConfig: ContactPolicyConfig = contactPolicyConfigSchema.parse({});
