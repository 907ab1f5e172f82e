import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { issueTexts } from '../config/issue-texts.js';
import { debtorIdSchema } from '../domain/debtor-id.js';
import * as debtorFields from '../domain/debtor.js';
import { CHANNELS, type ContactPointState, type DebtorSnapshot } from '../domain/segmentation/index.js';
import { parseCsv, type CsvRecord } from './csv.js';
import { contactColumns, readBoolean, readCell, readFlags, readNumber, readRate } from './csv-cells.js';
import { csvLayout, plainCsvSnapshot, plainSnapshot } from './plain-snapshot.js';

/**
 * The rows of a debtor file (JSON Lines or CSV) as segmentation snapshots: every bad row is kept
 * with its line and the problems by field. Lean on purpose: `mahnwerk assess` bundles this for its
 * worker threads.
 */

// The field rules are the debtor's own (domain/debtor.ts); a file may spell codes in lower case.
const upperCase = (value: unknown) => (typeof value === 'string' ? value.toUpperCase() : value);
const countrySchema = z.preprocess(upperCase, debtorFields.countrySchema);
const currencySchema = z.preprocess(upperCase, debtorFields.currencySchema);

/** "" and whitespace count as not given. */
const blankToNull = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? null : value);
const nullable = <T extends z.ZodType>(schema: T) =>
  z.preprocess(blankToNull, schema.nullable().default(null));

/** One debtor as a JSON object: the full DebtorSnapshot shape, with defaults for what is omitted. */
export const debtorSnapshotSchema = z.object({
  debtorId: debtorIdSchema,
  locale: nullable(debtorFields.localeSchema),
  timezone: nullable(debtorFields.timezoneSchema),
  country: nullable(countrySchema),
  flags: z.array(debtorFields.debtorFlagSchema).default([]),
  customerValue: nullable(debtorFields.customerValueSchema),
  digitalAffinity: nullable(debtorFields.digitalAffinitySchema),
  preferredChannel: nullable(debtorFields.preferredChannelSchema),
  paymentHistory: debtorFields.paymentHistorySchema.default({}),
  openAmount: z.number().int(),
  currency: nullable(currencySchema),
  daysPastDue: debtorFields.countSchema,
  /** A debtor in a dunning file has at least one open invoice unless told otherwise. */
  openInvoiceCount: debtorFields.countSchema.default(1),
  contactPoints: z
    .array(
      z.object({
        channel: z.enum(CHANNELS),
        consent: z.boolean(),
        optedOut: z.boolean().default(false),
        invalid: z.boolean().default(false),
      }),
    )
    .default([]),
  brokenPromisesInCase: debtorFields.countSchema.default(0),
  portalVisits: debtorFields.countSchema.default(0),
});

// CSV: every cell is text; blank means "not given" (see csv-cells.ts).
const csvText = <T extends z.ZodType>(schema: T) => z.preprocess(readCell, schema.optional());
const csvInt = <T extends z.ZodType>(schema: T) => z.preprocess(readNumber, schema);
const csvRate = z.preprocess(readRate, debtorFields.onTimeRateSchema.optional());
const csvBoolean = z.preprocess(readBoolean, z.boolean().optional());
const csvFlags = z.preprocess(readFlags, z.array(debtorFields.debtorFlagSchema).default([]));

const contactFields = Object.fromEntries(
  CHANNELS.flatMap((channel) => Object.values(contactColumns(channel)).map((column) => [column, csvBoolean])),
) as Record<`${(typeof CHANNELS)[number]}_${'consent' | 'opted_out' | 'invalid'}`, typeof csvBoolean>;

/**
 * One debtor as a CSV row, by column (snake_case; camelCase headers are accepted too). Contact
 * points come from `email_consent`, `sms_consent`, `call_consent`, `letter_consent` (a valid postal
 * address) and the matching `_opted_out` and `_invalid` columns: a channel with any of them filled in is a contact point. Flags are separated
 * by `;`, `|` or spaces. `on_time_rate` takes 0.85 or 85%. Addresses never belong in the file.
 */
