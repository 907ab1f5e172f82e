import { DEBTOR_ID_MAX_LENGTH, DEBTOR_ID_PATTERN } from '../domain/debtor-id.js';
import * as debtorFields from '../domain/debtor.js';
import { isKnownCurrency } from '../domain/money.js';
import {
  CHANNELS,
  DEBTOR_FLAGS,
  type Channel,
  type ContactPointState,
  type DebtorFlag,
  type DebtorSnapshot,
} from '../domain/segmentation/index.js';
import { contactColumns, readBoolean, readCell, readFlags, readNumber, readRate } from './csv-cells.js';

/**
 * The fast path for a row of a debtor file: the snapshot that the row schema (cli/debtor-rows.ts)
 * makes of a plainly valid row, otherwise undefined. It never accepts a row the schema refuses.
 * When in doubt (a blank JSON text that the schema reads as null, an unknown key in the payment
 * history, any wrong value) it declines, and the schema then accepts the row or names the fields
 * at fault. zod's compiled parsers cost 2 µs (JSON) to 7 µs (CSV) a row; these checks a fraction.
 * test/plain-snapshot.test.ts holds both to the same verdicts.
 *
 * Each check below returns the field's value, or undefined to decline the row.
 */

type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isRate = (value: unknown): value is number => typeof value === 'number' && value >= 0 && value <= 1;

/** Absent or null → null; one of `values` → itself. */
function oneOf<T>(values: readonly T[]): (value: unknown) => T | null | undefined {
  const known = new Set<unknown>(values);
  return (value) => (value == null ? null : known.has(value) ? (value as T) : undefined);
}
const locale = oneOf(debtorFields.localeSchema.options);
const timezone = oneOf(debtorFields.TIME_ZONES);
const customerValue = oneOf(debtorFields.customerValueSchema.options);
const digitalAffinity = oneOf(debtorFields.digitalAffinitySchema.options);
const preferredChannel = oneOf(debtorFields.preferredChannelSchema.options);
const channels = new Set<unknown>(CHANNELS);
const flagNames = new Set<unknown>(DEBTOR_FLAGS);

/** A code a file may spell in lower case; absent or null → null. */
function code(value: unknown, valid: (upper: string) => boolean): string | null | undefined {
  if (value == null) return null;
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return valid(upper) ? upper : undefined;
}
const country = (value: unknown) => code(value, (upper) => debtorFields.COUNTRY_PATTERN.test(upper));
const currency = (value: unknown) => code(value, isKnownCurrency);

const debtorId = (value: unknown) =>
  typeof value === 'string' &&
  value.length > 0 &&
  value.length <= DEBTOR_ID_MAX_LENGTH &&
  DEBTOR_ID_PATTERN.test(value)
    ? value
    : undefined;
const openAmount = (value: unknown) => (Number.isSafeInteger(value) ? (value as number) : undefined);

/** A count; absent → `absent` (undefined, declined, for a required one). */
const count = (value: unknown, absent?: number) =>
  value === undefined ? absent : isCount(value) ? value : undefined;

/** Absent → `absent`; a boolean → itself. */
const boolean = (value: unknown, absent?: boolean) =>
  value === undefined ? absent : typeof value === 'boolean' ? value : undefined;

function flags(value: unknown): DebtorFlag[] | undefined {
  if (value === undefined) return [];
  return Array.isArray(value) && value.every((flag) => flagNames.has(flag))
    ? (value as DebtorFlag[])
    : undefined;
}

type PaymentHistory = DebtorSnapshot['paymentHistory'];

/** The payment history of the values given (absent ones are left out). */
function history(
  onTimeRate: unknown,
  brokenPromises: unknown,
  previousCases: unknown,
): PaymentHistory | undefined {
  const fields: PaymentHistory = {};
  if (isRate(onTimeRate)) fields.onTimeRate = onTimeRate;
  else if (onTimeRate !== undefined) return undefined;
  if (isCount(brokenPromises)) fields.brokenPromises = brokenPromises;
  else if (brokenPromises !== undefined) return undefined;
  if (isCount(previousCases)) fields.previousCases = previousCases;
  else if (previousCases !== undefined) return undefined;
  return fields;
}

/** Absent opt-out and invalid mean false (null is refused); absent consent means `noConsent`. */
function contactPoint(
  channel: Channel,
  consent: unknown,
  optedOut: unknown,
  invalid: unknown,
  noConsent?: boolean,
): ContactPointState | undefined {
  const given = boolean(consent, noConsent);
  const out = boolean(optedOut, false);
  const bad = boolean(invalid, false);
  if (given === undefined || out === undefined || bad === undefined) return undefined;
  return { channel, consent: given, optedOut: out, invalid: bad };
}

