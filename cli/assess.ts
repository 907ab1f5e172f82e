import {
  defaultSegmentationConfig,
  SEGMENTS,
  type SegmentationConfig,
} from '../domain/segmentation/index.js';
import { summarize, type AssessmentSummary } from './assess-tally.js';
import { debtorFileKind, type DebtorFile } from './debtor-rows.js';

/**
 * `mahnwerk assess <file> [--config file]`: segments a file of debtors offline and prints the
 * distribution, the top reasons per segment and what data is missing. Bad rows are reported with
 * line and field, counted and skipped.
 */

// ---------------------------------------------------------------------------------------------
// Configuration file

/** Reads the segmentation section of a policy file (YAML or JSON); every problem names its path. */
export async function loadSegmentationConfigFile(file: string): Promise<SegmentationConfig> {
  const { readPolicyFile } = await import('../config/policy-file.js');
  return (await readPolicyFile(file)).segmentation;
}

// ---------------------------------------------------------------------------------------------
// Report

const TOP_REASONS = 5;

export function formatReport(
  file: string,
  debtors: Pick<DebtorFile, 'badRows' | 'ignoredFields'>,
  summary: AssessmentSummary,
): string {
  const out: string[] = [];
  const bad = debtors.badRows.length;
  out.push(
    `Assessed ${summary.total} debtor${summary.total === 1 ? '' : 's'} from ${file}` +
      (bad > 0 ? `; ${bad} bad row${bad === 1 ? '' : 's'} skipped.` : '.'),
  );
  if (debtors.ignoredFields.length > 0) out.push(`Ignored fields: ${debtors.ignoredFields.join(', ')}`);
  if (bad > 0) {
    out.push('', `Bad rows (${bad}):`);
    for (const row of debtors.badRows) out.push(`  line ${row.line}: ${row.problems.join('; ')}`);
  }

  out.push(...formatSegments(summary));
  return `${out.join('\n')}\n`;
}

/** The segment distribution, the top reasons per segment and the missing data, as report lines. */
export function formatSegments(summary: AssessmentSummary): string[] {
  const out: string[] = [];
  const width = Math.max(...SEGMENTS.map((s) => s.length), 'total'.length);
  const pct = (n: number) => (summary.total === 0 ? '-' : `${((n / summary.total) * 100).toFixed(1)}%`);
  out.push('', 'Segments:');
  for (const segment of SEGMENTS) {
    const n = summary.bySegment[segment];
    out.push(`  ${segment.padEnd(width)} ${String(n).padStart(6)} ${pct(n).padStart(7)}`);
  }
  out.push(
    `  ${'total'.padEnd(width)} ${String(summary.total).padStart(6)} ${pct(summary.total).padStart(7)}`,
  );

  out.push('', `Top reasons per segment (# is the debtor's own value):`);
  for (const segment of SEGMENTS) {
    const reasons = summary.reasons[segment];
    if (reasons.length === 0) continue;
    out.push(`  ${segment} (${summary.bySegment[segment]})`);
    for (const [reason, n] of reasons.slice(0, TOP_REASONS))
      out.push(`    ${String(n).padStart(6)}  ${reason}`);
  }

  if (summary.bySegment['data-collection'] > 0) {
    out.push('', `Missing data (data-collection, ${summary.bySegment['data-collection']}):`);
    for (const [item, n] of summary.missingData) out.push(`    ${String(n).padStart(6)}  ${item}`);
  }
  return out;
}

/**
 * Reads a debtor file (.jsonl, .ndjson or .csv) as a stream, segments every valid row (on every
 * core for a large file) and writes the report. Memory stays flat: only counts are kept.
 */
export async function runAssess(
  file: string,
  options: { configPath?: string; out: NodeJS.WritableStream },
): Promise<void> {
  const config = options.configPath
    ? await loadSegmentationConfigFile(options.configPath)
    : defaultSegmentationConfig;
  const kind = debtorFileKind(file);
  const { assessStreaming } = await import('./assess-stream.js');
  const tally = await assessStreaming(file, kind, config);
  options.out.write(formatReport(file, tally, summarize(tally)));
}
