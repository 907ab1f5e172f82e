import {
  claimTermsFor,
  computeClaim,
  type ClaimBreakdown,
  type CreditorPolicy,
} from '../domain/claim/index.js';
import { localDate } from '../domain/dates.js';
import type { Database } from './database.js';

/** Messages that demand payment: each step that sent one counts as a reminder (fees, § 286). */
const DUNNING_TEMPLATES = ['reminder-1', 'reminder-2', 'final-notice'];

/**
 * The claim of the debtor's current case: the invoices still open or settled during the case, the
 * payments on them, and the reminders sent, as days in the debtor's time zone. A case that is only
 * opening (no case row yet) claims the open invoices as of now. Undefined without a debtor or
 * invoices.
 */
export async function loadClaim(
  db: Database,
  debtorId: string,
  now: Date,
  policy: CreditorPolicy,
): Promise<ClaimBreakdown | undefined> {
  const debtor = await db
    .selectFrom('debtors')
    .select(['timezone', 'country', 'debtor_type'])
    .where('id', '=', debtorId)
    .executeTakeFirst();
  const found = await db
    .selectFrom('cases')
    .select(['segment', 'opened_at'])
    .where('debtor_id', '=', debtorId)
    .executeTakeFirst();
  if (!debtor) return undefined;
  const openedAt = found?.opened_at ?? now;
  const invoices = await db
    .selectFrom('invoices')
    .select(['id', 'currency', 'amount_due', 'due_date', 'issued_at'])
    .where('debtor_id', '=', debtorId)
    // A claim withdrawn before anything was paid on it is no part of the claim any more.
    .where('amount_due', '>', 0)
    .where((eb) => eb.or([eb('amount_paid', '<', eb.ref('amount_due')), eb('updated_at', '>=', openedAt)]))
    .execute();
  const currency = invoices[0]?.currency;
  if (!currency) return undefined;
  const included = new Set(invoices.map((i) => i.id));
  const payments = await db
    .selectFrom('payments')
    .select(['id', 'amount', 'paid_at', 'allocations', 'created_at'])
    .where('debtor_id', '=', debtorId)
    .execute();
  const reminders = await db
    .selectFrom('outbox')
    .select(['idempotency_key', 'sent_at'])
    .where('debtor_id', '=', debtorId)
    .where('template', 'in', DUNNING_TEMPLATES)
    .where('status', 'in', ['sent', 'delivered'])
    .where('sent_at', '>=', openedAt)
    .execute();
  const day = (at: Date) => localDate(at, debtor.timezone);
  // One reminder per step, however many channels carried it: the key is <step>/<channel>.
  const steps = new Map<string, string>();
  for (const r of reminders) {
    const step = r.idempotency_key.slice(0, r.idempotency_key.lastIndexOf('/'));
    const sent = r.sent_at ? day(r.sent_at) : undefined;
    const earlier = steps.get(step);
    if (sent && (!earlier || sent < earlier)) steps.set(step, sent);
  }
  const terms = claimTermsFor(policy, { segment: found?.segment ?? '', currency, country: debtor.country });
  return computeClaim(
    {
      currency,
      debtorType: debtor.debtor_type,
      invoices: invoices.map((i) => ({
        id: i.id,
        amount: i.amount_due,
        dueDate: i.due_date,
        issuedOn: day(i.issued_at),
      })),
      // A payment counts with what it paid on the claim's invoices, and whole when made during the case.
      payments: payments.flatMap((p) => {
        const onClaim = p.allocations
          .filter((a) => included.has(a.invoiceId))
          .reduce((s, a) => s + a.amount, 0);
        const amount = p.created_at >= openedAt ? p.amount : onClaim;
        return amount > 0 ? [{ id: p.id, amount, paidOn: day(p.paid_at) }] : [];
      }),
      reminders: [...steps.values()],
      asOf: day(now),
    },
    terms,
  );
}
