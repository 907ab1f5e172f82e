import {
  assessWithRules,
  rulesInOrder,
  SEGMENTS,
  type Assessment,
  type DebtorSnapshot,
  type SegmentationConfig,
  type SegmentId,
} from '../domain/segmentation/index.js';
import { readCsv } from './csv.js';
import {
  csvRowReader,
  readJsonLines,
  type BadRow,
  type RowSink,
  type DebtorFile,
  type DebtorFileKind,
} from './debtor-rows.js';

/**
 * Counts over a part of a file, small whatever the part's size, and merged part by part: what a
 * worker thread hands back. Reasons are counted by pattern (see `reasonPattern`).
 */
export interface Tally {
  total: number;
  bySegment: Record<SegmentId, number>;
  reasons: Record<SegmentId, Record<string, number>>;
  missingData: Record<string, number>;
  badRows: BadRow[];
  ignoredFields: string[];
}

export function emptyTally(): Tally {
  return {
    total: 0,
    bySegment: Object.fromEntries(SEGMENTS.map((s) => [s, 0])) as Record<SegmentId, number>,
    reasons: Object.fromEntries(SEGMENTS.map((s) => [s, {}])) as Record<SegmentId, Record<string, number>>,
    missingData: {},
    badRows: [],
    ignoredFields: [],
  };
}

const count = (counts: Record<string, number>, key: string, n = 1) => {
  counts[key] = (counts[key] ?? 0) + n;
};

/** Assesses every valid debtor of a parsed file (or part) and counts the results. */
export function tallyDebtors(debtors: DebtorFile, config: SegmentationConfig): Tally {
  const tally = emptyTally();
  tally.badRows = debtors.badRows;
  tally.ignoredFields = debtors.ignoredFields;
  const add = counter(tally, config);
  for (const { snapshot } of debtors.snapshots) add(snapshot);
  return tally;
}

/** Assesses one debtor after another into `tally` (the rules put in order once). */
function counter(tally: Tally, config: SegmentationConfig): (snapshot: DebtorSnapshot) => void {
  const rules = rulesInOrder(config.ruleOrder);
  return (snapshot) => countAssessment(tally, assessWithRules(rules, snapshot, config));
}

function countAssessment(tally: Tally, a: Assessment): void {
  tally.total++;
  tally.bySegment[a.segment]++;
  // A pattern counts once per debtor, however many of its reasons share it.
  const patterns: string[] = [];
  for (const reason of a.reasons) {
    const pattern = cachedPattern(reason);
    if (patterns.includes(pattern)) continue;
    patterns.push(pattern);
    count(tally.reasons[a.segment], pattern);
  }
  for (const item of a.missingData) count(tally.missingData, item);
}

/** Reasons remembered with their pattern: a portfolio repeats a few thousand reasons at most. */
const patternCache = new Map<string, string>();
const PATTERN_CACHE_SIZE = 20_000;

/** `reasonPattern`, from the cache when the reason was seen (the regular expression costs more). */
function cachedPattern(reason: string): string {
  let pattern = patternCache.get(reason);
  if (pattern === undefined) {
    pattern = reasonPattern(reason);
    if (patternCache.size < PATTERN_CACHE_SIZE) patternCache.set(reason, pattern);
  }
  return pattern;
}

/** Adds `part` into `into` (bad rows are re-sorted by line: parts may finish out of order). */
export function mergeTally(into: Tally, part: Tally): Tally {
  into.total += part.total;
  for (const segment of SEGMENTS) {
    into.bySegment[segment] += part.bySegment[segment];
    for (const [pattern, n] of Object.entries(part.reasons[segment]))
      count(into.reasons[segment], pattern, n);
  }
  for (const [item, n] of Object.entries(part.missingData)) count(into.missingData, item, n);
  if (part.badRows.length) into.badRows = [...into.badRows, ...part.badRows].sort((a, b) => a.line - b.line);
  into.ignoredFields = [...new Set([...into.ignoredFields, ...part.ignoredFields])];
  return into;
}
export interface AssessmentSummary {
  total: number;
  bySegment: Record<SegmentId, number>;
  /** Per segment: reason pattern → number of debtors, most frequent first. */
  reasons: Record<SegmentId, [string, number][]>;
  /** Missing item → number of debtors in data-collection, most frequent first. */
  missingData: [string, number][];
}

/**
 * A reason with the debtor's own numbers replaced by `#`, so "127 days past due (threshold 90)" and
 * "95 days past due (threshold 90)" count together. Thresholds and minimums stay.
 */
export function reasonPattern(reason: string): string {
  return reason.replace(/(?<![\d.])(?<!threshold |minimum )-?\d+(?:\.\d+)?/g, '#');
}

function ranked(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

export function summarize(tally: Tally): AssessmentSummary {
  const reasons = Object.fromEntries(SEGMENTS.map((s) => [s, ranked(tally.reasons[s])])) as Record<
    SegmentId,
    [string, number][]
  >;
  return { total: tally.total, bySegment: tally.bySegment, reasons, missingData: ranked(tally.missingData) };
}

/** Counts assessments one at a time (the dry run of a bulk import): constant memory. */
export function assessmentTally(): { add(a: Assessment): void; summary(): AssessmentSummary } {
  const tally = emptyTally();
  return { add: (a) => countAssessment(tally, a), summary: () => summarize(tally) };
}

/** A part of a debtor file, ending at a record boundary: what one worker thread assesses. */
export interface DebtorBatch {
  kind: DebtorFileKind;
  /** UTF-8, as read: the thread decodes it, not the one reading the file. */
  bytes: Uint8Array;
  /** The file's line number of the part's first line. */
  firstLine: number;
  /** CSV only: the header's column names. */
  columns: string[];
  config: SegmentationConfig;
}

/** A byte order mark is the file's, not a part's: one inside a part stays a character. */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Assesses a part row by row as it is read: no row is kept, only the counts. */
export function assessBatch(batch: DebtorBatch): Tally {
  const text = utf8.decode(batch.bytes);
  const tally = emptyTally();
  const add = counter(tally, batch.config);
  const sink: RowSink = { valid: (_line, snapshot) => add(snapshot), bad: (row) => tally.badRows.push(row) };
  // A CSV part's ignored columns are the header's, which the caller knows.
  if (batch.kind === 'csv') readCsv(text, csvRowReader(batch.columns, sink), batch.firstLine);
  else tally.ignoredFields = readJsonLines(text, batch.firstLine, sink);
  return tally;
}
