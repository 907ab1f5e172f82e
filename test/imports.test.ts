import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runImport } from '../cli/import.js';
import { caseWorkflowId } from '../domain/case.js';
import { startProduct, TEST_API_KEY, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mahnwerk-import-'));
const zone = zoneInContactWindowNow();
const HEADER =
  'debtorId,name,locale,timezone,country,email,phone,invoiceId,currency,amountDue,dueDate,issuedAt,customerValue,smsConsent,flags';

const csvRow = (i: number, prefix: string, overrides: Partial<Record<string, string>> = {}) => {
  const cells: Record<string, string> = {
    debtorId: `${prefix}-${i}`,
    name: `"Muster, Maria ${i}"`,
    locale: i % 2 ? 'de' : 'en',
    timezone: zone,
    country: 'DE',
    email: `m${i}@example.com`,
    phone: i % 3 ? '+4915123456789' : '',
    invoiceId: `inv-${i}`,
    currency: 'EUR',
    amountDue: String(5000 + i),
    dueDate: '2026-10-15',
    issuedAt: '2026-09-15T10:00:00Z',
    customerValue: i % 5 ? 'B' : 'A',
    smsConsent: i % 3 ? 'yes' : '',
    flags: '',
    ...overrides,
  };
  return HEADER.split(',')
    .map((c) => cells[c])
    .join(',');
};

function file(name: string, content: string | Buffer): string {
  const target = path.join(dir, name);
  writeFileSync(target, content);
  return target;
}

async function cli(product: RunningProduct | undefined, target: string, dryRun = false) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk) => (stdout += String(chunk)));
  err.on('data', (chunk) => (stderr += String(chunk)));
  const code = await runImport({
    file: target,
    url: product?.apiUrl ?? 'http://127.0.0.1:1',
    key: TEST_API_KEY,
    dryRun,
    out,
    err,
  });
  return { code, stdout, stderr };
}

const summaryLine = (stdout: string) =>
  stdout.split('\n').find((l) => /^(imported|checked) \d+ rows/.test(l));