export const debtorCsvRowSchema = z
  .object({
    debtor_id: z.preprocess(readCell, debtorIdSchema),
    locale: csvText(debtorFields.localeSchema),
    timezone: csvText(debtorFields.timezoneSchema),
    country: csvText(countrySchema),
    flags: csvFlags,
    customer_value: csvText(debtorFields.customerValueSchema),
    digital_affinity: csvText(debtorFields.digitalAffinitySchema),
    preferred_channel: csvText(debtorFields.preferredChannelSchema),
    on_time_rate: csvRate,
    broken_promises: csvInt(debtorFields.countSchema.optional()),
    previous_cases: csvInt(debtorFields.countSchema.optional()),
    open_amount: csvInt(z.number().int()),
    currency: csvText(currencySchema),
    days_past_due: csvInt(debtorFields.countSchema),
    open_invoice_count: csvInt(debtorFields.countSchema.default(1)),
    broken_promises_in_case: csvInt(debtorFields.countSchema.default(0)),
    portal_visits: csvInt(debtorFields.countSchema.default(0)),
    ...contactFields,
  })
  .transform((row): DebtorSnapshot => {
    const contactPoints: ContactPointState[] = [];
    for (const channel of CHANNELS) {
      const columns = contactColumns(channel);
      const consent = row[columns.consent];
      const optedOut = row[columns.optedOut];
      const invalid = row[columns.invalid];
      if (consent === undefined && optedOut === undefined && invalid === undefined) continue;
      contactPoints.push({
        channel,
        consent: consent ?? false,
        optedOut: optedOut ?? false,
        invalid: invalid ?? false,
      });
    }
    const paymentHistory: DebtorSnapshot['paymentHistory'] = {};
    if (row.on_time_rate !== undefined) paymentHistory.onTimeRate = row.on_time_rate;
    if (row.broken_promises !== undefined) paymentHistory.brokenPromises = row.broken_promises;
    if (row.previous_cases !== undefined) paymentHistory.previousCases = row.previous_cases;
    return {
      debtorId: row.debtor_id,
      locale: row.locale ?? null,
      timezone: row.timezone ?? null,
      country: row.country ?? null,
      flags: row.flags,
      customerValue: row.customer_value ?? null,
      digitalAffinity: row.digital_affinity ?? null,
      preferredChannel: row.preferred_channel ?? null,
      paymentHistory,
      openAmount: row.open_amount,
      currency: row.currency ?? null,
      daysPastDue: row.days_past_due,
      openInvoiceCount: row.open_invoice_count,
      contactPoints,
      brokenPromisesInCase: row.broken_promises_in_case,
      portalVisits: row.portal_visits,
    };
  });

/*
 * Compiled once (zod generates a parser per schema): a valid row takes the generated fast path, an
 * invalid one falls back to the regular parser, so the problems read the same.
 */
const snapshotParser = z.compile(debtorSnapshotSchema);
const csvRowParser = z.compile(debtorCsvRowSchema);

const knownCsvColumns = new Set(Object.keys(debtorCsvRowSchema.in.shape));
const jsonFields = new Set(Object.keys(debtorSnapshotSchema.shape));
const CR = 0x0d;

/** "debtorId", "Debtor-ID", "debtor id" → "debtor_id"; "time_zone" → "timezone". */
function columnName(header: string): string {
  const name = header
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return name === 'time_zone' ? 'timezone' : name;
}

export interface BadRow {
  line: number;
  problems: string[];
}

export interface DebtorFile {
  snapshots: { line: number; snapshot: DebtorSnapshot }[];
  badRows: BadRow[];
  /** Columns or fields present in the file that segmentation does not read. */
  ignoredFields: string[];
}

/**
 * Where the rows go one at a time as they are read: a caller that counts them (`mahnwerk assess`)
 * keeps no row, and every row's objects die young.
 */
export interface RowSink {
  valid(line: number, snapshot: DebtorSnapshot): void;
  bad(row: BadRow): void;
}

/** A sink that keeps every row in `file`. */
function collectInto(file: DebtorFile): RowSink {
  return {
    valid: (line, snapshot) => file.snapshots.push({ line, snapshot }),
    bad: (row) => file.badRows.push(row),
  };
}

/** A parsed row that the fast path declined: the schema accepts it or names the fields at fault. */
function checkRow<T>(parser: z.ZodType<DebtorSnapshot, T>, row: unknown, line: number, sink: RowSink): void {
  const parsed = parser.safeParse(row);
  if (parsed.success) sink.valid(line, parsed.data);
  else sink.bad({ line, problems: issueTexts(parsed.error.issues) });
}

