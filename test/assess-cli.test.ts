import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { formatReport, loadSegmentationConfigFile, runAssess } from '../cli/assess.js';
import { reasonPattern, summarize, tallyDebtors } from '../cli/assess-tally.js';
import { parseDebtorCsv, readDebtorFile } from '../cli/debtor-rows.js';
import { PolicyFileError } from '../config/policy-file.js';
import { parseCsv } from '../cli/csv.js';
import { defaultSegmentationConfig } from '../domain/segmentation/index.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const jsonl = path.join(fixtures, 'debtors-sample.jsonl');
const csv = path.join(fixtures, 'debtors-sample.csv');

const scratch = mkdtempSync(path.join(tmpdir(), 'mahnwerk-assess-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function scratchFile(name: string, content: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, content);
  return file;
}

async function report(file: string, configPath?: string): Promise<string> {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  await runAssess(file, { configPath, out });
  return chunks.join('');
}

/** "  protected   2   16.7%" → { protected: [2, '16.7%'] } */
function distribution(text: string): Record<string, [number, string]> {
  const section = text.split('Segments:\n')[1]?.split('\n\n')[0] ?? '';
  return Object.fromEntries(
    [...section.matchAll(/^ {2}([a-z-]+)\s+(\d+)\s+(\S+)$/gm)].map((m) => [m[1], [Number(m[2]), m[3]]]),
  );
}

describe('mahnwerk assess on JSON Lines', () => {
  it('prints the distribution, the top reasons, the missing data and the bad rows', async () => {
    const text = await report(jsonl);
    expect(text).toContain(`Assessed 12 debtors from ${jsonl}; 3 bad rows skipped.`);
    expect(distribution(text)).toEqual({
      protected: [2, '16.7%'],
      'data-collection': [2, '16.7%'],
      'small-balance': [1, '8.3%'],
      'self-service': [2, '16.7%'],
      assisted: [1, '8.3%'],
      personal: [2, '16.7%'],
      'high-risk': [2, '16.7%'],
      total: [12, '100.0%'],
    });

    expect(text).toContain('Bad rows (3):');
    expect(text).toContain('  line 14: openAmount: expected number, received string\n');
    expect(text).toMatch(/ {2}line 15: locale: .*"de"\|"en"; daysPastDue: missing \(expected number\)\n/);
    expect(text).toMatch(/ {2}line 16: not valid JSON: /);

    expect(text).toMatch(/ {2}high-risk \(2\)\n\s+1 {2}# broken promises, # in this case \(threshold 2\)\n/);
    expect(text).toMatch(/\s+1 {2}# days past due \(threshold 90\)\n/);
    expect(text).toMatch(/\s+1 {2}open # below small-balance threshold 25\.00\n/);
    expect(text).toMatch(/Missing data \(data-collection, 2\):\n/);
    expect(text).toMatch(
      /\s+1 {2}a reachable channel \(e-mail, SMS or phone with consent, or a valid postal address\)\n/,
    );
    expect(text).toMatch(/\s+1 {2}time zone\n/);
    expect(text).toMatch(/\s+1 {2}locale\n/);
  });

  it('applies a YAML config (only the fields it names)', async () => {
    const config = scratchFile('segmentation.yaml', 'segmentation:\n  smallBalanceMax: 10000\n');
    const text = await report(jsonl, config);
    // d-011 (74.00 open) moves from self-service to small-balance.
    expect(distribution(text)['small-balance']).toEqual([2, '16.7%']);
    expect(distribution(text)['self-service']).toEqual([1, '8.3%']);
    expect(text).toContain('open # below small-balance threshold 100.00');
  });
});

describe('mahnwerk assess on CSV', () => {
  it('prints the distribution and reports the bad row by line and column', async () => {
    const text = await report(csv);
    expect(text).toContain(`Assessed 6 debtors from ${csv}; 1 bad row skipped.`);
    expect(text).toContain('Ignored fields: note\n');
    expect(text).toContain('  line 7: days_past_due: expected number, received string\n');
    expect(distribution(text)).toEqual({
      protected: [1, '16.7%'],
      'data-collection': [1, '16.7%'],
      'small-balance': [1, '16.7%'],
      'self-service': [1, '16.7%'],
      assisted: [0, '0.0%'],
      personal: [1, '16.7%'],
      'high-risk': [1, '16.7%'],
      total: [6, '100.0%'],
    });
  });

  it('maps the columns onto snapshots (contact points from consent columns, rates as %)', async () => {
    const { snapshots } = await readDebtorFile(csv);
    expect(snapshots.map((s) => s.line)).toEqual([2, 3, 4, 5, 6, 8]);
    const first = snapshots[0]?.snapshot;
    expect(first).toMatchObject({
      debtorId: 'c-001',
      locale: 'de',
      timezone: 'Europe/Berlin',
      flags: [],
      paymentHistory: { onTimeRate: 0.9, brokenPromises: 0 },
      openAmount: 4500,
      portalVisits: 3,
      contactPoints: [{ channel: 'email', consent: true, optedOut: false, invalid: false }],
    });
    expect(snapshots[1]?.snapshot.timezone).toBeNull();
    expect(snapshots[3]?.snapshot.flags).toEqual(['legal-hold']);
    expect(snapshots[5]?.snapshot.contactPoints).toEqual([
      { channel: 'email', consent: false, optedOut: false, invalid: false },
      { channel: 'sms', consent: true, optedOut: false, invalid: false },
    ]);
  });

  it('accepts camelCase headers and reports every bad field of a row', () => {
    const file = parseDebtorCsv(
      'debtorId,locale,timeZone,openAmount,daysPastDue,emailConsent,flags\n' +
        'x-1,de,Europe/Berlin,100,5,maybe,vulnerable;bankrupt\n' +
        'x-2,de,Mars/Olympus,100,5,true,\n' +
        'x-3,de,Europe/Berlin,100\n' +
        'x-4,en,Europe/London,100,5,1,\n',
    );
    expect(file.snapshots.map((s) => s.snapshot.debtorId)).toEqual(['x-4']);
    expect(file.badRows).toEqual([
      {
        line: 2,
        problems: [
          expect.stringMatching(/^flags\.1: Invalid option: expected one of "vulnerable"/),
          'email_consent: expected boolean, received string',
        ],
      },
      { line: 3, problems: ['timezone: unknown IANA time zone (use one such as Europe/Berlin)'] },
      { line: 4, problems: ['expected 7 fields as in the header, found 4'] },
    ]);
  });
});

describe('segmentation config file', () => {
  it('falls back to the defaults when the file has no segmentation section', async () => {
    expect(await loadSegmentationConfigFile(scratchFile('empty.yaml', 'contactPolicy: {}\n'))).toEqual(
      defaultSegmentationConfig,
    );
  });

  it('reads JSON as well', async () => {
    const file = scratchFile('s.json', JSON.stringify({ segmentation: { highRiskDaysPastDue: 60 } }));
    expect((await loadSegmentationConfigFile(file)).highRiskDaysPastDue).toBe(60);
  });

  it('points at the path of every bad field', async () => {
    const file = scratchFile(
      'bad.yaml',
      'segmentation:\n  smallBalanceMax: lots\n  smallBalanceMx: 1\n  strategyVersions:\n    vip: v2\n',
    );
    const error = await loadSegmentationConfigFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyFileError);
    expect((error as PolicyFileError).problems).toEqual([
      'segmentation.smallBalanceMax: expected number, received string',
      'segmentation.strategyVersions.vip: unknown key',
      'segmentation.smallBalanceMx: unknown key',
    ]);
    expect((error as Error).message).toContain(file);
  });

  it('reports a file that is not YAML', async () => {
    const file = scratchFile('broken.yaml', 'segmentation: [unclosed\n');
    await expect(loadSegmentationConfigFile(file)).rejects.toThrow(/not valid YAML/);
  });
});

describe('debtor files', () => {
  it('refuses an unknown file type', async () => {
    await expect(readDebtorFile(scratchFile('debtors.xlsx', ''))).rejects.toThrow(
      /use \.jsonl, \.ndjson or \.csv/,
    );
  });

  it('groups reasons by pattern, keeping thresholds', () => {
    expect(reasonPattern('127 days past due (threshold 90)')).toBe('# days past due (threshold 90)');
    expect(reasonPattern('open 12.00 below small-balance threshold 25.00')).toBe(
      'open # below small-balance threshold 25.00',
    );
    expect(reasonPattern('on-time rate 85.5% (minimum 80%)')).toBe('on-time rate #% (minimum 80%)');
    expect(reasonPattern('customer value A')).toBe('customer value A');
  });
});

describe('parseCsv (RFC 4180)', () => {
  it('splits plain records on LF and CRLF, keeping empty fields', () => {
    expect(parseCsv('a,b,c\r\n1,,3\n,,\n')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', '', '3'] },
      { line: 3, fields: ['', '', ''] },
    ]);
  });

  it('reads the last record without a final line break and skips blank lines and a BOM', () => {
    expect(parseCsv('\uFEFFa,b\n\n1,2')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
    ]);
  });

  it('handles quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('id,note\n1,"a, b"\n2,"say ""hi"""\n3,"two\r\nlines"\n4,""\n')).toEqual([
      { line: 1, fields: ['id', 'note'] },
      { line: 2, fields: ['1', 'a, b'] },
      { line: 3, fields: ['2', 'say "hi"'] },
      { line: 4, fields: ['3', 'two\r\nlines'] },
      { line: 6, fields: ['4', ''] },
    ]);
  });

  it('marks a malformed record and goes on with the next', () => {
    expect(parseCsv('1,"ab"c,2\n3,4\n5,x"y\n')).toEqual([
      {
        line: 1,
        fields: ['1', 'abc', '2'],
        error: 'text after a closing quote (a quote inside a field must be doubled: "")',
      },
      { line: 2, fields: ['3', '4'] },
      { line: 3, fields: ['5', 'x"y'], error: 'quote inside an unquoted field' },
    ]);
  });

  it('marks a quote that is never closed', () => {
    expect(parseCsv('1,2\n3,"open\n4,5\n')).toEqual([
      { line: 1, fields: ['1', '2'] },
      { line: 2, fields: ['3', 'open\n4,5\n'], error: 'quoted field is never closed' },
    ]);
  });
});

