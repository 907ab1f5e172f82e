import { z } from 'zod';
import { KNOWN_CURRENCIES } from './money.js';
import { trimmedText } from './text.js';
import { postalAddressSchema } from './postal-address.js';
import { DEBTOR_FLAGS } from './segmentation/types.js';

/**
 * The one description of a debtor as billing sends it. The API body (PUT /v1/debtors/{id}), the
 * stored profile, the import rows and the CLI's assess rows all derive from the field schemas here,
 * so a rule (what a time zone is, which flags exist) is written once.
 */

/**
 * Current IANA names that ICU still lists under an older one (Intl accepts both): named here so the
 * list of zones, which the OpenAPI document carries as an enum, has them.
 */
const RENAMED_ZONES = [
  'America/Nuuk',
  'Asia/Ho_Chi_Minh',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Asia/Yangon',
  'Atlantic/Faroe',
  'Europe/Kyiv',
  'Pacific/Kanton',
];
const FIXED_OFFSET_ZONES = [
  'Etc/GMT',
  'Etc/UTC',
  ...Array.from({ length: 12 }, (_, i) => `Etc/GMT+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `Etc/GMT-${i + 1}`),
];

function isIanaZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * IANA zones only ("Europe/Berlin", "UTC"): abbreviations like "CET" name no place and no holidays.
 * One list for the server and the OpenAPI document, so the schema refuses what the server refuses.
 */
export const TIME_ZONES = [
  // Intl's own list needs no check (a DateTimeFormat per zone cost every thread 0.1 s at start).
  ...new Set([
    ...['UTC', ...FIXED_OFFSET_ZONES, ...RENAMED_ZONES].filter(isIanaZone),
    ...Intl.supportedValuesOf('timeZone'),
  ]),
].sort() as [string, ...string[]];
const knownZones = new Set<string>(TIME_ZONES);

export function isTimeZone(tz: string): boolean {
  return knownZones.has(tz);
}

/**
 * Days and instants of the years 1900–2999, spelled out as patterns that check the calendar too
 * (30 days in April, 29 February in leap years): the same rule for the server, the database (which
 * knows no year 0) and the OpenAPI document.
 */
const YEAR = '(?:19|2\\d)\\d\\d';
const LEAP_YEAR = '(?:(?:19|2\\d)(?:0[48]|[2468][048]|[13579][26])|2000|2400|2800)';
const DAY = [
  `${YEAR}-(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])`,
  `${YEAR}-(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)`,
  `${YEAR}-02-(?:0[1-9]|1\\d|2[0-8])`,
  `${LEAP_YEAR}-02-29`,
].join('|');
const TIME = '(?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,3})?)?';
const OFFSET = '(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)';

export const calendarDateSchema = z.string().regex(new RegExp(`^(?:${DAY})$`), 'must be a date YYYY-MM-DD');

/** An ISO 8601 instant with its offset (`2026-11-30T10:00:00Z`, `…+01:00`), stored as UTC. */
export const instantSchema = z
  .string()
  .regex(
    new RegExp(`^(?:${DAY})T${TIME}${OFFSET}$`),
    'must be an ISO 8601 time with offset, e.g. 2026-11-30T10:00:00Z',
  )
  .transform((at) => new Date(at).toISOString());

export function isCalendarDate(value: string): boolean {
  return calendarDateSchema.safeParse(value).success;
}

export const timezoneSchema = z.enum(TIME_ZONES, {
  error: 'unknown IANA time zone (use one such as Europe/Berlin)',
});

export const COUNTRY_PATTERN = /^[A-Z]{2}$/;
export const countrySchema = z
  .string()
  .regex(COUNTRY_PATTERN, 'must be an ISO 3166-1 alpha-2 code such as DE');

export const currencySchema = z.enum(KNOWN_CURRENCIES, {
  error: 'unknown ISO 4217 currency (use a code such as EUR)',
});

export const minorUnitsSchema = z
  .number()
  .int('must be a whole number of minor units (cents)')
  .positive('must be greater than 0');

export const phoneSchema = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +4915123456789');

export const localeSchema = z.enum(['de', 'en']);
export const preferredChannelSchema = z.enum(['email', 'sms', 'call', 'portal']);
export const customerValueSchema = z.enum(['A', 'B', 'C']);
export const digitalAffinitySchema = z.enum(['high', 'medium', 'low']);
export const debtorFlagSchema = z.enum(DEBTOR_FLAGS);
export const onTimeRateSchema = z.number().min(0).max(1);
export const countSchema = z.number().int().min(0);

export const paymentHistorySchema = z
  .object({ onTimeRate: onTimeRateSchema, brokenPromises: countSchema, previousCases: countSchema })
  .partial()
  .strict();

export const consentsSchema = z
  .object({ email: z.boolean(), sms: z.boolean(), call: z.boolean() })
  .partial()
  .strict();

/** Consent defaults: e-mail about an existing contract is a service message; SMS and calls need consent. */
export const DEFAULT_CONSENTS = { email: true, sms: false, call: false } as const;

export const attributeValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const profileFields = z
  .object({
    name: trimmedText(1, 200),
    locale: localeSchema,
    timezone: timezoneSchema,
    country: countrySchema.optional(),
    email: z.email().max(254).optional(),
    phone: phoneSchema.optional(),
    consents: consentsSchema
      .optional()
      .describe('Defaults: e-mail true (service messages about an existing contract), SMS and calls false'),
    preferredChannel: preferredChannelSchema.optional(),
    customerValue: customerValueSchema.optional(),
    digitalAffinity: digitalAffinitySchema.optional(),
    flags: z.array(debtorFlagSchema).max(DEBTOR_FLAGS.length).optional(),
    paymentHistory: paymentHistorySchema.optional(),
    attributes: z.record(z.string(), attributeValueSchema).optional(),
    type: z
      .enum(['consumer', 'business'])
      .optional()
      .describe(
        '§ 288 BGB: default interest 5 (consumer) or 9 (business) points over the base rate; default consumer',
      ),
    address: postalAddressSchema
      .optional()
      .describe('Postal address for letters; the postcode is checked per country'),
  })
  .strict();

/** What billing sends for a debtor (the body of PUT /v1/debtors/{id}, the `profile` of an import row). */
export const debtorProfileSchema = profileFields
  .superRefine((d, ctx) => {
    const needs = { email: d.email, sms: d.phone, call: d.phone, portal: d.email ?? d.phone } as const;
    const what = { email: 'an email', sms: 'a phone', call: 'a phone', portal: 'an email or phone' } as const;
    if (d.preferredChannel && !needs[d.preferredChannel]) {
      ctx.addIssue({
        code: 'custom',
        path: ['preferredChannel'],
        message: `${d.preferredChannel} needs ${what[d.preferredChannel]} to reach the debtor`,
        params: { inDocument: true },
      });
    }
  })
  // The same rule in the OpenAPI document.
  .meta({
    anyOf: [
      { not: { required: ['preferredChannel'] } },
      { properties: { preferredChannel: { enum: ['email'] } }, required: ['email'] },
      { properties: { preferredChannel: { enum: ['sms', 'call'] } }, required: ['phone'] },
      {
        properties: { preferredChannel: { enum: ['portal'] } },
        anyOf: [{ required: ['email'] }, { required: ['phone'] }],
      },
    ],
  });
export type DebtorProfile = z.infer<typeof debtorProfileSchema>;

/**
 * The body of PATCH /v1/debtors/{id}, a JSON merge patch: any field of the profile; `null` removes
 * an optional one (a required one cannot be removed).
 */
export const debtorPatchSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(profileFields.shape).map(([key, field]) => [
      key,
      field instanceof z.ZodOptional ? field.nullable() : field.optional(),
    ]),
  ),
);

/** The names of the profile's fields, e.g. for the optional columns of an import file. */
export const DEBTOR_PROFILE_FIELDS = Object.keys(profileFields.shape) as (keyof DebtorProfile)[];

/** An overdue invoice as billing sends it (the body of PUT /v1/debtors/{id}/invoices/{invoiceId}). */
export const invoiceSchema = z
  .object({
    currency: currencySchema,
    amountDue: minorUnitsSchema,
    dueDate: calendarDateSchema,
    issuedAt: instantSchema,
  })
  .strict();
export type Invoice = z.infer<typeof invoiceSchema>;

/**
 * A profile with every default spelled out (consents per reachable channel, empty flags, history
 * and attributes), so two profiles that mean the same compare equal and a stored one reads back.
 */
export function effectiveProfile(p: DebtorProfile): DebtorProfile {
  const consents: NonNullable<DebtorProfile['consents']> = {};
  if (p.email) consents.email = p.consents?.email ?? DEFAULT_CONSENTS.email;
  if (p.phone) {
    consents.sms = p.consents?.sms ?? DEFAULT_CONSENTS.sms;
    consents.call = p.consents?.call ?? DEFAULT_CONSENTS.call;
  }
  const optional = <K extends keyof DebtorProfile>(key: K) => (p[key] === undefined ? {} : { [key]: p[key] });
  return {
    name: p.name,
    locale: p.locale,
    timezone: p.timezone,
    ...optional('country'),
    ...optional('email'),
    ...optional('phone'),
    consents,
    ...optional('preferredChannel'),
    ...optional('customerValue'),
    ...optional('digitalAffinity'),
    flags: [...new Set(p.flags ?? [])].sort(),
    paymentHistory: p.paymentHistory ?? {},
    attributes: p.attributes ?? {},
    // A debtor is a consumer unless billing says otherwise (§ 288 BGB's lower rate).
    type: p.type ?? 'consumer',
    ...optional('address'),
  };
}

/** Same meaning, regardless of key order and spelled-out defaults. */
export function sameProfile(a: DebtorProfile, b: DebtorProfile): boolean {
  return canonicalJson(effectiveProfile(a)) === canonicalJson(effectiveProfile(b));
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y)))
      : v,
  );
}
