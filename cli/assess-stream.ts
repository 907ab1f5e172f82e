import { statSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Piscina } from 'piscina';
import type { SegmentationConfig } from '../domain/segmentation/index.js';
import { assessBatch, emptyTally, mergeTally, type DebtorBatch, type Tally } from './assess-tally.js';
import { parseCsv } from './csv.js';
import { csvColumns, ignoredCsvColumns, type DebtorFileKind } from './debtor-rows.js';

/** Bytes read at a time; a batch is about this size. */
const CHUNK_BYTES = 1 << 20;
/** Smaller files are assessed on the main thread: starting the threads would cost more. */
const THREADS_FROM_BYTES = 4 << 20;
const YOUNG_GENERATION_MB = 16;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BOM = Buffer.from('\uFEFF');

/*
 * The main thread only cuts the file into parts at record boundaries and counts their lines; it
 * never decodes them. Line breaks and quotes are single bytes in UTF-8 that occur nowhere inside a
 * multi-byte character, so the bytes can be searched as they are (natively, with indexOf).
 */

/**
 * Just past the line break that ends the first (`which` = 'first') or last complete record of
 * `bytes`, or 0. In CSV a line break inside quotes belongs to the field: with `""` escaping, a break
 * is outside quotes exactly when an even number of quotes precede it (the bytes start at a record).
 */
function recordEnd(bytes: Buffer, kind: DebtorFileKind, which: 'first' | 'last'): number {
  const lineEnd = (from: number, to: number) => {
    const span = bytes.subarray(from, to);
    const at = which === 'first' ? span.indexOf(LF) : span.lastIndexOf(LF);
    return at === -1 ? 0 : from + at + 1;
  };
  if (kind === 'jsonl') return lineEnd(0, bytes.length);
  let end = 0;
  // From the start (or a closing quote) to the next opening quote: the stretches outside quotes.
  for (let from = 0; ;) {
    const open = bytes.indexOf(QUOTE, from);
    const found = lineEnd(from, open === -1 ? bytes.length : open);
    if (found !== 0) {
      end = found;
      if (which === 'first') return end;
    }
    const close = open === -1 ? -1 : bytes.indexOf(QUOTE, open + 1);
    if (close === -1) return end;
    from = close + 1;
  }
}

/** Line breaks as the readers count them: LF and CRLF, and in CSV a lone CR too. */
function lineBreaks(bytes: Buffer, kind: DebtorFileKind): number {
  let breaks = 0;
  for (let at = bytes.indexOf(LF); at !== -1; at = bytes.indexOf(LF, at + 1)) breaks++;
  if (kind === 'csv') {
    for (let at = bytes.indexOf(CR); at !== -1; at = bytes.indexOf(CR, at + 1)) {
      if (bytes[at + 1] !== LF) breaks++;
    }
  }
  return breaks;
}

interface Part {
  /** A view of an ArrayBuffer of the part's own: a thread can take it over without a copy. */
  bytes: Buffer;
  /** The file's line number of the part's first line. */
  firstLine: number;
}

/** A copy of `bytes` in an ArrayBuffer of its own (never in Node's shared buffer pool). */
function ownCopy(bytes: Uint8Array): Buffer<ArrayBuffer> {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
}

/**
 * The file's bytes in parts that end at record boundaries, with the line each part starts on.
 * Everything a part's bytes are needed for here is done before it is yielded: the caller may hand
 * them over to a thread at once.
 */
