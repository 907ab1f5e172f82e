import { StringDecoder } from 'node:string_decoder';
import type { z } from 'zod';
import { parseCsv, UNCLOSED_QUOTE } from '../cli/csv.js';
import {
  CSV_REQUIRED_COLUMNS,
  csvColumnOf,
  csvRecordToRow,
  importRowSchema,
  REJECTION_COLUMN,
  unknownCsvColumns,
  type ImportRow,
} from '../domain/import-row.js';

/**
 * Reads an import file as a stream, one row at a time (memory stays flat for any file size), and
 * checks every row against the import row schema. The server and the CLI (`--dry-run`, the
 * rejected-rows file) read files through this one module, so both count rows the same way.
 */

export type ImportFormat = 'csv' | 'jsonl';

export interface RowProblem {
  field: string;
  message: string;
}

export interface SourceRow {
  /** 1-based number of the data row (a CSV header is not a row; blank lines are skipped). */
  row: number;
  /** The row's text as it was in the file (a CSV record without its line break). */
  raw: string;
}

export type CheckedRow = SourceRow & ({ ok: true; value: ImportRow } | ({ ok: false } & RowProblem));

/** A problem with the whole file (its header), not with one row. */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

/** A record may hold line breaks inside quotes; a quote never closed ends the record after this many. */
const MAX_RECORD_CHARS = 64 * 1024;
const NOT_UTF8 =
  'not UTF-8 text (a Latin-1 or Windows-1252 file?): save the file as UTF-8 and import the row again';

export function formatFromContentType(contentType: string | undefined): ImportFormat | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/x-ndjson' || type === 'application/jsonl') return 'jsonl';
  return undefined;
}

export function formatFromPath(file: string): ImportFormat | undefined {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  return undefined;
}

/** Lines of a byte stream, decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD, found per row). */
async function* lines(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of input) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    let end: number;
    while ((end = rest.indexOf('\n', start)) >= 0) {
      yield rest.slice(start, end).replace(/\r$/, '');
      start = end + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') yield rest.replace(/\r$/, '');
}

/**
 * CSV records as text: a line is joined with the next only while a quoted field is still open (a
 * field with a line break inside), up to MAX_RECORD_CHARS. A stray quote elsewhere ends its own
 * record, so broken quoting costs that row (and at worst the line after it), never the file.
 */
async function* csvRecords(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let record: string | undefined;
  for await (const line of lines(input)) {
    record = record === undefined ? line : `${record}\n${line}`;
    const open =
      line.includes('"') || record !== line ? parseCsv(record)[0]?.error === UNCLOSED_QUOTE : false;
    if (!open || record.length > MAX_RECORD_CHARS) {
      yield record;
      record = undefined;
    }
  }
  if (record !== undefined) yield record;
}

function firstProblem(error: z.ZodError, column: (path: PropertyKey[]) => string): RowProblem {
  const issue = error.issues[0];
  const field = issue ? column(issue.path) : 'row';
  const all = error.issues.map((i) => `${column(i.path) || 'row'}: ${i.message}`).join('; ');
  return { field: field || 'row', message: all };
}

async function* checkJsonLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<CheckedRow> {
  let row = 0;
  for await (const raw of lines(input)) {
    if (raw.trim() === '') continue;
    row++;
    if (raw.includes('\uFFFD')) {
      yield { row, raw, ok: false, field: 'row', message: NOT_UTF8 };
      continue;
    }
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (error) {
      yield { row, raw, ok: false, field: 'row', message: `not valid JSON: ${(error as Error).message}` };
      continue;
    }
    if (data && typeof data === 'object' && REJECTION_COLUMN in data) delete data[REJECTION_COLUMN];
    const parsed = importRowSchema.safeParse(data);
    yield parsed.success
      ? { row, raw, ok: true, value: parsed.data }
      : { row, raw, ok: false, ...firstProblem(parsed.error, (path) => path.join('.')) };
  }
}

async function* checkCsv(input: AsyncIterable<Buffer | string>): AsyncGenerator<CheckedRow> {
  let header: string[] | undefined;
  let row = 0;
  for await (const text of csvRecords(input)) {
    const [record] = parseCsv(text);
    if (!record) continue; // a blank line
    if (!header) {
      header = record.fields.map((f) => f.trim());
      const missing = CSV_REQUIRED_COLUMNS.filter((c) => !header?.includes(c));
      const unknown = unknownCsvColumns(header);
      if (record.error || missing.length > 0 || unknown.length > 0) {
        throw new ImportFileError(
          `the CSV header is not usable: ${[
            record.error,
            missing.length > 0 && `missing columns ${missing.join(', ')}`,
            unknown.length > 0 && `unknown columns ${unknown.join(', ')}`,
          ]
            .filter(Boolean)
            .join('; ')}. The first line must name the columns (see README, "Bulk import").`,
        );
      }
      continue;
    }
    row++;
    const raw = text;
    if (record.error) {
      yield { row, raw, ok: false, field: 'row', message: `broken CSV quoting: ${record.error}` };
      continue;
    }
    if (record.fields.length !== header.length) {
      const message = `expected ${header.length} fields as in the header, found ${record.fields.length}`;
      yield { row, raw, ok: false, field: 'row', message };
      continue;
    }
    const cells = Object.fromEntries(header.map((column, i) => [column, record.fields[i] ?? '']));
    const garbled = header.find((column) => cells[column]?.includes('\uFFFD'));
    if (garbled) {
      yield { row, raw, ok: false, field: garbled, message: NOT_UTF8 };
      continue;
    }
    const parsed = importRowSchema.safeParse(csvRecordToRow(cells));
    yield parsed.success
      ? { row, raw, ok: true, value: parsed.data }
      : { row, raw, ok: false, ...firstProblem(parsed.error, csvColumnOf) };
  }
  if (!header) throw new ImportFileError('the CSV file is empty: the first line must name the columns');
}

export function checkRows(
  input: AsyncIterable<Buffer | string>,
  format: ImportFormat,
): AsyncGenerator<CheckedRow> {
  return format === 'csv' ? checkCsv(input) : checkJsonLines(input);
}

/** The header line of a CSV file, for a rejected-rows file in the same format. */
export async function csvHeaderLine(input: AsyncIterable<Buffer | string>): Promise<string | undefined> {
  for await (const line of lines(input)) if (line.trim() !== '') return line.replace(/^\uFEFF/, '');
  return undefined;
}
