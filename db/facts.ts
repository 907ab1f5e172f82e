import type { CaseFacts } from '../domain/case.js';
import { defaultCreditorPolicy, type ClaimBreakdown, type CreditorPolicy } from '../domain/claim/index.js';
import { postalAddressSchema, type PostalAddress } from '../domain/postal-address.js';
import { daysPastDue } from '../domain/dates.js';
import { claimDateColumns, claimQueries, claimsFrom } from './claim.js';
import type { Database } from './database.js';
import { selectInOneStatement } from './one-statement.js';
import type { DebtorRow } from './schema.js';

export interface OpenInvoice {
  id: string;
  currency: string;
  open: number;
  dueDate: string;
}

export interface DebtorFacts extends CaseFacts {
  debtor: DebtorRow | undefined;
  openInvoices: OpenInvoice[];
  /** Addresses the debtor may be written to: consent given, not opted out, not known invalid. */
  email: string | undefined;
  sms: string | undefined;
  /** Where a letter goes: the debtor's postal address, when it passes its country's checks. */
  postalAddress: PostalAddress | undefined;
  /** The claim of the current case (undefined before a case opens): `openAmount` is its `open`. */
  claim: ClaimBreakdown | undefined;
}

/**
 * Everything a decision about contacting the debtor needs, read fresh from the database.
 *
 * `openAmount` is what the debtor owes: the case's open claim (principal + interest + fees − paid,
 * payments allocated per the creditor policy), the one figure that portal, plans, messages, the
 * workflow's `paid` and the KPIs use. Before a case opens there is no claim yet: then it is the
 * open principal of the invoices. When the principal is settled but interest or fees are still
 * open, the case stays open and counts its days past due from its oldest invoice.
 */
export async function loadDebtorFacts(
  db: Database,
  debtorId: string,
  asOf: Date,
  policy: CreditorPolicy = defaultCreditorPolicy(),
): Promise<DebtorFacts> {
  return (await loadDebtorsFacts(db, [debtorId], asOf, policy)).get(debtorId)!;
}

/**
 * The rows a debtor's facts are built from, as queries to read with others in one statement
 * (`selectInOneStatement`, `factDateColumns`): the debtor, the open invoices, the contact points
 * (every channel: the snapshot shows all of them), and the claim's rows.
 */
export function factQueries(db: Database, debtorIds: readonly string[], asOf: Date) {
  return {
    debtors: db.selectFrom('debtors').selectAll().where('id', 'in', debtorIds),
    openInvoices: db
      .selectFrom('invoices')
      .select(['debtor_id', 'id', 'currency', 'amount_due', 'amount_paid', 'due_date'])
      .where('debtor_id', 'in', debtorIds)
      .whereRef('amount_paid', '<', 'amount_due')
      .orderBy('due_date')
      .orderBy('id'),
    points: db
      .selectFrom('contact_points')
      .select(['debtor_id', 'channel', 'address', 'consent', 'opted_out_at', 'invalid_at'])
      .where('debtor_id', 'in', debtorIds),
    ...claimQueries(db, debtorIds, asOf),
  };
}

export const factDateColumns = {
  debtors: ['created_at', 'updated_at', 'erased_at'],
  points: ['opted_out_at', 'invalid_at'],
  ...claimDateColumns,
} as const;

type FactQueries = ReturnType<typeof factQueries>;
export type FactRows = { [K in keyof FactQueries]: Awaited<ReturnType<FactQueries[K]['execute']>> };

/** loadDebtorFacts for many debtors, in one statement. */
export async function loadDebtorsFacts(
  db: Database,
  debtorIds: readonly string[],
  asOf: Date,
  policy: CreditorPolicy = defaultCreditorPolicy(),
): Promise<Map<string, DebtorFacts>> {
  if (debtorIds.length === 0) return new Map();
  const rows = await selectInOneStatement(db, factQueries(db, debtorIds, asOf), factDateColumns);
  return debtorsFactsFrom(rows, debtorIds, asOf, policy);
}

/** The facts of these debtors, from their rows (`factQueries`). */
export function debtorsFactsFrom(
  rows: FactRows,
  debtorIds: readonly string[],
  asOf: Date,
  policy: CreditorPolicy,
): Map<string, DebtorFacts> {
  const { debtors, openInvoices: invoices, points } = rows;
  const claims = claimsFrom(debtors, rows, asOf, policy);
  return new Map(
    debtorIds.map((debtorId) => {
      const debtor = debtors.find((d) => d.id === debtorId);
      const reachable = (channel: 'email' | 'sms') =>
        points.find(
          (p) =>
            p.debtor_id === debtorId &&
            p.channel === channel &&
            p.consent &&
            !p.opted_out_at &&
            !p.invalid_at,
        )?.address;
      const openInvoices = invoices
        .filter((i) => i.debtor_id === debtorId)
        .map((i) => ({
          id: i.id,
          currency: i.currency,
          open: i.amount_due - i.amount_paid,
          dueDate: i.due_date,
        }));
      const timezone = debtor?.timezone ?? 'UTC';
      const claim = claims.get(debtorId);
      const openAmount = claim ? claim.open : openInvoices.reduce((sum, i) => sum + i.open, 0);
      const oldestDueDate =
        openInvoices[0]?.dueDate ?? (claim && claim.open > 0 ? oldestPrincipalDue(claim) : undefined);
      const email = reachable('email');
      const facts: DebtorFacts = {
        debtorExists: debtor !== undefined,
        debtor,
        locale: debtor?.locale ?? 'en',
        timezone,
        openAmount,
        currency: openInvoices[0]?.currency ?? (openAmount > 0 ? claim?.currency : undefined) ?? null,
        openInvoiceCount: openInvoices.length,
        daysPastDue: oldestDueDate ? daysPastDue(oldestDueDate, asOf, timezone) : 0,
        oldestDueDate: oldestDueDate ?? null,
        emailReachable: email !== undefined,
        email,
        sms: reachable('sms'),
        postalAddress: postalAddressSchema.safeParse(debtor?.postal_address).data,
        openInvoices,
        claim,
      };
      return [debtorId, facts];
    }),
  );
}

const oldestPrincipalDue = (claim: ClaimBreakdown): string | undefined =>
  claim.lines.flatMap((l) => (l.kind === 'principal' ? [l.dueDate] : [])).sort()[0];
