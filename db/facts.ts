import type { CaseFacts } from '../domain/case.js';
import { postalAddressSchema, type PostalAddress } from '../domain/postal-address.js';
import { daysPastDue } from '../domain/dates.js';
import type { Database } from './database.js';
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
}

/** Everything a decision about contacting the debtor needs, read fresh from the database. */
export async function loadDebtorFacts(db: Database, debtorId: string, asOf: Date): Promise<DebtorFacts> {
  const debtor = await db.selectFrom('debtors').selectAll().where('id', '=', debtorId).executeTakeFirst();
  const invoices = await db
    .selectFrom('invoices')
    .select(['id', 'currency', 'amount_due', 'amount_paid', 'due_date'])
    .where('debtor_id', '=', debtorId)
    .whereRef('amount_paid', '<', 'amount_due')
    .orderBy('due_date')
    .orderBy('id')
    .execute();
  const points = await db
    .selectFrom('contact_points')
    .select(['channel', 'address', 'consent', 'opted_out_at', 'invalid_at'])
    .where('debtor_id', '=', debtorId)
    .where('channel', 'in', ['email', 'sms'])
    .execute();
  const reachable = (channel: 'email' | 'sms') =>
    points.find((p) => p.channel === channel && p.consent && !p.opted_out_at && !p.invalid_at)?.address;
  const openInvoices = invoices.map((i) => ({
    id: i.id,
    currency: i.currency,
    open: i.amount_due - i.amount_paid,
    dueDate: i.due_date,
  }));
  const timezone = debtor?.timezone ?? 'UTC';
  const oldest = openInvoices[0];
  const email = reachable('email');
  return {
    debtorExists: debtor !== undefined,
    debtor,
    locale: debtor?.locale ?? 'en',
    timezone,
    openAmount: openInvoices.reduce((sum, i) => sum + i.open, 0),
    currency: oldest?.currency ?? null,
    openInvoiceCount: openInvoices.length,
    daysPastDue: oldest ? daysPastDue(oldest.dueDate, asOf, timezone) : 0,
    oldestDueDate: oldest?.dueDate ?? null,
    emailReachable: email !== undefined,
    email,
    sms: reachable('sms'),
    postalAddress: postalAddressSchema.safeParse(debtor?.postal_address).data,
    openInvoices,
  };
}
