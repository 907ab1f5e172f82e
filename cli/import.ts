import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import readline from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import { z } from 'zod';
import { importSnapshot, REJECTION_COLUMN, type ImportRow } from '../domain/import-row.js';
import { assess, defaultSegmentationConfig } from '../domain/segmentation/index.js';
import type { ImportCounts, ImportEvent } from '../imports/apply.js';
import {
  checkRows,
  csvHeaderLine,
  formatFromPath,
  type CheckedRow,
  type ImportFormat,
} from '../imports/rows.js';
import { importEventSchema } from '../web/routes/imports.js';
import { formatSegments } from './assess.js';
import { assessmentTally } from './assess-tally.js';
import { Progress } from './progress.js';

/**
 * `mahnwerk import FILE [--url URL] [--key KEY] [--dry-run]`: streams a CSV or JSON Lines file to
 * POST /v1/imports (or, with --dry-run, checks and segments it here without writing), shows
 * progress on stderr and ends with one summary line and the path of the rejected-rows file.
 */

export class ImportCommandError extends Error {
  override name = 'ImportCommandError';
}

export interface ImportCommand {
  file: string;
  url: string;
  key: string | undefined;
  dryRun: boolean;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Returns the process exit code: 0 when every row went in, 1 when some were rejected. */
export async function runImport(command: ImportCommand): Promise<number> {
  const format = formatFromPath(command.file);
  if (!format) throw new ImportCommandError(`${command.file}: use a .csv, .jsonl or .ndjson file`);
  const size = (await stat(command.file).catch(() => undefined))?.size;
  if (size === undefined) throw new ImportCommandError(`${command.file}: no such file`);
  const progress = new Progress(command.err, size);
  const rejected = new Map<number, string>();
  const counts = command.dryRun
    ? await dryRun(command, format, progress, rejected)
    : await upload(command, format, progress, rejected);
  progress.done();
  const verb = command.dryRun ? 'checked' : 'imported';
  command.out.write(
    `${verb} ${counts.rows} rows: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.rejected} rejected\n`,
  );
  if (rejected.size === 0) return 0;
  const rejectedFile = await writeRejectedRows(command.file, format, rejected);
  command.out.write(`rejected rows: ${rejectedFile} (fix them and import that file again)\n`);
  return 1;
}

/** Counts bytes as they are read, for the progress bar's share of the file. */
function counted(file: string, progress: Progress): Readable {
  return createReadStream(file).pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        progress.bytes(chunk.length);
        done(null, chunk);
      },
    }),
  );
}

/**
 * Checks every row and segments the debtors as they would be opened (adjacent rows of one debtor
 * count as one debtor with several invoices). Nothing is written; every valid row counts as created.
 */
async function dryRun(
  command: ImportCommand,
  format: ImportFormat,
  progress: Progress,
  rejected: Map<number, string>,
): Promise<ImportCounts> {
  const counts: ImportCounts = { rows: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };
  const tally = assessmentTally();
  const now = new Date();
  let debtorRows: ImportRow[] = [];
  const assessDebtor = () => {
    const snapshot = importSnapshot(debtorRows, now);
    if (snapshot) tally.add(assess(snapshot, defaultSegmentationConfig));
    debtorRows = [];
  };
  for await (const row of readChecked(command.file, format, progress)) {
    counts.rows++;
    if (!row.ok) {
      counts.rejected++;
      rejected.set(row.row, `row ${row.row}: ${row.message}`);
    } else {
      counts.created++;
      if (debtorRows[0] && debtorRows[0].debtorId !== row.value.debtorId) assessDebtor();
      debtorRows.push(row.value);
    }
    progress.rows(counts.rows);
  }
  assessDebtor();
  progress.done();
  command.out.write(`${formatSegments(tally.summary()).join('\n')}\n\n`);
  return counts;
}

async function* readChecked(
  file: string,
  format: ImportFormat,
  progress: Progress,
): AsyncGenerator<CheckedRow> {
  try {
    yield* checkRows(counted(file, progress), format);
  } catch (error) {
    throw new ImportCommandError(`${file}: ${(error as Error).message}`);
  }
}

/** Streams the file to the server and reads its streamed answer at the same time. */
async function upload(
  command: ImportCommand,
  format: ImportFormat,
  progress: Progress,
  rejected: Map<number, string>,
): Promise<ImportCounts> {
  if (!command.key) {
    throw new ImportCommandError(
      'No API key. Pass --key <key> or set MAHNWERK_API_KEY (create one with `npm run mahnwerk -- api-key create --name billing`).',
    );
  }
  const url = new URL('/v1/imports', command.url);
  const send = url.protocol === 'https:' ? https.request : http.request;
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = send(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${command.key}`,
        'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      },
    });
    request.on('response', resolve);
    request.on('error', (error) =>
      reject(
        new ImportCommandError(`cannot reach ${command.url}: ${error.message} (is \`npm start\` running?)`),
      ),
    );
    counted(command.file, progress).pipe(request);
  });
  if (response.statusCode !== 200) {
    let text = '';
    for await (const chunk of response) text += String(chunk);
    const message = z.object({ message: z.string() }).safeParse(JSON.parse(text || '{}'));
    throw new ImportCommandError(
      `the server refused the import (${response.statusCode}): ${message.success ? message.data.message : text}`,
    );
  }
  let summary: ImportCounts | undefined;
  for await (const line of readline.createInterface({ input: response, crlfDelay: Infinity })) {
    const event: ImportEvent = importEventSchema.parse(JSON.parse(line));
    if (event.type === 'rejected')
      rejected.set(event.row, `row ${event.row}: ${event.field}: ${event.message}`);
    else progress.rows(event.rows);
    if (event.type === 'summary') summary = event;
  }
  if (!summary)
    throw new ImportCommandError(
      'the answer ended before the summary: import the same file again, nothing is applied twice',
    );
  return summary;
}

/**
 * The rejected rows in the file's own format, each with an `error` column (CSV) or key (JSON)
 * naming row and field; the importer ignores that column, so the fixed file imports as it is.
 */
async function writeRejectedRows(
  file: string,
  format: ImportFormat,
  rejected: Map<number, string>,
): Promise<string> {
  const extension = path.extname(file);
  const target = path.join(path.dirname(file), `${path.basename(file, extension)}.rejected${extension}`);
  const out = createWriteStream(target);
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => out.write(text, (error) => (error ? reject(error) : resolve())));
  const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;
  if (format === 'csv') {
    const header = (await csvHeaderLine(createReadStream(file))) ?? '';
    await write(`${header},${REJECTION_COLUMN}\n`);
  }
  try {
    for await (const row of checkRows(createReadStream(file), format)) {
      const error = rejected.get(row.row);
      if (error === undefined) continue;
      if (format === 'csv') await write(`${row.raw},${quote(error)}\n`);
      else await write(`${jsonWithError(row.raw, error)}\n`);
    }
  } catch {
    // The header was refused before any row: nothing more to copy.
  }
  await new Promise<void>((resolve) => out.end(resolve));
  return target;
}

function jsonWithError(raw: string, error: string): string {
  try {
    const data: unknown = JSON.parse(raw);
    if (data && typeof data === 'object' && !Array.isArray(data))
      return JSON.stringify({ ...data, [REJECTION_COLUMN]: error });
  } catch {
    // Not JSON at all: keep the text so it can be fixed.
  }
  return JSON.stringify({ line: raw, [REJECTION_COLUMN]: error });
}
