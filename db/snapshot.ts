import { defaultCreditorPolicy, type CreditorPolicy } from '../domain/claim/index.js';
import type { ContactRecord } from '../domain/contact-policy/index.js';
import { postalAddressSchema } from '../domain/postal-address.js';
import {
  letterContactPoint,
  type Channel,
  type DebtorFlag,
  type DebtorSnapshot,
} from '../domain/segmentation/types.js';
import type { Database } from './database.js';
import { debtorsFactsFrom, factDateColumns, factQueries } from './facts.js';
import { selectInOneStatement } from './one-statement.js';

export interface CaseSnapshot {
  snapshot: DebtorSnapshot;
  /** Earlier contacts, for the contact policy's frequency caps. */
  history: ContactRecord[];
  /** Everything the debtor has paid so far (minor units): payment plans count the instalments from it. */
  paidTotal: number;
  /** Billing withdrew part of this case's claim (DELETE of an invoice): settled, it closes cancelled, not paid. */
  claimWithdrawn: boolean;
  /** The due date of the oldest open invoice (YYYY-MM-DD); absent in histories recorded before it. */
  oldestDueDate?: string | null;
}

const HISTORY_DAYS = 30;

/** The debtor as segmentation and the contact policy see it: facts only, no addresses. */
export async function loadCaseSnapshot(
  db: Database,
  debtorId: string,
  asOf: Date,
  creditorPolicy?: CreditorPolicy,
): Promise<CaseSnapshot> {
  return (await loadCaseSnapshots(db, [debtorId], asOf, creditorPolicy)).get(debtorId)!;
}

/** loadCaseSnapshot for many debtors, in one statement (a bulk import opens a batch of cases). */
export async function loadCaseSnapshots(
  db: Database,
  debtorIds: readonly string[],
  asOf: Date,
  creditorPolicy: CreditorPolicy = defaultCreditorPolicy(),
): Promise<Map<string, CaseSnapshot>> {
  if (debtorIds.length === 0) return new Map();
  const historySince = new Date(asOf.getTime() - HISTORY_DAYS * 86_400_000);
  const rows = await selectInOneStatement(
    db,
    {
      ...factQueries(db, debtorIds, asOf),
      sent: db
        .selectFrom('outbox')
        .select(['debtor_id', 'channel', 'sent_at'])
        .where('debtor_id', 'in', debtorIds)
        .where('status', 'in', ['sent', 'delivered'])
        .where('sent_at', '>', historySince),
      // Calls agents reported: attempts and conversations count against the call caps.
      calls: db
        .selectFrom('agent_tasks')
        .select(['debtor_id', 'call_result', 'closed_at'])
        .where('debtor_id', 'in', debtorIds)
        .where('call_result', 'is not', null)
        .where('closed_at', '>', historySince),
      withdrawn: db
        .selectFrom('invoices')
        .innerJoin('cases', 'cases.debtor_id', 'invoices.debtor_id')
        .select('invoices.debtor_id')
        .distinct()
        .where('invoices.debtor_id', 'in', debtorIds)
        .where('invoices.withdrawn_amount', '>', 0)
        .whereRef('invoices.withdrawn_at', '>=', 'cases.opened_at'),
    },
    { ...factDateColumns, sent: ['sent_at'], calls: ['closed_at'] },
  );
  const allFacts = debtorsFactsFrom(rows, debtorIds, asOf, creditorPolicy);
  const { points, sent, calls, payments, withdrawn } = rows;
  return new Map(
    debtorIds.map((debtorId) => {
      const facts = allFacts.get(debtorId)!;
      const debtor = facts.debtor;
      const preferred = debtor?.preferred_channel;
      const snapshot: CaseSnapshot = {
        snapshot: {
          debtorId,
          locale: debtor?.locale ?? null,
          timezone: debtor?.timezone ?? null,
          country: debtor?.country ?? null,
          flags: (debtor?.flags ?? []) as DebtorFlag[],
          customerValue: debtor?.customer_value ?? null,
          digitalAffinity: debtor?.digital_affinity ?? null,
          preferredChannel:
            preferred === 'email' || preferred === 'sms' || preferred === 'call' || preferred === 'portal'
              ? preferred
              : null,
          paymentHistory: debtor?.payment_history ?? {},
          openAmount: facts.openAmount,
          currency: facts.currency,
          daysPastDue: facts.daysPastDue,
          openInvoiceCount: facts.openInvoiceCount,
          contactPoints: [
            ...points
              .filter((p) => p.debtor_id === debtorId)
              .map((p) => ({
                channel: p.channel,
                consent: p.consent,
                optedOut: p.opted_out_at !== null,
                invalid: p.invalid_at !== null,
              })),
            // Checked again: an address stored before its country's postcode rule cannot be printed.
            ...(postalAddressSchema.safeParse(debtor?.postal_address).success ? [letterContactPoint] : []),
          ],
          brokenPromisesInCase: 0,
          portalVisits: 0,
        },
        history: [
          ...sent.flatMap((s) =>
            s.debtor_id === debtorId && s.sent_at
              ? [{ channel: s.channel as Channel, at: s.sent_at.getTime(), outcome: 'attempt' as const }]
              : [],
          ),
          ...calls.flatMap((c) =>
            c.debtor_id === debtorId && c.closed_at && c.call_result
              ? [{ channel: 'call' as const, at: c.closed_at.getTime(), outcome: c.call_result }]
              : [],
          ),
        ],
        paidTotal: payments.reduce((sum, p) => (p.debtor_id === debtorId ? sum + p.amount : sum), 0),
        claimWithdrawn: withdrawn.some((w) => w.debtor_id === debtorId),
        oldestDueDate: facts.oldestDueDate,
      };
      return [debtorId, snapshot];
    }),
  );
}