/** Every field of a snapshot, each undefined where its check declined the value. */
type Checked = { [K in keyof DebtorSnapshot]: DebtorSnapshot[K] | undefined };

function complete(snapshot: Checked): snapshot is DebtorSnapshot {
  for (const key in snapshot) if (snapshot[key as keyof Checked] === undefined) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// JSON Lines: a parsed line

const historyKeys = new Set(Object.keys(debtorFields.paymentHistorySchema.shape));

function paymentHistory(value: unknown): PaymentHistory | undefined {
  if (value === undefined) return {};
  if (!isFields(value)) return undefined;
  // The schema is strict: it names an unknown key.
  for (const key in value) if (!historyKeys.has(key)) return undefined;
  return history(value.onTimeRate, value.brokenPromises, value.previousCases);
}

function contactPoints(value: unknown): ContactPointState[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const points: ContactPointState[] = [];
  for (const fields of value as unknown[]) {
    if (!isFields(fields) || !channels.has(fields.channel)) return undefined;
    const channel = fields.channel as Channel;
    const point = contactPoint(channel, fields.consent, fields.optedOut, fields.invalid);
    if (!point) return undefined;
    points.push(point);
  }
  return points;
}

/** `debtorSnapshotSchema` for a plainly valid parsed JSON line. */
export function plainSnapshot(data: unknown): DebtorSnapshot | undefined {
  if (!isFields(data)) return undefined;
  const snapshot: Checked = {
    debtorId: debtorId(data.debtorId),
    locale: locale(data.locale),
    timezone: timezone(data.timezone),
    country: country(data.country),
    flags: flags(data.flags),
    customerValue: customerValue(data.customerValue),
    digitalAffinity: digitalAffinity(data.digitalAffinity),
    preferredChannel: preferredChannel(data.preferredChannel),
    paymentHistory: paymentHistory(data.paymentHistory),
    openAmount: openAmount(data.openAmount),
    currency: currency(data.currency),
    daysPastDue: count(data.daysPastDue),
    openInvoiceCount: count(data.openInvoiceCount, 1),
    contactPoints: contactPoints(data.contactPoints),
    brokenPromisesInCase: count(data.brokenPromisesInCase, 0),
    portalVisits: count(data.portalVisits, 0),
  };
  return complete(snapshot) ? snapshot : undefined;
}

// ---------------------------------------------------------------------------------------------
// CSV: a record's fields, by column

/** Where each column sits in a record (the last of two with one name, as the schema reads them). */
export type CsvLayout = ReadonlyMap<string, number>;

export function csvLayout(columns: readonly string[]): CsvLayout {
  return new Map(columns.map((column, i) => [column, i]));
}

const contactPointColumns = CHANNELS.map((channel) => {
  const { consent, optedOut, invalid } = contactColumns(channel);
  return { channel, consentColumn: consent, optedOutColumn: optedOut, invalidColumn: invalid };
});

/** `debtorCsvRowSchema` for a plainly valid record (as many fields as the header has columns). */
export function plainCsvSnapshot(fields: readonly string[], layout: CsvLayout): DebtorSnapshot | undefined {
  const column = (name: string) => {
    const at = layout.get(name);
    return at === undefined ? undefined : fields[at];
  };
  const text = (name: string) => readCell(column(name));
  const number = (name: string) => readNumber(column(name));

  const points: ContactPointState[] = [];
  for (const { channel, consentColumn, optedOutColumn, invalidColumn } of contactPointColumns) {
    const consent = readBoolean(column(consentColumn));
    const optedOut = readBoolean(column(optedOutColumn));
    const invalid = readBoolean(column(invalidColumn));
    // A channel with none of its columns filled in is no contact point.
    if (consent === undefined && optedOut === undefined && invalid === undefined) continue;
    const point = contactPoint(channel, consent, optedOut, invalid, false);
    if (!point) return undefined;
    points.push(point);
  }

  const snapshot: Checked = {
    debtorId: debtorId(text('debtor_id')),
    locale: locale(text('locale')),
    timezone: timezone(text('timezone')),
    country: country(text('country')),
    flags: flags(readFlags(column('flags'))),
    customerValue: customerValue(text('customer_value')),
    digitalAffinity: digitalAffinity(text('digital_affinity')),
    preferredChannel: preferredChannel(text('preferred_channel')),
    paymentHistory: history(
      readRate(column('on_time_rate')),
      number('broken_promises'),
      number('previous_cases'),
    ),
    openAmount: openAmount(number('open_amount')),
    currency: currency(text('currency')),
    daysPastDue: count(number('days_past_due')),
    openInvoiceCount: count(number('open_invoice_count'), 1),
    contactPoints: points,
    brokenPromisesInCase: count(number('broken_promises_in_case'), 0),
    portalVisits: count(number('portal_visits'), 0),
  };
  return complete(snapshot) ? snapshot : undefined;
}
