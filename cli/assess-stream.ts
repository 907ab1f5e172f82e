import { createReadStream, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { SegmentationConfig } from '../domain/segmentation/index.js';
import { assessBatch, emptyTally, mergeTally, type DebtorBatch, type Tally } from './assess-tally.js';
import { csvColumns, debtorsFromCsvRecords, type DebtorFileKind } from './debtor-rows.js';
import { parseCsv } from './csv.js';

/** Bytes read at a time; a batch is about this size. */
const CHUNK_BYTES = 1 << 20;
/** Smaller files are assessed on the main thread: starting the threads would cost more. */
const THREADS_FROM_BYTES = 4 << 20;

/**
 * Just past the line break that ends the first (`which` = 'first') or last complete record of
 * `text`, or 0. In CSV a line break inside quotes belongs to the field: with `""` escaping, a break
 * is outside quotes exactly when an even number of quotes precede it (text starts at a record).
 */
function recordEnd(text: string, kind: DebtorFileKind, which: 'first' | 'last'): number {
  if (kind === 'jsonl') return (which === 'first' ? text.indexOf('\n') : text.lastIndexOf('\n')) + 1;
  let end = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) quoted = !quoted;
    else if (c === 10 /* \n */ && !quoted) {
      end = i + 1;
      if (which === 'first') break;
    }
  }
  return end;
}

/** Line breaks as the readers count them: LF, CRLF and (CSV) a lone CR. */
function lineBreaks(text: string): number {
  let breaks = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) breaks++;
  }
  return breaks;
}

/** The file's text in parts that end at record boundaries, with the line each part starts on. */
async function* parts(
  file: string,
  kind: DebtorFileKind,
): AsyncGenerator<{ text: string; firstLine: number }> {
  let carry = '';
  let firstLine = 1;
  let start = true;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: CHUNK_BYTES })) {
    let text = carry + (chunk as string);
    if (start && text.startsWith('\uFEFF')) text = text.slice(1);
    start = false;
    const end = recordEnd(text, kind, 'last');
    carry = text.slice(end);
    if (end === 0) continue;
    const part = text.slice(0, end);
    yield { text: part, firstLine };
    firstLine += lineBreaks(part);
  }
  if (carry.trim() !== '') yield { text: carry, firstLine };
}

/** The header off the first part of a CSV file, and the rest of the part. */
function splitHeader(part: { text: string; firstLine: number }) {
  const end = recordEnd(part.text, 'csv', 'first') || part.text.length;
  const headerText = part.text.slice(0, end);
  return {
    header: parseCsv(headerText)[0],
    rest: { text: part.text.slice(end), firstLine: part.firstLine + lineBreaks(headerText) },
  };
}

/**
 * Streams a debtor file through the assessment: parts of about a MiB, assessed on worker threads
 * (one per core) for a large file, at most two parts per thread in flight, so memory stays flat.
 */
export async function assessStreaming(
  file: string,
  kind: DebtorFileKind,
  config: SegmentationConfig,
): Promise<Tally> {
  const threads = statSync(file).size >= THREADS_FROM_BYTES ? availableParallelism() : 0;
  const pool =
    threads > 0
      ? new Piscina<DebtorBatch, Tally>({
          filename: new URL('./assess-worker.ts', import.meta.url).href,
          // The worker is TypeScript: tsx compiles it there too (also when the caller is a test runner).
          execArgv: ['--import', import.meta.resolve('tsx')],
          minThreads: threads,
          maxThreads: threads,
        })
      : undefined;
  const tally = emptyTally();
  const inFlight = new Set<Promise<void>>();
  let columns: string[] = [];
  let first = kind === 'csv';
  try {
    for await (let part of parts(file, kind)) {
      if (first) {
        first = false;
        const { header, rest } = splitHeader(part);
        if (!header) return tally;
        const read = csvColumns(header);
        if ('error' in read) return mergeTally(tally, { ...emptyTally(), badRows: [read.error] });
        columns = read.columns;
        tally.ignoredFields = debtorsFromCsvRecords([], columns).ignoredFields;
        part = rest;
        if (part.text === '') continue;
      }
      const batch: DebtorBatch = { kind, ...part, columns, config };
      if (!pool) {
        mergeTally(tally, assessBatch(batch));
        continue;
      }
      const running = pool.run(batch).then((partTally) => {
        mergeTally(tally, partTally);
        inFlight.delete(running);
      });
      inFlight.add(running);
      if (inFlight.size >= threads * 2) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return tally;
  } catch (error) {
    // Let the other parts settle before the pool goes, so none is left rejecting unheard.
    await Promise.allSettled(inFlight);
    throw error;
  } finally {
    await pool?.destroy();
  }
}