async function* parts(file: string, kind: DebtorFileKind): AsyncGenerator<Part> {
  const handle = await open(file);
  try {
    let carry = Buffer.alloc(0);
    let firstLine = 1;
    for (let start = true; ; start = false) {
      // The bytes carried over, then the next chunk read straight after them: no further copy.
      const buffer = Buffer.allocUnsafeSlow(carry.length + CHUNK_BYTES);
      buffer.set(carry);
      const { bytesRead } = await handle.read(buffer, carry.length, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      let bytes = buffer.subarray(0, carry.length + bytesRead);
      if (start && bytes.subarray(0, BOM.length).equals(BOM)) bytes = bytes.subarray(BOM.length);
      const end = recordEnd(bytes, kind, 'last');
      if (end === 0) {
        carry = bytes; // no record ends in these bytes yet
        continue;
      }
      carry = ownCopy(bytes.subarray(end));
      const part = { bytes: bytes.subarray(0, end), firstLine };
      firstLine += lineBreaks(part.bytes, kind);
      yield part;
    }
    if (carry.toString().trim() !== '') yield { bytes: carry, firstLine };
  } finally {
    await handle.close();
  }
}

/** The header off the first part of a CSV file, and the rest of the part. */
function splitHeader(part: Part) {
  const end = recordEnd(part.bytes, 'csv', 'first') || part.bytes.length;
  const header = part.bytes.subarray(0, end);
  return {
    header: parseCsv(header.toString())[0],
    rest: { bytes: part.bytes.subarray(end), firstLine: part.firstLine + lineBreaks(header, 'csv') },
  };
}

/**
 * The worker thread's code as one JavaScript file in `dir`, bundled by esbuild (the compiler under
 * tsx): each thread then starts without loading tsx and compiling TypeScript module by module,
 * which took longer than assessing a hundred thousand debtors.
 */
async function bundleWorker(dir: string): Promise<string> {
  const outfile = path.join(dir, 'assess-worker.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./assess-worker.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * Runs every part of the file through `run`, at most `parallel` at a time (so memory stays flat),
 * and adds up the counts.
 */
async function assessParts(
  file: string,
  kind: DebtorFileKind,
  config: SegmentationConfig,
  run: (batch: DebtorBatch) => Promise<Tally>,
  parallel: number,
): Promise<Tally> {
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
        tally.ignoredFields = ignoredCsvColumns(columns);
        part = rest;
        if (part.bytes.length === 0) continue;
      }
      const running = run({ kind, ...part, columns, config }).then((partTally) => {
        mergeTally(tally, partTally);
        inFlight.delete(running);
      });
      inFlight.add(running);
      if (inFlight.size >= parallel) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return tally;
  } catch (error) {
    // Let the other parts settle before the pool goes, so none is left rejecting unheard.
    await Promise.allSettled(inFlight);
    throw error;
  }
}

/**
 * Streams a debtor file through the assessment: parts of about a MiB, for a large file assessed on
 * worker threads (one per core) with at most two parts per thread in flight, so memory stays flat.
 */
export async function assessStreaming(
  file: string,
  kind: DebtorFileKind,
  config: SegmentationConfig,
): Promise<Tally> {
  if (statSync(file).size < THREADS_FROM_BYTES) {
    return assessParts(file, kind, config, async (batch) => assessBatch(batch), 1);
  }
  const threads = availableParallelism();
  const dir = await mkdtemp(path.join(tmpdir(), 'mahnwerk-assess-'));
  try {
    const pool = new Piscina<DebtorBatch, Tally>({
      filename: await bundleWorker(dir),
      // Plain JavaScript: not the caller's flags (\`--import tsx\` would compile the bundle once more).
      execArgv: [],
      minThreads: threads,
      maxThreads: threads,
      // A row's objects (parsed JSON, snapshot, reasons) die before the next row: a small young
      // generation collects them as cheaply as a large one (16, 32 and 96 MB took the same CPU on
      // 1,000,000 debtors) and keeps the peak RSS down (266 MB against 370 MB at 96).
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    try {
      // The thread takes the part's bytes over (transferred, not copied).
      const run = (batch: DebtorBatch) =>
        pool.run(batch, { transferList: [batch.bytes.buffer as ArrayBuffer] });
      return await assessParts(file, kind, config, run, threads * 2);
    } finally {
      await pool.destroy();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