describe('mahnwerk assess on a large file (streamed in parts, on worker threads)', () => {
  /** The fixture's rows again and again with fresh ids, bad rows included, past the threads' threshold. */
  function largeCopy(name: string, fixture: string, rows: number): string {
    const [header, ...lines] = readFileSync(fixture, 'utf8').trimEnd().split('\n');
    const body = Array.from({ length: rows }, (_, i) => {
      const line = lines[i % lines.length]!;
      // A quoted note with a line break in every CSV row: some part boundary falls inside one.
      return name.endsWith('.csv')
        ? line.replace(/^c-\d+/, `c-${i}`).replace(/,[^,]*$/, `,"note\r\n${i}"`)
        : line.replace(/"d-\d+"/, `"d-${i}"`);
    });
    return scratchFile(name, [...(name.endsWith('.csv') ? [header] : []), ...body, ''].join('\n'));
  }

  /** The report computed from the whole file in memory, the simple way. */
  async function wholeFileReport(file: string): Promise<string> {
    const debtors = await readDebtorFile(file);
    return formatReport(file, debtors, summarize(tallyDebtors(debtors, defaultSegmentationConfig)));
  }

  it.each([
    ['debtors-large.jsonl', jsonl, 30_000],
    ['debtors-large.csv', csv, 60_000],
  ])(
    '%s: the same report as reading the whole file, bad rows with their lines',
    async (name, fixture, rows) => {
      const file = largeCopy(name, fixture, rows);
      expect(statSync(file).size).toBeGreaterThan(4 << 20);
      const text = await report(file);
      expect(text).toBe(await wholeFileReport(file));
      expect(text).toMatch(/bad rows? skipped/);
    },
  );
});