/**
 * Reads JSON Lines into `sink` and returns the fields that segmentation does not read; `firstLine`
 * numbers the text's first line when it is a part of a file.
 */
export function readJsonLines(text: string, firstLine: number, sink: RowSink): string[] {
  const ignored = new Set<string>();
  // Lines end at LF or CRLF (a lone CR stays in the line).
  for (let start = 0, line = firstLine; start <= text.length; line++) {
    const lf = text.indexOf('\n', start);
    const end = lf === -1 ? text.length : lf;
    const raw = text.slice(start, text.charCodeAt(end - 1) === CR && end > start ? end - 1 : end);
    start = end + 1;
    if (raw.trim() === '') continue;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      sink.bad({ line, problems: [`not valid JSON: ${message}`] });
      continue;
    }
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      for (const key in data) if (!jsonFields.has(key)) ignored.add(key);
    }
    const plain = plainSnapshot(data);
    if (plain) sink.valid(line, plain);
    else checkRow(snapshotParser, data, line, sink);
  }
  return [...ignored];
}

/** Parses JSON Lines; `firstLine` numbers the text's first line when it is a part of a file. */
export function parseJsonLines(text: string, firstLine = 1): DebtorFile {
  const file: DebtorFile = { snapshots: [], badRows: [], ignoredFields: [] };
  file.ignoredFields = readJsonLines(text, firstLine, collectInto(file));
  return file;
}

/** The header of a debtor CSV as column names; an error names the header's problem. */
export function csvColumns(header: CsvRecord): { columns: string[] } | { error: BadRow } {
  if (header.error) return { error: { line: header.line, problems: [`header: ${header.error}`] } };
  return { columns: header.fields.map(columnName) };
}

/** The columns of a debtor CSV that segmentation does not read. */
export function ignoredCsvColumns(columns: readonly string[]): string[] {
  return columns.filter((c) => !knownCsvColumns.has(c));
}

/** What reads each debtor CSV record after the header (a whole file's or a part's) into `sink`. */
export function csvRowReader(columns: readonly string[], sink: RowSink): (record: CsvRecord) => void {
  const layout = csvLayout(columns);
  return (record) => {
    if (record.error) return sink.bad({ line: record.line, problems: [record.error] });
    if (record.fields.length !== columns.length) {
      return sink.bad({
        line: record.line,
        problems: [`expected ${columns.length} fields as in the header, found ${record.fields.length}`],
      });
    }
    const plain = plainCsvSnapshot(record.fields, layout);
    if (plain) return sink.valid(record.line, plain);
    const row: Record<string, string> = {};
    columns.forEach((column, i) => {
      if (knownCsvColumns.has(column)) row[column] = record.fields[i] ?? '';
    });
    checkRow(csvRowParser, row, record.line, sink);
  };
}

export function parseDebtorCsv(text: string): DebtorFile {
  const [header, ...records] = parseCsv(text);
  if (!header) return { snapshots: [], badRows: [], ignoredFields: [] };
  const read = csvColumns(header);
  if ('error' in read) return { snapshots: [], badRows: [read.error], ignoredFields: [] };
  const file: DebtorFile = { snapshots: [], badRows: [], ignoredFields: ignoredCsvColumns(read.columns) };
  records.forEach(csvRowReader(read.columns, collectInto(file)));
  return file;
}

export type DebtorFileKind = 'jsonl' | 'csv';

export function debtorFileKind(file: string): DebtorFileKind {
  const extension = path.extname(file).toLowerCase();
  if (extension !== '.jsonl' && extension !== '.ndjson' && extension !== '.csv') {
    throw new Error(`${file}: unsupported file type "${extension}", use .jsonl, .ndjson or .csv`);
  }
  return extension === '.csv' ? 'csv' : 'jsonl';
}

/** The whole file at once: for small files and tests (`runAssess` streams). */
export async function readDebtorFile(file: string): Promise<DebtorFile> {
  const kind = debtorFileKind(file);
  const text = await readFile(file, 'utf8');
  return kind === 'csv' ? parseDebtorCsv(text) : parseJsonLines(text);
}
