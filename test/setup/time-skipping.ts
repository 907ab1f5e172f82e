import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CaseClient } from '../../client/cases.js';
import { recordInvoice, upsertDebtor, type DebtorProfile } from '../../db/billing.js';
import type { Database } from '../../db/database.js';
import { loadCaseSnapshot } from '../../db/snapshot.js';
import { caseWorkflowId } from '../../domain/case.js';
import {
  addDays,
  isPublicHoliday,
  toLocal,
  weekdayOf,
  zonedTimeToEpoch,
} from '../../domain/contact-policy/index.js';
import { days } from '../../domain/dates.js';
import { assess } from '../../domain/segmentation/assess.js';
import { addSearchAttributes } from '../../runtime/temporal.js';

export const BERLIN = 'Europe/Berlin';

/** A fresh Java time-skipping server that knows the custom search attributes, as a cluster would. */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: path.resolve('scripts/test-server.sh') } },
  });
  await addSearchAttributes(env.connection, 'default');
  return env;
}

/** The next working Tuesday 10:00 in Berlin (Tuesday to Friday no public holidays). */
export async function skipToTuesdayMorning(env: TestWorkflowEnvironment): Promise<number> {
  const now = await env.currentTimeMs();
  let date = addDays(toLocal(now, BERLIN).date, 1);
  const holidayWeek = (d: string) => [0, 1, 2, 3].some((i) => isPublicHoliday(addDays(d, i), 'DE'));
  while (weekdayOf(date) !== 2 || holidayWeek(date)) date = addDays(date, 1);
  const start = zonedTimeToEpoch(date, '10:00', BERLIN);
  await env.sleep(start - now);
  return start;
}

/** Stores the debtor and an invoice `pastDueDays` overdue, and opens the case as the API does. */
export async function openCase(
  env: TestWorkflowEnvironment,
  db: Database,
  cases: CaseClient,
  debtorId: string,
  debtor: DebtorProfile,
  amount: number,
  pastDueDays = 20,
) {
  await upsertDebtor(db, debtorId, debtor);
  const dueDate = new Date((await env.currentTimeMs()) - days(pastDueDays)).toISOString().slice(0, 10);
  await recordInvoice(db, debtorId, 'inv-1', {
    currency: 'EUR',
    amountDue: amount,
    dueDate,
    issuedAt: '2026-01-01T08:00:00Z',
  });
  const { snapshot } = await loadCaseSnapshot(db, debtorId, new Date(await env.currentTimeMs()));
  await cases.invoiceRecorded(
    debtorId,
    { invoiceId: 'inv-1', amountDue: amount, currency: 'EUR' },
    { assessment: assess(snapshot), daysPastDue: snapshot.daysPastDue, amountDue: amount },
  );
  return env.client.workflow.getHandle(caseWorkflowId(debtorId));
}