describe('bulk import through the CLI against the running product', () => {
  let product: RunningProduct;
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'));
  });
  afterAll(() => product?.stop());

  it('imports good rows, rejects each bad one with row and field, and a second run changes nothing', async () => {
    const good = Array.from({ length: 60 }, (_, i) => csvRow(i + 1, 'csv'));
    const bad = [
      csvRow(101, 'csv', { dueDate: '2026-02-30' }),
      csvRow(102, 'csv', { amountDue: '-5' }),
      csvRow(103, 'csv', { currency: 'XYZ' }),
      csvRow(104, 'csv', { name: '"Broken "quote" here' }),
      csvRow(105, 'csv', { timezone: 'Mars/Olympus' }),
    ];
    // A bad row between good ones: the good ones after it still go in.
    const target = file(
      'debtors.csv',
      `${HEADER}\n${[...good.slice(0, 30), ...bad, ...good.slice(30)].join('\n')}\n`,
    );

    const first = await cli(product, target);
    expect(summaryLine(first.stdout)).toBe(
      'imported 65 rows: 60 created, 0 updated, 0 unchanged, 5 rejected',
    );
    expect(first.code).toBe(1);
    const rejectedPath = path.join(dir, 'debtors.rejected.csv');
    expect(first.stdout).toContain(`rejected rows: ${rejectedPath}`);
    const rejected = readFileSync(rejectedPath, 'utf8').trim().split('\n');
    expect(rejected[0]).toBe(`${HEADER},error`);
    expect(rejected.slice(1)).toEqual([
      expect.stringMatching(/^csv-101,.*,"row 31: dueDate: .*YYYY-MM-DD/),
      expect.stringMatching(/^csv-102,.*,"row 32: amountDue: .*greater than 0/),
      expect.stringMatching(/^csv-103,.*,"row 33: currency: .*unknown ISO 4217/),
      expect.stringMatching(/^csv-104,.*,"row 34: row: broken CSV quoting/),
      expect.stringMatching(/^csv-105,.*,"row 35: timezone: .*IANA/),
    ]);

    // The cases are open, as after the single PUT calls.
    const opened = await product.request('GET', '/v1/cases/csv-7');
    expect(opened).toMatchObject({ status: 200, body: { openAmount: { amount: 5007, currency: 'EUR' } } });
    const handle = product.client.workflow.getHandle(caseWorkflowId('csv-7'));
    expect((await handle.describe()).status.name).toBe('RUNNING');

    const second = await cli(product, target);
    expect(summaryLine(second.stdout)).toBe(
      'imported 65 rows: 0 created, 0 updated, 60 unchanged, 5 rejected',
    );

    // The fixed rejected file imports as it is (its error column is ignored).
    const fixed = readFileSync(rejectedPath, 'utf8')
      .replace('2026-02-30', '2026-02-28')
      .replace(',-5,', ',5,')
      .replace(',XYZ,', ',EUR,')
      .replace('"Broken "quote" here', '"Fixed ""quote"" here"')
      .replace('Mars/Olympus', zone);
    const third = await cli(product, file('fixed.csv', fixed));
    expect(summaryLine(third.stdout)).toBe('imported 5 rows: 5 created, 0 updated, 0 unchanged, 0 rejected');
    expect(third.code).toBe(0);
  });

  it('finds the imported cases by filter a page at a time, with the assessment and the stored profile', async () => {
    type Page = { items: { debtorId: string; openAmount: { amount: number } }[]; nextCursor: string | null };
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/v1/cases?minAmount=5050&limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await product.request('GET', query);
      expect(page.status).toBe(200);
      const body = page.body as Page;
      for (const item of body.items) expect(item.openAmount.amount).toBeGreaterThanOrEqual(5050);
      seen.push(...body.items.map((i) => i.debtorId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    // csv-50 … csv-60 and the fixed rows but csv-102 (fixed to 5 cents): each once, in debtor id order.
    const expected = [
      ...Array.from({ length: 11 }, (_, i) => `csv-${50 + i}`),
      'csv-101',
      'csv-103',
      'csv-104',
      'csv-105',
    ];
    expect(seen).toEqual([...expected].sort());
    expect(pages).toBe(3); // 15 cases, 7 a page

    const active = await product.request('GET', '/v1/cases?status=active&segment=protected');
    expect(active).toMatchObject({ status: 200, body: { items: [], nextCursor: null } });
    expect((await product.request('GET', '/v1/cases?cursor=not-a-cursor!')).status).toBe(400);
    expect((await product.request('GET', '/v1/cases?status=open')).status).toBe(400);

    const found = await product.request('GET', '/v1/cases/csv-7');
    const body = found.body as { segment: string; assessment: Record<string, unknown> };
    expect(body.assessment).toMatchObject({
      segment: body.segment,
      ruleId: expect.any(String),
      purpose: expect.stringMatching(/\w/),
      reasons: expect.any(Array),
      missingData: [],
      assessedAt: expect.stringMatching(/^2026-/),
    });

    expect(await product.request('GET', '/v1/debtors/csv-7')).toEqual({
      status: 200,
      body: {
        debtorId: 'csv-7',
        name: 'Muster, Maria 7',
        locale: 'de',
        timezone: zone,
        country: 'DE',
        email: 'm7@example.com',
        phone: '+4915123456789',
        consents: { email: true, sms: true, call: false },
        customerValue: 'B',
        flags: [],
        paymentHistory: {},
        attributes: {},
        type: 'consumer',
      },
    });
    expect((await product.request('GET', '/v1/debtors/nobody')).status).toBe(404);
  });

  it('takes JSON Lines with the PUT bodies, reports an update, and rejects Latin-1 rows', async () => {
    const line = (id: string, name: string, amountDue: number) =>
      JSON.stringify({
        debtorId: id,
        profile: { name, locale: 'de', timezone: zone, email: `${id}@example.com` },
        invoice: {
          invoiceId: 'inv-1',
          currency: 'EUR',
          amountDue,
          dueDate: '2026-10-15',
          issuedAt: '2026-09-15T10:00:00Z',
        },
      });
    const target = file(
      'debtors.jsonl',
      `${line('j-1', 'Jörg Meier', 1000)}\n${line('j-2', 'Anna', 2000)}\n`,
    );
    expect(summaryLine((await cli(product, target)).stdout)).toBe(
      'imported 2 rows: 2 created, 0 updated, 0 unchanged, 0 rejected',
    );
    // A changed name is an update of the profile; the invoice is the same.
    const changed = file(
      'changed.jsonl',
      `${line('j-1', 'Jörg Meier-Schulz', 1000)}\n${line('j-2', 'Anna', 2000)}\n`,
    );
    expect(summaryLine((await cli(product, changed)).stdout)).toBe(
      'imported 2 rows: 0 created, 1 updated, 1 unchanged, 0 rejected',
    );
    // The same rows saved as Latin-1: the row with "ö" is not UTF-8 and is rejected, the other goes in.
    const latin1 = file(
      'latin1.jsonl',
      Buffer.from(`${line('j-3', 'Jörg', 1000)}\n${line('j-4', 'Anna', 2000)}\n`, 'latin1'),
    );
    const result = await cli(product, latin1);
    expect(summaryLine(result.stdout)).toBe('imported 2 rows: 1 created, 0 updated, 0 unchanged, 1 rejected');
    expect(readFileSync(path.join(dir, 'latin1.rejected.jsonl'), 'utf8')).toMatch(
      /row 1: row: not UTF-8 text/,
    );
  });

  it("keeps what Mahnwerk learned, refuses an erased id alone, and writes one debtor's invoices in order", async () => {
    const line = (id: string, name: string, invoiceId: string, amountDue: number, currency = 'EUR') =>
      JSON.stringify({
        debtorId: id,
        profile: { name, locale: 'de', timezone: zone, phone: '+4915123450000', consents: { sms: true } },
        invoice: { invoiceId, currency, amountDue, dueDate: '2026-10-15', issuedAt: '2026-09-15T10:00:00Z' },
      });
    const first = file(
      'own.jsonl',
      `${line('own-1', 'Olga', 'inv-1', 1000)}\n${line('gone-1', 'Gus', 'inv-1', 900)}\n`,
    );
    expect(summaryLine((await cli(product, first)).stdout)).toBe(
      'imported 2 rows: 2 created, 0 updated, 0 unchanged, 0 rejected',
    );
    expect((await product.request('DELETE', '/v1/debtors/gone-1')).status).toBe(200);
    // An agent set hardship, the debtor withdrew the SMS consent: both are Mahnwerk's, not billing's.
    await product.db
      .updateTable('debtors')
      .set({ flags: JSON.stringify(['hardship']), flag_sources: JSON.stringify({ hardship: 'agent' }) })
      .where('id', '=', 'own-1')
      .execute();
    await product.db
      .updateTable('contact_points')
      .set({ consent: false, consent_source: 'debtor' })
      .where('debtor_id', '=', 'own-1')
      .where('channel', '=', 'sms')
      .execute();
    // Renamed, a second invoice, one in another currency (refused alone), and the erased id again.
    const second = file(
      'own-again.jsonl',
      [
        line('own-1', 'Olga Ost', 'inv-1', 1000),
        line('gone-1', 'Gus', 'inv-1', 900),
        line('own-1', 'Olga Ost', 'inv-2', 500),
        line('own-1', 'Olga Ost', 'inv-3', 700, 'USD'),
      ].join('\n'),
    );
    const result = await cli(product, second);
    expect(summaryLine(result.stdout)).toBe('imported 4 rows: 1 created, 1 updated, 0 unchanged, 2 rejected');
    const rejected = readFileSync(path.join(dir, 'own-again.rejected.jsonl'), 'utf8');
    expect(rejected).toMatch(/row 2: debtorId: debtor gone-1 was erased on request/);
    expect(rejected).toMatch(/row 4: currency: the debtor's open invoices are in EUR/);
    const debtor = await product.db
      .selectFrom('debtors')
      .select(['name', 'flags', 'flag_sources'])
      .where('id', '=', 'own-1')
      .executeTakeFirstOrThrow();
    expect(debtor).toEqual({ name: 'Olga Ost', flags: ['hardship'], flag_sources: { hardship: 'agent' } });
    const sms = await product.db
      .selectFrom('contact_points')
      .select(['consent', 'consent_source'])
      .where('debtor_id', '=', 'own-1')
      .where('channel', '=', 'sms')
      .executeTakeFirstOrThrow();
    expect(sms).toEqual({ consent: false, consent_source: 'debtor' });
    const opened = await product.request('GET', '/v1/cases/own-1');
    expect(opened).toMatchObject({ status: 200, body: { openAmount: { amount: 1500, currency: 'EUR' } } });
  });

  it('refuses a CSV file whose header lacks columns, before importing anything', async () => {
    const target = file('no-header.csv', 'debtorId,name\nx,y\n');
    await expect(cli(product, target)).rejects.toThrow(/missing columns locale, timezone/);
  });

  it('answers the raw route with streamed JSON Lines and 415 for other content types', async () => {
    const response = await fetch(`${product.apiUrl}/v1/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'text/csv' },
      body: `${HEADER}\n${csvRow(1, 'raw', { amountDue: 'abc' })}\n`,
    });
    expect(response.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const events = (await response.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(events).toEqual([
      { type: 'rejected', row: 1, field: 'amountDue', message: expect.stringMatching(/amountDue: .*number/) },
      { type: 'summary', rows: 1, created: 0, updated: 0, unchanged: 0, rejected: 1 },
    ]);
    const json = await product.request('POST', '/v1/imports', { rows: [] });
    expect(json.status).toBe(415);
  });
});

describe('import --dry-run', () => {
  it('checks and segments 100,000 rows locally in flat memory, writing nothing', async () => {
    const rows = 100_000;
    const lines = [HEADER];
    for (let i = 1; i <= rows; i++) lines.push(csvRow(i, 'dry', i % 10_000 === 0 ? { currency: 'eur' } : {}));
    const target = file('big.csv', `${lines.join('\n')}\n`);
    const { stdout, code } = await cli(undefined, target, true);
    console.log(`dry run of ${rows} rows: peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
    expect(summaryLine(stdout)).toBe(
      'checked 100000 rows: 99990 created, 0 updated, 0 unchanged, 10 rejected',
    );
    expect(code).toBe(1);
    expect(stdout).toMatch(/Segments:\n {2}protected\s+0/);
    // Every debtor has an e-mail, a locale and a zone: none fails the quality gate.
    expect(stdout).toMatch(/data-collection\s+0\s/);
    expect(stdout).toMatch(/total\s+99990\s+100\.0%/);
  }, 300_000);
});
