import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { debtorCsvRowSchema, debtorSnapshotSchema } from '../cli/debtor-rows.js';
import { csvLayout, plainCsvSnapshot, plainSnapshot } from '../cli/plain-snapshot.js';

/*
 * The fast path of `mahnwerk assess` must never disagree with the row schemas: a row it accepts is
 * one the schema accepts, with the same snapshot; a plainly valid row it accepts (or it would be no
 * fast path). Rows are drawn from values the schemas treat in special ways: blank text, null,
 * lower-case codes, counts that are negative, fractional or too large, unknown keys.
 */

/** Marks a key the row leaves out. */
const ABSENT = Symbol('absent');
type Pool = { plain: unknown[]; tricky: unknown[] };

/**
 * Plainly valid values, or (`tricky`) the same with one or two of them swapped for odd ones: the
 * fast path must decline each odd value on its own, or read it exactly as the schema does.
 */
const fields = (pools: Record<string, Pool>, tricky: boolean) => {
  const draw = (keys: string[], pick: (pool: Pool) => unknown[]) =>
    fc.record(Object.fromEntries(keys.map((key) => [key, fc.constantFrom(...pick(pools[key]!))])));
  const plain = draw(Object.keys(pools), (pool) => pool.plain);
  if (!tricky) return plain;
  const odd = Object.keys(pools).filter((key) => pools[key]!.tricky.length > 0);
  return fc
    .tuple(
      plain,
      fc.subarray(odd, { minLength: 1, maxLength: 2 }),
      draw(odd, (pool) => pool.tricky),
    )
    .map(([values, swapped, oddValues]) => ({
      ...values,
      ...Object.fromEntries(swapped.map((key) => [key, oddValues[key]])),
    }));
};

const count: Pool = { plain: [ABSENT, 0, 3], tricky: [null, -1, 0.5, '2', 2 ** 53] };

const jsonPools: Record<string, Pool> = {
  debtorId: {
    plain: ['d-1', 'A.b:c_9', 'x'.repeat(100)],
    tricky: [ABSENT, '', 'x'.repeat(101), 'a b', 'ä', 5],
  },
  locale: { plain: [ABSENT, null, 'de', 'en'], tricky: ['', '  ', 'DE', 'fr', 1] },
  timezone: {
    plain: [ABSENT, null, 'Europe/Berlin', 'UTC', 'Etc/GMT+5'],
    tricky: ['', ' ', 'europe/berlin', 'Mars/Olympus'],
  },
  country: { plain: [ABSENT, null, 'DE', 'de', 'uS'], tricky: ['', ' ', 'DEU', 'ß', ' de', 'd1', 7] },
  flags: {
    plain: [ABSENT, [], ['hardship'], ['vulnerable', 'legal-hold'], ['deceased', 'deceased']],
    tricky: [null, ['bankrupt'], 'hardship', [1], {}],
  },
  customerValue: { plain: [ABSENT, null, 'A', 'C'], tricky: ['a', '', 'D'] },
  digitalAffinity: { plain: [ABSENT, null, 'high', 'low'], tricky: ['HIGH', '', 0] },
  preferredChannel: { plain: [ABSENT, null, 'portal', 'call'], tricky: ['letter', ''] },
  paymentHistory: {
    plain: [
      ABSENT,
      {},
      { onTimeRate: 0.85 },
      { onTimeRate: 0, brokenPromises: 2, previousCases: 0 },
      { onTimeRate: 1 },
    ],
    tricky: [
      null,
      [],
      { onTimeRate: 1.5 },
      { onTimeRate: -0.1 },
      { onTimeRate: '0.5' },
      { brokenPromises: -1 },
      { previousCases: 1.5 },
      { brokenPromises: null },
      { extra: 1 },
      JSON.parse('{"__proto__": 1}'),
    ],
  },
  openAmount: {
    plain: [0, 1200, -500, Number.MAX_SAFE_INTEGER],
    tricky: [ABSENT, null, 12.5, '1200', 2 ** 53, 1e300],
  },
  currency: { plain: [ABSENT, null, 'EUR', 'eur', 'usd'], tricky: ['', 'EURO', 'ZZZ', 5] },
  daysPastDue: { plain: [0, 30, 240], tricky: [ABSENT, null, -1, 1.5, '30'] },
  openInvoiceCount: count,
  contactPoints: {
    plain: [
      ABSENT,
      [],
      [{ channel: 'email', consent: true }],
      [{ channel: 'sms', consent: false, optedOut: true, invalid: false }],
      [
        { channel: 'letter', consent: true, note: 'kept out' },
        { channel: 'call', consent: true, invalid: true },
      ],
    ],
    tricky: [
      null,
      {},
      ['email'],
      [{ channel: 'fax', consent: true }],
      [{ channel: 'email' }],
      [{ channel: 'email', consent: 'yes' }],
      [{ channel: 'email', consent: true, optedOut: null }],
    ],
  },
  brokenPromisesInCase: count,
  portalVisits: count,
  note: { plain: [ABSENT, 'ignored'], tricky: [] },
  // Written as the key `__proto__` (see jsonRow).
  proto: { plain: [ABSENT], tricky: [{ polluted: true }] },
};

/** The row as a file holds it: JSON text, parsed back (so `__proto__` is a key of its own). */
function jsonRow(drawn: Record<string, unknown>): unknown {
  const entries = Object.entries(drawn).filter(([, value]) => value !== ABSENT);
  const members = entries.map(([key, value]) => {
    const name = key === 'proto' ? '__proto__' : key;
    return `${JSON.stringify(name)}:${JSON.stringify(value)}`;
  });
  return JSON.parse(`{${members.join(',')}}`);
}

