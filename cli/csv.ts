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

export function parseCsv(text: string): CsvRecord[] {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;

  while (i < input.length) {
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    let field = '';
    let endOfRecord = false;

    while (!endOfRecord) {
      if (input[i] === '"') {
        // Quoted field: up to the closing quote; "" is a literal quote.
        i++;
        let closed = false;
        while (i < input.length) {
          const ch = input[i];
          if (ch === '"') {
            if (input[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === '\n' || (ch === '\r' && input[i + 1] !== '\n')) line++;
          field += ch;
          i++;
        }
        if (!closed) error ??= UNCLOSED_QUOTE;
        else if (i < input.length && input[i] !== ',' && input[i] !== '\n' && input[i] !== '\r') {
          error ??= 'text after a closing quote (a quote inside a field must be doubled: "")';
          while (i < input.length && input[i] !== ',' && input[i] !== '\n' && input[i] !== '\r') {
            field += input[i];
            i++;
          }
        }
      } else {
        while (i < input.length && input[i] !== ',' && input[i] !== '\n' && input[i] !== '\r') {
          if (input[i] === '"') error ??= 'quote inside an unquoted field';
          field += input[i];
          i++;
        }
      }
      fields.push(field);
      field = '';
      if (input[i] === ',') {
        i++;
      } else {
        // End of line or of input.
        if (input[i] === '\r') i++;
        if (input[i] === '\n') i++;
        line++;
        endOfRecord = true;
      }
    }

    const blank = fields.length === 1 && fields[0] === '' && error === undefined;
    if (!blank) records.push(error === undefined ? { line: start, fields } : { line: start, fields, error });
  }
  return records;
}
