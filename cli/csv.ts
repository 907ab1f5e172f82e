/**
 * A minimal RFC 4180 reader: comma-separated fields, records ended by CRLF or LF (a lone CR too),
 * fields in double quotes may hold commas, line breaks and doubled quotes (""). A leading UTF-8 BOM
 * is skipped; blank lines are skipped. It never throws: a malformed record carries an `error` and
 * parsing goes on with the next record, so one bad row does not sink a file.
 */
export interface CsvRecord {
  /** 1-based line on which the record starts. */
  line: number;
  fields: string[];
  /** Set when the record is malformed (stray text after a closing quote, quote never closed). */
  error?: string;
}

/** The error of a record whose quoted field runs to the end of the text given. */
export const UNCLOSED_QUOTE = 'quoted field is never closed';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  readCsv(text, (record) => records.push(record));
  return records;
}

/**
 * Hands each record of `text` to `onRecord` as soon as it is read (so none outlives its row when
 * a large file is read); `firstLine` numbers the text's first line when it is a part of a file.
 */
export function readCsv(text: string, onRecord: (record: CsvRecord) => void, firstLine = 1): void {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = firstLine;
  let i = 0;
  // Fields are sliced out of the input, not built a character at a time (which cost more in
  // garbage collection than the rest of reading a row).
  const endsField = (at: number) => {
    const ch = input.charCodeAt(at);
    return ch === COMMA || ch === LF || ch === CR;
  };

  while (i < input.length) {
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    let field: string;
    let endOfRecord = false;

    while (!endOfRecord) {
      if (input.charCodeAt(i) === QUOTE) {
        // Quoted field: up to the closing quote; "" is a literal quote.
        i++;
        let closed = false;
        let from = i;
        field = '';
        while (i < input.length) {
          const ch = input.charCodeAt(i);
          if (ch === QUOTE) {
            field += input.slice(from, i);
            if (input.charCodeAt(i + 1) === QUOTE) {
              field += '"';
              i += 2;
              from = i;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === LF || (ch === CR && input.charCodeAt(i + 1) !== LF)) line++;
          i++;
        }
        if (!closed) {
          field += input.slice(from, i);
          error ??= UNCLOSED_QUOTE;
        } else if (i < input.length && !endsField(i)) {
          error ??= 'text after a closing quote (a quote inside a field must be doubled: "")';
          from = i;
          while (i < input.length && !endsField(i)) i++;
          field += input.slice(from, i);
        }
      } else {
        const from = i;
        while (i < input.length && !endsField(i)) {
          if (input.charCodeAt(i) === QUOTE) error ??= 'quote inside an unquoted field';
          i++;
        }
        field = input.slice(from, i);
      }
      fields.push(field);
      if (input.charCodeAt(i) === COMMA) {
        i++;
      } else {
        // End of line or of input.
        if (input.charCodeAt(i) === CR) i++;
        if (input.charCodeAt(i) === LF) i++;
        line++;
        endOfRecord = true;
      }
    }

    const blank = fields.length === 1 && fields[0] === '' && error === undefined;
    if (!blank) onRecord(error === undefined ? { line: start, fields } : { line: start, fields, error });
  }
}