const csvCount = {
  plain: ['', '0', '3', ' 2 ', '+4', '007', '1.0'],
  tricky: ['-1', '0.5', 'x', '9'.repeat(20)],
};
const csvBoolean = {
  plain: ['', 'true', 'yes', 'Y', '1', 'FALSE', 'no', 'n', '0', ' true '],
  tricky: ['maybe', '2'],
};

const csvPools: Record<string, Pool> = {
  debtor_id: { plain: ['c-1', ' c-2 '], tricky: ['', '  ', 'a b', 'x'.repeat(101)] },
  locale: { plain: ['', 'de', ' en '], tricky: ['DE', 'fr'] },
  timezone: { plain: ['', 'Europe/Berlin', ' UTC '], tricky: ['Mars/Olympus', 'utc'] },
  country: { plain: ['', 'DE', 'de'], tricky: ['DEU', 'ß'] },
  flags: {
    plain: ['', 'hardship', 'vulnerable;legal-hold', 'hardship | deceased', ' ; '],
    tricky: ['bankrupt', 'hardship;bankrupt'],
  },
  customer_value: { plain: ['', 'A', ' B '], tricky: ['a', 'D'] },
  digital_affinity: { plain: ['', 'high', 'medium'], tricky: ['HIGH'] },
  preferred_channel: { plain: ['', 'email', 'portal'], tricky: ['letter'] },
  on_time_rate: {
    plain: ['', '0.85', '85%', '100%', '1', '0', '+0.5', '0.5%'],
    tricky: ['1.5', '-0.1', '120%', 'abc', '85 %'],
  },
  broken_promises: csvCount,
  previous_cases: csvCount,
  open_amount: { plain: ['1200', '-500', '+7', '0'], tricky: ['', '12.50', '1,200', '9'.repeat(17)] },
  currency: { plain: ['', 'EUR', 'eur'], tricky: ['EURO'] },
  days_past_due: { plain: ['0', '30', '1.0'], tricky: ['', '-1', '2.5'] },
  open_invoice_count: csvCount,
  broken_promises_in_case: csvCount,
  portal_visits: csvCount,
  email_consent: csvBoolean,
  email_opted_out: csvBoolean,
  sms_consent: csvBoolean,
  call_invalid: csvBoolean,
  letter_consent: csvBoolean,
  note: { plain: ['', 'ignored'], tricky: [] },
};
const requiredCsvColumns = ['debtor_id', 'open_amount', 'days_past_due'];

/** Some of the columns (the required ones always) in any order, maybe one twice (the reader takes the last). */
const csvRecord = (tricky: boolean) =>
  fc
    .tuple(
      fields(csvPools, tricky),
      fc.shuffledSubarray(Object.keys(csvPools)),
      fc.option(fc.constantFrom(...Object.keys(csvPools))),
      fields(csvPools, tricky),
    )
    .map(([drawn, picked, twice, again]) => {
      const chosen = [...new Set([...picked, ...requiredCsvColumns])];
      const columns = twice === null ? chosen : [...chosen, twice];
      const values = columns.map((column, i) => String((i < chosen.length ? drawn : again)[column]));
      return { columns, values };
    });

describe('the fast path of a JSON row', () => {
  it('accepts only what the schema accepts, with the same snapshot', () => {
    fc.assert(
      fc.property(fields(jsonPools, true), (drawn) => {
        const row = jsonRow(drawn);
        const fast = plainSnapshot(row);
        if (fast === undefined) return;
        const parsed = debtorSnapshotSchema.safeParse(row);
        expect(parsed.success).toBe(true);
        expect(fast).toStrictEqual(parsed.data);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every plainly valid row', () => {
    fc.assert(
      fc.property(fields(jsonPools, false), (drawn) => {
        const row = jsonRow(drawn);
        expect(plainSnapshot(row)).toStrictEqual(debtorSnapshotSchema.parse(row));
      }),
      { numRuns: 1000 },
    );
  });

  it('declines what the schema refuses or reads in its own way', () => {
    const row = { debtorId: 'd-1', openAmount: 100, daysPastDue: 3 };
    expect(plainSnapshot(row)).toBeDefined();
    for (const odd of [
      { locale: ' ' },
      { currency: '' },
      { openInvoiceCount: null },
      { paymentHistory: { x: 1 } },
    ]) {
      expect(plainSnapshot({ ...row, ...odd })).toBeUndefined();
    }
  });
});

describe('the fast path of a CSV record', () => {
  const check = (columns: string[], values: string[]) => ({
    fast: plainCsvSnapshot(values, csvLayout(columns)),
    // As the reader hands a row to the schema: by column, the last of two with one name.
    parsed: debtorCsvRowSchema.safeParse(Object.fromEntries(columns.map((column, i) => [column, values[i]]))),
  });

  it('accepts only what the schema accepts, with the same snapshot', () => {
    fc.assert(
      fc.property(csvRecord(true), ({ columns, values }) => {
        const { fast, parsed } = check(columns, values);
        if (fast === undefined) return;
        expect(parsed.success).toBe(true);
        expect(fast).toStrictEqual(parsed.data);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every plainly valid record', () => {
    fc.assert(
      fc.property(csvRecord(false), ({ columns, values }) => {
        const { fast, parsed } = check(columns, values);
        expect(parsed.success).toBe(true);
        expect(fast).toStrictEqual(parsed.data);
      }),
      { numRuns: 1000 },
    );
  });
});
