import type { Config } from '../config/env.js';
import type { CreditorPolicy } from '../domain/claim/index.js';
import { localDate } from '../domain/dates.js';
import {
  buildHandoffPackage,
  type HandoffPackage,
  type HandoffReport,
  type HandoffStatus,
} from '../domain/handoff.js';
import { recordPayment } from './billing.js';
import { listCaseEvents, recordCaseEvent, type CaseEventInput } from './case-events.js';
import { loadClaim } from './claim.js';
import type { Database } from './database.js';
import { loadDebtorProfile } from './debtors.js';

type Creditor = Config['creditor'];

/**
 * Builds the debtor's hand-over package from the database and stores it with its timeline event
 * `handed-off` (whose webhook `case.handed_off` carries the package). Once per key: a retried
 * activity finds the row and changes nothing.
 */
export async function storeHandoff(
  db: Database,
  input: { debtorId: string; handoffKey: string; now: Date; policy: CreditorPolicy; creditor: Creditor },
): Promise<HandoffPackage> {
  const existing = await db
    .selectFrom('handoffs')
    .select('package')
    .where('handoff_key', '=', input.handoffKey)
    .executeTakeFirst();
  if (existing) return existing.package;
  const pkg = await assemblePackage(db, input);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('handoffs')
      .values({
        handoff_key: input.handoffKey,
        debtor_id: input.debtorId,
        status: 'sent',
        package: JSON.stringify(pkg),
      })
      .execute();
    await recordCaseEvent(trx, {
      debtorId: input.debtorId,
      source: 'workflow',
      type: 'handed-off',
      summary: `Handed over to the collection agency: ${pkg.claim.open} ${pkg.claim.currency} open in ${pkg.invoices.length} invoice(s)`,
      data: { handoffKey: input.handoffKey, amount: pkg.claim.open, currency: pkg.claim.currency },
      dedupeKey: `${input.handoffKey}/handed-off`,
    });
  });
  return pkg;
}

async function assemblePackage(
  db: Database,
  input: { debtorId: string; handoffKey: string; now: Date; policy: CreditorPolicy; creditor: Creditor },
): Promise<HandoffPackage> {
  const { debtorId, now } = input;
  const profile = await loadDebtorProfile(db, debtorId);
  const claim = await loadClaim(db, debtorId, now, input.policy);
  if (!profile || !claim) throw new Error(`debtor ${debtorId} has no case with a claim to hand over`);
  const invoices = await db
    .selectFrom('invoices')
    .select(['id', 'currency', 'amount_due', 'amount_paid', 'issued_at', 'due_date'])
    .where('debtor_id', '=', debtorId)
    .whereRef('amount_paid', '<', 'amount_due')
    .orderBy('due_date')
    .orderBy('id')
    .execute();
  const contacts = await db
    .selectFrom('outbox')
    .select(['created_at', 'sent_at', 'channel', 'template', 'status'])
    .where('debtor_id', '=', debtorId)
    .orderBy('id')
    .execute();
  const events = await listCaseEvents(db, debtorId, 1000);
  return buildHandoffPackage({
    handoffKey: input.handoffKey,
    createdAt: now.toISOString(),
    debtorId,
    profile,
    claim,
    invoices: invoices.map((i) => ({
      id: i.id,
      currency: i.currency,
      amountDue: i.amount_due,
      amountPaid: i.amount_paid,
      issuedOn: localDate(i.issued_at, profile.timezone),
      dueDate: i.due_date,
    })),
    contacts: contacts.map((c) => ({
      at: (c.sent_at ?? c.created_at).toISOString(),
      channel: c.channel,
      template: c.template,
      status: c.status,
    })),
    events: events.map((e) => ({ at: e.at.toISOString(), type: e.type, summary: e.summary })),
    creditor: input.creditor,
  });
}

const REPORT_EVENTS: Record<HandoffReport['status'], { type: string; what: string }> = {
  accepted: { type: 'handoff-accepted', what: 'The agency accepted the hand-over' },
  collected: { type: 'handoff-collected', what: 'The agency collected' },
  returned: { type: 'handoff-returned', what: 'The agency returned the case' },
  recalled: { type: 'handoff-recalled', what: 'The hand-over was recalled' },
};

/**
 * Stores the agency's report (or a recall) on the hand-over, with its timeline event and webhook; a
 * collection is recorded as a payment (id `handoff:<collectionId>`, so a repeat records nothing).
 */
export async function recordHandoffReport(
  db: Database,
  input: { debtorId: string; handoffKey: string; report: HandoffReport; now: Date },
): Promise<void> {
  const { debtorId, handoffKey, report, now } = input;
  let detail = '';
  if (report.status === 'collected') {
    const paymentId = `handoff:${report.collectionId}`;
    const { duplicate } = await recordPayment(db, debtorId, {
      paymentId,
      amount: report.amount,
      currency: report.currency,
      paidAt: now.toISOString(),
    });
    if (duplicate) return;
    detail = `: ${report.amount} ${report.currency} (payment ${paymentId})`;
  } else if (report.status === 'returned' || report.status === 'recalled') {
    detail = `: ${report.reason}`;
  } else if (report.agencyReference) detail = ` (file ${report.agencyReference})`;
  const status: HandoffStatus = report.status === 'collected' ? 'accepted' : report.status;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('handoffs')
      .set((eb) => ({
        status,
        updated_at: now,
        ...(report.status === 'collected'
          ? { collected_amount: eb('collected_amount', '+', report.amount) }
          : {}),
        ...(status === 'accepted' ? { accepted_at: eb.fn.coalesce('accepted_at', eb.val(now)) } : {}),
        ...(status === 'returned' || status === 'recalled'
          ? { ended_at: now, reason: 'reason' in report ? report.reason : null }
          : {}),
      }))
      .where('handoff_key', '=', handoffKey)
      .execute();
    const event = REPORT_EVENTS[report.status];
    await recordCaseEvent(trx, {
      debtorId,
      source: 'api',
      type: event.type,
      summary: `${event.what}${detail}`,
      data: {
        handoffKey,
        status: report.status,
        ...(report.status === 'collected' ? { amount: report.amount, currency: report.currency } : {}),
      },
    });
  });
}

/** The debtor's latest hand-over (status and package), for the inbox and its downloads. */
export function latestHandoff(db: Database, debtorId: string) {
  return db
    .selectFrom('handoffs')
    .selectAll()
    .where('debtor_id', '=', debtorId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The package of a hand-over, for the webhook `case.handed_off`. */
export async function handoffPackage(db: Database, handoffKey: string): Promise<HandoffPackage | undefined> {
  const row = await db
    .selectFrom('handoffs')
    .select('package')
    .where('handoff_key', '=', handoffKey)
    .executeTakeFirst();
  return row?.package;
}

/**
 * A hand-over from before packages existed (table `escalations`): what went over, stored once per
 * key with its timeline event; a retried activity finds the key and records nothing.
 */
export async function recordEscalation(
  db: Database,
  escalation: { escalationKey: string; debtorId: string; handedOver: Record<string, unknown> },
  event: Omit<CaseEventInput, 'debtorId'>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('escalations')
      .values({
        escalation_key: escalation.escalationKey,
        debtor_id: escalation.debtorId,
        handed_over: JSON.stringify(escalation.handedOver),
      })
      .onConflict((oc) => oc.column('escalation_key').doNothing())
      .returning('escalation_key')
      .executeTakeFirst();
    if (inserted) await recordCaseEvent(trx, { debtorId: escalation.debtorId, ...event });
  });
}
