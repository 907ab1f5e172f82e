import { z } from 'zod';
import { isKnownCurrency } from './money.js';
import { postalAddressSchema } from './postal-address.js';
import { DEBTOR_FLAGS } from './segmentation/types.js';

/**
 * The one description of a debtor as billing sends it. The API body (PUT /v1/debtors/{id}), the
 * stored profile, the import rows and the CLI's assess rows all derive from the field schemas here,
 * so a rule (what a time zone is, which flags exist) is written once.
 */

/** IANA zones only ("Europe/Berlin", "UTC"): abbreviations like "CET" name no place and no holidays. */
export function isTimeZone(tz: string): boolean {
  let known = checkedZones.get(tz);
  if (known === undefined) {
    known = isIanaZone(tz);
    // Asking Intl costs about as much as the rest of a row's checks: a bulk import asks once per zone.
    if (checkedZones.size < 1000) checkedZones.set(tz, known);
  }
  return known;
}
const checkedZones = new Map<string, boolean>();

function isIanaZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz.includes('/') || tz === 'UTC';
  } catch {
    return false;
  }
}

export function isCalendarDate(value: string): boolean {
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

export const calendarDateSchema = z.string().refine(isCalendarDate, 'must be a date YYYY-MM-DD');

export const timezoneSchema = z
  .string()
  .refine(isTimeZone, 'unknown IANA time zone (use one such as Europe/Berlin)');

export const countrySchema = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as DE');

export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
  .refine(isKnownCurrency, 'unknown ISO 4217 currency');

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
    name: z.string().trim().min(1).max(200),
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
export const debtorProfileSchema = profileFields.superRefine((d, ctx) => {
  const needs = { email: d.email, sms: d.phone, call: d.phone, portal: d.email ?? d.phone } as const;
  const what = { email: 'an email', sms: 'a phone', call: 'a phone', portal: 'an email or phone' } as const;
  if (d.preferredChannel && !needs[d.preferredChannel]) {
    ctx.addIssue({
      code: 'custom',
      path: ['preferredChannel'],
      message: `${d.preferredChannel} needs ${what[d.preferredChannel]} to reach the debtor`,
    });
  }
});
export type DebtorProfile = z.infer<typeof debtorProfileSchema>;

/** The names of the profile's fields, e.g. for the optional columns of an import file. */
export const DEBTOR_PROFILE_FIELDS = Object.keys(profileFields.shape) as (keyof DebtorProfile)[];

/** An overdue invoice as billing sends it (the body of PUT /v1/debtors/{id}/invoices/{invoiceId}). */
export const invoiceSchema = z
  .object({
    currency: currencySchema,
    amountDue: minorUnitsSchema,
    dueDate: calendarDateSchema,
    issuedAt: z.iso.datetime({ offset: true }),
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
