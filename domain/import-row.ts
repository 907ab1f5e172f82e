import { z } from 'zod';
import { debtorIdSchema } from './case.js';
import { daysPastDue } from './dates.js';
import { debtorProfileSchema, effectiveProfile, invoiceSchema } from './debtor.js';
import { CHANNELS, letterContactPoint, type DebtorSnapshot } from './segmentation/types.js';

/**
 * One row of a bulk import: a debtor's profile and one of their invoices, exactly the bodies of
 * PUT /v1/debtors/{id} and PUT /v1/debtors/{id}/invoices/{invoiceId}.
 */
export const importRowSchema = z
  .object({
    debtorId: debtorIdSchema,
    profile: debtorProfileSchema,
    invoice: invoiceSchema.extend({ invoiceId: debtorIdSchema }).strict(),
  })
  .strict();
export type ImportRow = z.infer<typeof importRowSchema>;

export type RowOutcome = 'created' | 'updated' | 'unchanged' | 'rejected';

/** The columns every CSV import needs; the rest of the profile is optional (see CSV_OPTIONAL_COLUMNS). */
export const CSV_REQUIRED_COLUMNS = [
  'debtorId',
  'name',
  'locale',
  'timezone',
  'country',
  'email',
  'phone',
  'invoiceId',
  'currency',
  'amountDue',
  'dueDate',
  'issuedAt',
] as const;

/** Flat columns for the profile's nested fields; `attributes.<key>` columns become attributes. */
const NESTED_COLUMNS = {
  emailConsent: ['consents', 'email'],
  smsConsent: ['consents', 'sms'],
  callConsent: ['consents', 'call'],
  onTimeRate: ['paymentHistory', 'onTimeRate'],
  brokenPromises: ['paymentHistory', 'brokenPromises'],
  previousCases: ['paymentHistory', 'previousCases'],
} as const;

export const CSV_OPTIONAL_COLUMNS = [
  'preferredChannel',
  'customerValue',
  'digitalAffinity',
  'flags',
  ...Object.keys(NESTED_COLUMNS),
] as const;

/**
 * The rejected-rows file repeats a row with this extra column (or JSON key) saying what is wrong;
 * it is ignored on import, so the fixed file can be imported as it is.
 */
export const REJECTION_COLUMN = 'error';

const INVOICE_COLUMNS = new Set(['invoiceId', 'currency', 'amountDue', 'dueDate', 'issuedAt']);
const NUMBER_COLUMNS = new Set(['amountDue', 'onTimeRate', 'brokenPromises', 'previousCases']);
const BOOLEAN_COLUMNS = new Set(['emailConsent', 'smsConsent', 'callConsent']);
const ATTRIBUTE_PREFIX = 'attributes.';

/** The columns a header may name; anything else is refused, so a typo never passes silently. */
export function unknownCsvColumns(header: readonly string[]): string[] {
  const known = new Set<string>([...CSV_REQUIRED_COLUMNS, ...CSV_OPTIONAL_COLUMNS, REJECTION_COLUMN]);
  return header.filter((c) => !known.has(c) && !(c.startsWith(ATTRIBUTE_PREFIX) && c.length > 11));
}

function cellValue(column: string, text: string): unknown {
  if (NUMBER_COLUMNS.has(column) && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (BOOLEAN_COLUMNS.has(column)) {
    if (/^(true|yes|1)$/i.test(text)) return true;
    if (/^(false|no|0)$/i.test(text)) return false;
  }
  if (column === 'flags') return text.split(/[;|]/).map((f) => f.trim());
  return text;
}

/**
 * A CSV record (column → text) in the shape of a JSON import row, ready for importRowSchema. An
 * empty cell means "not given"; wrong values stay as they are so the schema names the field.
 */
export function csvRecordToRow(record: Readonly<Record<string, string>>): unknown {
  const profile: Record<string, unknown> = {};
  const invoice: Record<string, unknown> = {};
  const nested = (key: string): Record<string, unknown> => (profile[key] ??= {}) as Record<string, unknown>;
  for (const [column, raw] of Object.entries(record)) {
    const text = raw.trim();
    if (text === '' || column === 'debtorId' || column === REJECTION_COLUMN) continue;
    const value = cellValue(column, text);
    if (column.startsWith(ATTRIBUTE_PREFIX))
      nested('attributes')[column.slice(ATTRIBUTE_PREFIX.length)] = text;
    else if (column in NESTED_COLUMNS) {
      const [group, field] = NESTED_COLUMNS[column as keyof typeof NESTED_COLUMNS];
      nested(group)[field] = value;
    } else if (INVOICE_COLUMNS.has(column)) invoice[column] = value;
    else profile[column] = value;
  }
  return { debtorId: record.debtorId?.trim(), profile, invoice };
}

/** "profile.consents.sms" → "smsConsent", "invoice.amountDue" → "amountDue": the CSV column at fault. */
export function csvColumnOf(path: readonly PropertyKey[]): string {
  const [, group, field] = path.map(String);
  if (path.length === 1) return String(path[0]);
  if (group === 'attributes' && field) return `${ATTRIBUTE_PREFIX}${field}`;
  const flat = Object.entries(NESTED_COLUMNS).find(([, [g, f]]) => g === group && f === field);
  if (flat) return flat[0];
  return group ?? String(path[0]);
}

/**
 * What segmentation would see of a new debtor with these rows (one debtor's invoices), for a dry
 * run: no opt-outs, no history in Mahnwerk yet.
 */
export function importSnapshot(rows: readonly ImportRow[], asOf: Date): DebtorSnapshot | undefined {
  const [first] = rows;
  if (!first) return undefined;
  const { profile } = first;
  const consents = effectiveProfile(profile).consents ?? {};
  const contactPoints = CHANNELS.flatMap((channel): DebtorSnapshot['contactPoints'] => {
    // Post needs no consent: a (schema-checked) postal address is the contact point.
    if (channel === 'letter') return profile.address ? [letterContactPoint] : [];
    const address = channel === 'email' ? profile.email : profile.phone;
    return address ? [{ channel, consent: consents[channel] ?? false, optedOut: false, invalid: false }] : [];
  });
  const oldestDue = rows.map((r) => r.invoice.dueDate).sort()[0] ?? first.invoice.dueDate;
  return {
    debtorId: first.debtorId,
    locale: profile.locale,
    timezone: profile.timezone,
    country: profile.country ?? null,
    flags: profile.flags ?? [],
    customerValue: profile.customerValue ?? null,
    digitalAffinity: profile.digitalAffinity ?? null,
    preferredChannel: profile.preferredChannel ?? null,
    paymentHistory: profile.paymentHistory ?? {},
    openAmount: rows.reduce((sum, r) => sum + r.invoice.amountDue, 0),
    currency: first.invoice.currency,
    daysPastDue: daysPastDue(oldestDue, asOf, profile.timezone),
    openInvoiceCount: rows.length,
    contactPoints,
    brokenPromisesInCase: 0,
    portalVisits: 0,
  };
}
