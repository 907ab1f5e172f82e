import { sql } from 'kysely';
import {
  claimTermsFor,
  computeClaim,
  type ClaimBreakdown,
  type CreditorPolicy,
} from '../domain/claim/index.js';
import { localDate } from '../domain/dates.js';
import type { Database } from './database.js';
import { selectInOneStatement } from './one-statement.js';

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
  return (await loadClaims(db, [debtorId], now, policy)).get(debtorId);
}

/** The debtor columns a claim needs. */
export interface ClaimDebtor {
  id: string;
  timezone: string;
  country: string | null;
  debtor_type: 'consumer' | 'business';
}

/**
 * The rows a claim is computed from, as queries to read with others in one statement
 * (`selectInOneStatement`; `claimDateColumns` names their timestamps): the case, the invoices still
 * open or settled during the case, the payments, the reminders sent during the case.
 */
export function claimQueries(db: Database, debtorIds: readonly string[], now: Date) {
  // Since when the case runs: its opening, or now for a case only opening.
  const since = (table: 'invoices' | 'outbox') =>
    sql<Date>`coalesce((select c.opened_at from cases c where c.debtor_id = ${sql.ref(`${table}.debtor_id`)}), ${now})`;
  return {
    claimCases: db
      .selectFrom('cases')
      .select(['debtor_id', 'segment', 'opened_at'])
      .where('debtor_id', 'in', debtorIds),
    claimInvoices: db
      .selectFrom('invoices')
      .select(['debtor_id', 'id', 'currency', 'amount_due', 'due_date', 'issued_at'])
      .where('debtor_id', 'in', debtorIds)
      // A claim withdrawn before anything was paid on it is no part of the claim any more.
      .where('amount_due', '>', 0)
      .where((eb) =>
        eb.or([eb('amount_paid', '<', eb.ref('amount_due')), eb('updated_at', '>=', since('invoices'))]),
      ),
    payments: db
      .selectFrom('payments')
      .select(['debtor_id', 'id', 'amount', 'paid_at', 'allocations', 'created_at'])
      .where('debtor_id', 'in', debtorIds),
    reminders: db
      .selectFrom('outbox')
      .select(['debtor_id', 'idempotency_key', 'sent_at'])
      .where('debtor_id', 'in', debtorIds)
      .where('template', 'in', DUNNING_TEMPLATES)
      .where('status', 'in', ['sent', 'delivered'])
      .where('sent_at', '>=', since('outbox')),
  };
}

export const claimDateColumns = {
  claimCases: ['opened_at'],
  claimInvoices: ['issued_at'],
  payments: ['paid_at', 'created_at'],
  reminders: ['sent_at'],
} as const;

type ClaimQueries = ReturnType<typeof claimQueries>;
type ClaimRows = { [K in keyof ClaimQueries]: Awaited<ReturnType<ClaimQueries[K]['execute']>> };

/** loadClaim for many debtors, in one statement. */
export async function loadClaims(
  db: Database,
  debtorIds: readonly string[],
  now: Date,
  policy: CreditorPolicy,
): Promise<Map<string, ClaimBreakdown | undefined>> {
  if (debtorIds.length === 0) return new Map();
  const rows = await selectInOneStatement(
    db,
    {
      debtors: db
        .selectFrom('debtors')
        .select(['id', 'timezone', 'country', 'debtor_type'])
        .where('id', 'in', debtorIds),
      ...claimQueries(db, debtorIds, now),
    },
    claimDateColumns,
  );
  return claimsFrom(rows.debtors, rows, now, policy);
}

/** The claims of these debtors, from their rows (`claimQueries`); none for a debtor without invoices. */
export function claimsFrom(
  debtors: readonly ClaimDebtor[],
  { claimCases: cases, claimInvoices: invoices, payments, reminders }: ClaimRows,
  now: Date,
  policy: CreditorPolicy,
): Map<string, ClaimBreakdown | undefined> {
  const claims = new Map<string, ClaimBreakdown | undefined>();
  for (const debtor of debtors) {
    const found = cases.find((c) => c.debtor_id === debtor.id);
    const openedAt = found?.opened_at ?? now;
    const mine = invoices.filter((i) => i.debtor_id === debtor.id);
    const currency = mine[0]?.currency;
    if (!currency) continue;
    const included = new Set(mine.map((i) => i.id));
    const day = (at: Date) => localDate(at, debtor.timezone);
    // One reminder per step, however many channels carried it: the key is <step>/<channel>.
    const steps = new Map<string, string>();
    for (const r of reminders) {
      if (r.debtor_id !== debtor.id) continue;
      const step = r.idempotency_key.slice(0, r.idempotency_key.lastIndexOf('/'));
      const sent = r.sent_at ? day(r.sent_at) : undefined;
      const earlier = steps.get(step);
      if (sent && (!earlier || sent < earlier)) steps.set(step, sent);
    }
    const terms = claimTermsFor(policy, { segment: found?.segment ?? '', currency, country: debtor.country });
    claims.set(
      debtor.id,
      computeClaim(
        {
          currency,
          debtorType: debtor.debtor_type,
          invoices: mine.map((i) => ({
            id: i.id,
            amount: i.amount_due,
            dueDate: i.due_date,
            issuedOn: day(i.issued_at),
          })),
          // A payment counts with what it paid on the claim's invoices, and whole when made during the case.
          payments: payments.flatMap((p) => {
            if (p.debtor_id !== debtor.id) return [];
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
      ),
    );
  }
  return claims;
}
