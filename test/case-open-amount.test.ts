import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { createMailer } from '../channels/email/mailer.js';
import { recordInvoice, upsertDebtor } from '../db/billing.js';
import { listCaseEvents } from '../db/case-events.js';
import { findCase } from '../db/cases.js';
import type { Database } from '../db/database.js';
import * as openAmountMigration from '../db/migrations/0091_cases_open_amount.js';
import type { ReportedCaseState } from '../domain/case.js';
import { testActivityDeps } from './setup/activities.js';
import { migratedDatabase, testDatabases } from './setup/harness.js';

/**
 * One vocabulary: a case's balance is `openAmount` (`cases.open_amount`). What was written before
 * the rename, a case row or a report scheduled by older workflow code, still reads as the open amount.
 */
describe.each(testDatabases)('the case open amount on %s', (database) => {
  let db: Database;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ db, close } = await migratedDatabase(database));
  });
  afterAll(() => close?.());

  async function openDebtor(debtorId: string): Promise<void> {
    await upsertDebtor(db, debtorId, { name: 'Otto Offen', locale: 'de', timezone: 'Europe/Berlin' });
    await recordInvoice(db, debtorId, 'inv-1', {
      currency: 'EUR',
      amountDue: 12_950,
      dueDate: '2026-01-15',
      issuedAt: '2026-01-01T08:00:00Z',
    });
  }

  it('migration 0091 renames amount_due to open_amount and keeps each case amount', async () => {
    await openDebtor('before-0091');
    // Migrations take the schema of their day, not today's types.
    const untyped = db as unknown as Kysely<unknown>;
    await openAmountMigration.down(untyped);
    await sql`insert into cases (debtor_id, workflow_id, run_id, status, segment, strategy_version,
                                 amount_due, currency, days_past_due, opened_at)
              values ('before-0091', 'case-before-0091', 'run-1', 'active', 'assisted', 'assisted-v1',
                      12950, 'EUR', 20, now())`.execute(db);
    await openAmountMigration.up(untyped);
    expect(await findCase(db, 'before-0091')).toMatchObject({ open_amount: 12_950, currency: 'EUR' });
  });

  it('a report from workflow code before the rename (amountDue) stores the open amount', async () => {
    await openDebtor('old-report');
    const mailer = createMailer({ smtpUrl: 'smtp://127.0.0.1:9', from: 'Creditor <billing@creditor.test>' });
    const { reportCase } = createActivities(testActivityDeps(db, mailer));
    const state: ReportedCaseState = {
      debtorId: 'old-report',
      status: 'active',
      segment: 'assisted',
      strategyVersion: 'assisted-v1',
      currentStep: 'reminder',
      nextStep: null,
      nextStepAt: null,
      nextDecisionAt: null,
      amountDue: 12_950,
      currency: 'EUR',
      daysPastDue: 20,
      openedAt: new Date().toISOString(),
      closedAt: null,
      episode: 1,
      ruleId: 'default',
      reasons: [],
      promisedUntil: null,
      plan: null,
      variant: null,
    };
    try {
      await reportCase({
        state,
        workflowId: 'case-old-report',
        runId: 'run-1',
        events: [{ type: 'message-sent', summary: 'Reminder sent' }],
      });
    } finally {
      mailer.close();
    }
    expect(await findCase(db, 'old-report')).toMatchObject({ open_amount: 12_950 });
    const sent = (await listCaseEvents(db, 'old-report')).find((e) => e.type === 'message-sent');
    expect(sent?.data).toEqual({ status: 'active', openAmount: 12_950, currency: 'EUR' });
  });
});
