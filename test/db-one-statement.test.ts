import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordInvoice, recordPayment, upsertDebtor } from '../db/billing.js';
import { recordCaseOpenings } from '../db/cases.js';
import type { Database } from '../db/database.js';
import { factDateColumns, factQueries, loadDebtorFacts } from '../db/facts.js';
import { selectInOneStatement } from '../db/one-statement.js';
import { loadCaseSnapshot } from '../db/snapshot.js';
import { migratedDatabase, testDatabases } from './setup/harness.js';

/** Counts the statements executed through a Kysely instance (one result each). */
function countingStatements(db: Database): { db: Database; count: () => number } {
  let statements = 0;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      statements++;
      return args.result;
    },
  };
  return { db: db.withPlugin(plugin), count: () => statements };
}

/**
 * A debtor's facts are read in one statement (PGlite pays per statement): each table's rows come
 * back as JSON and must read exactly as the driver reads them on its own, timestamps as Dates.
 */
describe.each(testDatabases)('facts in one statement on %s', (database) => {
  let db: Database;
  let close: (() => Promise<void>) | undefined;
  const asOf = new Date('2026-03-01T12:00:00Z');
  beforeAll(async () => {
    ({ db, close } = await migratedDatabase(database));
    await upsertDebtor(db, 'one-1', {
      name: 'Erika Einmal',
      locale: 'de',
      timezone: 'Europe/Berlin',
      email: 'erika@example.com',
      phone: '+4915112345678',
      consents: { sms: true },
      flags: ['hardship'],
      address: { street: 'Hauptstr.', houseNumber: '1', postcode: '10115', city: 'Berlin', country: 'DE' },
    });
    // The later invoice first: the open invoices must still come back oldest due first.
    for (const [invoiceId, dueDate] of [
      ['inv-2', '2026-02-01'],
      ['inv-1', '2026-01-15'],
    ] as const)
      await recordInvoice(db, 'one-1', invoiceId, {
        currency: 'EUR',
        amountDue: 12_950,
        dueDate,
        issuedAt: '2026-01-01T08:00:00.123Z',
      });
    await recordPayment(db, 'one-1', {
      paymentId: 'pay-1',
      amount: 5_000,
      currency: 'EUR',
      paidAt: '2026-02-10T09:30:00Z',
    });
    // A reminder sent during the case: it counts for the claim's fees.
    await db
      .insertInto('outbox')
      .values({
        idempotency_key: 'case-one-1/reminder-1/email',
        debtor_id: 'one-1',
        channel: 'email',
        template: 'reminder-1',
        locale: 'de',
        recipient: 'erika@example.com',
        content_hash: 'x',
        status: 'sent',
        // After the case opened (now): only reminders of the running case count.
        sent_at: new Date(Date.now() + 60_000),
      })
      .execute();
    await recordCaseOpenings(db, [
      {
        debtorId: 'one-1',
        workflowId: 'case-one-1',
        runId: 'run-1',
        status: 'active',
        segment: 'standard',
        strategyVersion: 'v1',
        variant: undefined,
        openAmount: 20_900,
        currency: 'EUR',
        daysPastDue: 45,
        assessment: {
          segment: 'standard',
          ruleId: 'standard',
          purpose: '',
          reasons: [],
          missingData: [],
          assessedAt: asOf.toISOString(),
        },
      },
    ]);
  });
  afterAll(() => close?.());

  it('reads every table as the driver does on its own: Dates, numbers, YYYY-MM-DD, jsonb, nulls', async () => {
    const queries = factQueries(db, ['one-1', 'unknown'], asOf);
    const together = await selectInOneStatement(db, queries, factDateColumns);
    for (const [name, query] of Object.entries(queries)) {
      const alone = await query.execute();
      expect(alone.length, name).toBeGreaterThan(0);
      expect(together[name as keyof typeof queries], name).toEqual(alone);
    }
    expect(together.openInvoices.map((i) => i.id)).toEqual(['inv-1', 'inv-2']);
    expect(together.payments[0]!.paid_at).toEqual(new Date('2026-02-10T09:30:00Z'));
    expect(together.claimInvoices[0]!.issued_at).toEqual(new Date('2026-01-01T08:00:00.123Z'));
  });

  it('a snapshot, the facts and an unknown debtor each take one statement', async () => {
    const counted = countingStatements(db);
    const snapshot = await loadCaseSnapshot(counted.db, 'one-1', asOf);
    expect(counted.count()).toBe(1);
    expect(snapshot.snapshot).toMatchObject({ openInvoiceCount: 2, flags: ['hardship'] });
    expect(snapshot.paidTotal).toBe(5_000);
    expect(snapshot.snapshot.contactPoints.map((p) => p.channel).sort()).toEqual([
      'call',
      'email',
      'letter',
      'sms',
    ]);
    const facts = await loadDebtorFacts(counted.db, 'one-1', asOf);
    expect(counted.count()).toBe(2);
    expect(facts).toMatchObject({ email: 'erika@example.com', sms: '+4915112345678', currency: 'EUR' });
    expect(facts.claim?.paid).toBe(5_000);
    const unknown = await loadDebtorFacts(counted.db, 'unknown', asOf);
    expect(counted.count()).toBe(3);
    expect(unknown).toMatchObject({ debtorExists: false, openAmount: 0, currency: null });
  });
});
