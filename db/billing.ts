import { sql } from 'kysely';
import type { ContactChannel } from './schema.js';
import { recordCaseEvent } from './case-events.js';
import { audit } from './audit.js';
import type { Database } from './database.js';
import { DEFAULT_CONSENTS, type DebtorProfile, type Invoice } from '../domain/debtor.js';
import { flagsAfterBilling, learnedInMahnwerk } from '../domain/field-ownership.js';

export type { DebtorProfile };

export class ConflictError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

export class NotFoundError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/**
 * PUT semantics: billing's part of the profile is replaced. What Mahnwerk learned stays (see
 * domain/field-ownership.ts): flags, the preferred channel and consents set by an agent or the
 * debtor, and an opt-out as long as the address does not change.
 */
export async function upsertDebtor(
  db: Database,
  debtorId: string,
  p: DebtorProfile,
): Promise<{ created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('debtors')
      .select(['flags', 'flag_sources', 'preferred_channel', 'preferred_channel_source', 'erased_at'])
      .where('id', '=', debtorId)
      .forUpdate()
      .executeTakeFirst();
    // Erased data must not come back under the same id, where no export or erasure would find it again.
    if (before?.erased_at) {
      throw new ConflictError(
        `debtor ${debtorId} was erased on request on ${before.erased_at.toISOString().slice(0, 10)}: its id is not reused; send the debtor under a new id`,
        'debtorId',
      );
    }
    const flags = flagsAfterBilling(before?.flags ?? [], before?.flag_sources ?? {}, p.flags ?? []);
    if (before && JSON.stringify(before.flags) !== JSON.stringify(flags.flags)) {
      await audit(trx, {
        actor: 'billing',
        action: 'flags.changed',
        debtorId,
        detail: { before: before.flags, after: flags.flags, source: 'billing' },
      });
    }
    const keepPreferred = learnedInMahnwerk(before?.preferred_channel_source);
    const row = {
      name: p.name,
      locale: p.locale,
      timezone: p.timezone,
      country: p.country ?? null,
      preferred_channel: keepPreferred ? (before?.preferred_channel ?? null) : (p.preferredChannel ?? null),
      preferred_channel_source: keepPreferred ? (before?.preferred_channel_source ?? null) : 'billing',
      customer_value: p.customerValue ?? null,
      digital_affinity: p.digitalAffinity ?? null,
      flags: JSON.stringify(flags.flags),
      flag_sources: JSON.stringify(flags.sources),
      payment_history: JSON.stringify(p.paymentHistory ?? {}),
      attributes: JSON.stringify(p.attributes ?? {}),
      debtor_type: p.type ?? 'consumer',
      postal_address: p.address ? JSON.stringify(p.address) : null,
      updated_at: new Date(),
    };
    // xmax = 0 only on a freshly inserted row: tells "created" from "updated" even under concurrency.
    const { inserted } = await trx
      .insertInto('debtors')
      .values({ id: debtorId, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
      .executeTakeFirstOrThrow();
    const existed = !inserted;

    const wanted: { channel: ContactChannel; address: string | undefined; consent: boolean }[] = [
      { channel: 'email', address: p.email, consent: p.consents?.email ?? DEFAULT_CONSENTS.email },
      { channel: 'sms', address: p.phone, consent: p.consents?.sms ?? DEFAULT_CONSENTS.sms },
      { channel: 'call', address: p.phone, consent: p.consents?.call ?? DEFAULT_CONSENTS.call },
    ];
    for (const { channel, address, consent } of wanted) {
      if (!address) {
        await trx
          .deleteFrom('contact_points')
          .where('debtor_id', '=', debtorId)
          .where('channel', '=', channel)
          .execute();
        continue;
      }
      const sameAddress = sql<boolean>`contact_points.address = excluded.address`;
      // A consent the debtor or an agent gave (or withheld) for this address is theirs to change.
      const learned = sql<boolean>`${sameAddress} and coalesce(contact_points.consent_source, 'billing') <> 'billing'`;
      await trx
        .insertInto('contact_points')
        .values({
          debtor_id: debtorId,
          channel,
          address,
          consent,
          consent_source: 'billing',
          opted_out_at: null,
          invalid_at: null,
        })
        .onConflict((oc) =>
          oc.columns(['debtor_id', 'channel']).doUpdateSet({
            address,
            consent: sql`case when ${learned} then contact_points.consent else excluded.consent end`,
            consent_source: sql`case when ${learned} then contact_points.consent_source else 'billing' end`,
            opted_out_at: sql`case when ${sameAddress} then contact_points.opted_out_at end`,
            invalid_at: sql`case when ${sameAddress} then contact_points.invalid_at end`,
            updated_at: new Date(),
          }),
        )
        .execute();
    }
    await recordCaseEvent(trx, {
      debtorId,
      source: 'api',
      type: existed ? 'debtor-updated' : 'debtor-created',
      summary: existed ? 'Debtor profile updated by billing' : 'Debtor profile created by billing',
    });
    return { created: !existed };
  });
}

export type InvoiceInput = Invoice;

export type InvoiceChange = 'created' | 'updated' | 'unchanged';

export async function recordInvoice(
  db: Database,
  debtorId: string,
  invoiceId: string,
  inv: InvoiceInput,
): Promise<{ change: InvoiceChange; openAmount: number }> {
  return db.transaction().execute(async (trx) => {
    if (!(await lockDebtor(trx, debtorId)))
      throw new NotFoundError(`debtor ${debtorId} is unknown: PUT /v1/debtors/${debtorId} first`, 'debtorId');
    const otherCurrency = await trx
      .selectFrom('invoices')
      .select('currency')
      .where('debtor_id', '=', debtorId)
      .where('id', '!=', invoiceId)
      .whereRef('amount_paid', '<', 'amount_due')
      .where('currency', '!=', inv.currency)
      .executeTakeFirst();
    if (otherCurrency) {
      throw new ConflictError(
        `the debtor's open invoices are in ${otherCurrency.currency}; a case runs in one currency`,
        'currency',
      );
    }
    const existing = await trx
      .selectFrom('invoices')
      .selectAll()
      .where('debtor_id', '=', debtorId)
      .where('id', '=', invoiceId)
      .executeTakeFirst();
    let change: InvoiceChange = 'created';
    if (existing?.withdrawn_at) {
      throw new ConflictError(
        `invoice ${invoiceId} was withdrawn on ${existing.withdrawn_at.toISOString()}; record a new claim under a new invoiceId`,
        'invoiceId',
      );
    }
    if (existing) {
      const same =
        existing.currency === inv.currency &&
        existing.amount_due === inv.amountDue &&
        existing.due_date === inv.dueDate &&
        existing.issued_at.getTime() === new Date(inv.issuedAt).getTime();
      if (existing.currency !== inv.currency && existing.amount_paid > 0) {
        throw new ConflictError('the invoice already has payments in another currency', 'currency');
      }
      if (inv.amountDue < existing.amount_paid) {
        throw new ConflictError(
          `amountDue is below the ${existing.amount_paid} already paid on this invoice`,
          'amountDue',
        );
      }
      change = same ? 'unchanged' : 'updated';
    }
    if (change !== 'unchanged') {
      const row = {
        currency: inv.currency,
        amount_due: inv.amountDue,
        due_date: inv.dueDate,
        issued_at: inv.issuedAt,
      };
      await trx
        .insertInto('invoices')
        .values({ debtor_id: debtorId, id: invoiceId, ...row })
        .onConflict((oc) => oc.columns(['debtor_id', 'id']).doUpdateSet({ ...row, updated_at: new Date() }))
        .execute();
      const data = { invoiceId, amountDue: inv.amountDue, currency: inv.currency, dueDate: inv.dueDate };
      const reducedFrom =
        existing && existing.currency === inv.currency && inv.amountDue < existing.amount_due
          ? existing.amount_due
          : undefined;
      await recordCaseEvent(
        trx,
        reducedFrom === undefined
          ? {
              debtorId,
              source: 'api',
              type: `invoice-${change}`,
              summary: `Invoice ${invoiceId} ${change} by billing: ${inv.amountDue} ${inv.currency} due ${inv.dueDate}`,
              data,
            }
          : {
              debtorId,
              source: 'api',
              type: 'invoice-reduced',
              summary: `Invoice ${invoiceId} reduced by billing (credit note): ${reducedFrom} → ${inv.amountDue} ${inv.currency}`,
              data: { ...data, previousAmountDue: reducedFrom },
            },
      );
    }
    return { change, openAmount: await openAmount(trx, debtorId) };
  });
}

export type WithdrawalChange = 'withdrawn' | 'unchanged';

/**
 * Billing withdraws a claim (DELETE of an invoice): what is still open on it is written off the
 * claim, the row stays for the record. Withdrawing it again changes nothing.
 */
export async function withdrawInvoice(
  db: Database,
  debtorId: string,
  invoiceId: string,
): Promise<{ change: WithdrawalChange; openAmount: number }> {
  return db.transaction().execute(async (trx) => {
    if (!(await lockDebtor(trx, debtorId)))
      throw new NotFoundError(`debtor ${debtorId} is unknown`, 'debtorId');
    const invoice = await trx
      .selectFrom('invoices')
      .select(['currency', 'amount_due', 'amount_paid', 'withdrawn_at'])
      .where('debtor_id', '=', debtorId)
      .where('id', '=', invoiceId)
      .executeTakeFirst();
    if (!invoice)
      throw new NotFoundError(`invoice ${invoiceId} is unknown for debtor ${debtorId}`, 'invoiceId');
    if (invoice.withdrawn_at) return { change: 'unchanged', openAmount: await openAmount(trx, debtorId) };
    const withdrawn = invoice.amount_due - invoice.amount_paid;
    await trx
      .updateTable('invoices')
      .set({
        amount_due: invoice.amount_paid,
        withdrawn_amount: withdrawn,
        withdrawn_at: new Date(),
        updated_at: new Date(),
      })
      .where('debtor_id', '=', debtorId)
      .where('id', '=', invoiceId)
      .execute();
    await recordCaseEvent(trx, {
      debtorId,
      source: 'api',
      type: 'invoice-withdrawn',
      summary: `Invoice ${invoiceId} withdrawn by billing: ${withdrawn} ${invoice.currency} no longer claimed`,
      data: { invoiceId, amount: withdrawn, currency: invoice.currency },
    });
    return { change: 'withdrawn', openAmount: await openAmount(trx, debtorId) };
  });
}

/**
 * Billing writes for one debtor run one after the other: the row lock makes "read, compare, write"
 * safe when billing sends the same call twenty times at once.
 */
async function lockDebtor(db: Database, debtorId: string): Promise<boolean> {
  const row = await db
    .selectFrom('debtors')
    .select('id')
    .where('id', '=', debtorId)
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

async function openAmount(db: Database, debtorId: string): Promise<number> {
  const row = await db
    .selectFrom('invoices')
    .select(sql<string>`coalesce(sum(amount_due - amount_paid), 0)`.as('open'))
    .where('debtor_id', '=', debtorId)
    .executeTakeFirstOrThrow();
  return Number(row.open);
}

export interface PaymentInput {
  paymentId: string;
  amount: number;
  currency: string;
  invoiceId?: string | undefined;
  paidAt: string;
}

/**
 * Records a payment once per paymentId and applies it: to the named invoice first, then to the
 * oldest open invoices; anything left over stays as a credit on the payment.
 */
export async function recordPayment(
  db: Database,
  debtorId: string,
  p: PaymentInput,
): Promise<{ duplicate: boolean; openAmount: number }> {
  return db.transaction().execute(async (trx) => {
    if (!(await lockDebtor(trx, debtorId)))
      throw new NotFoundError(`debtor ${debtorId} is unknown`, 'debtorId');
    const existing = await trx
      .selectFrom('payments')
      .select(['debtor_id', 'amount', 'currency'])
      .where('id', '=', p.paymentId)
      .executeTakeFirst();
    if (existing) {
      if (
        existing.debtor_id !== debtorId ||
        existing.amount !== p.amount ||
        existing.currency !== p.currency
      ) {
        throw new ConflictError(`payment ${p.paymentId} was already recorded with other data`, 'paymentId');
      }
      return { duplicate: true, openAmount: await openAmount(trx, debtorId) };
    }
    const open = await trx
      .selectFrom('invoices')
      .select(['id', 'currency', 'amount_due', 'amount_paid'])
      .where('debtor_id', '=', debtorId)
      .whereRef('amount_paid', '<', 'amount_due')
      .orderBy('due_date')
      .orderBy('id')
      .forUpdate()
      .execute();
    if (p.invoiceId) {
      const named = await trx
        .selectFrom('invoices')
        .select(['currency'])
        .where('debtor_id', '=', debtorId)
        .where('id', '=', p.invoiceId)
        .executeTakeFirst();
      if (!named) throw new NotFoundError(`invoice ${p.invoiceId} is unknown for this debtor`, 'invoiceId');
      if (named.currency !== p.currency) {
        throw new ConflictError(
          `invoice ${p.invoiceId} is in ${named.currency}, the payment in ${p.currency}`,
          'currency',
        );
      }
    }
    const ordered = [
      ...open.filter((i) => i.id === p.invoiceId),
      ...open.filter((i) => i.id !== p.invoiceId),
    ].filter((i) => i.currency === p.currency);
    let left = p.amount;
    const allocations: { invoiceId: string; amount: number }[] = [];
    for (const inv of ordered) {
      if (left === 0) break;
      const applied = Math.min(left, inv.amount_due - inv.amount_paid);
      left -= applied;
      allocations.push({ invoiceId: inv.id, amount: applied });
      await trx
        .updateTable('invoices')
        .set({ amount_paid: inv.amount_paid + applied, updated_at: new Date() })
        .where('debtor_id', '=', debtorId)
        .where('id', '=', inv.id)
        .execute();
    }
    await trx
      .insertInto('payments')
      .values({
        id: p.paymentId,
        debtor_id: debtorId,
        invoice_id: p.invoiceId ?? null,
        amount: p.amount,
        currency: p.currency,
        paid_at: p.paidAt,
        allocations: JSON.stringify(allocations),
      })
      .execute();
    const remaining = await openAmount(trx, debtorId);
    await recordCaseEvent(trx, {
      debtorId,
      source: 'api',
      type: 'payment-recorded',
      summary: `Payment ${p.paymentId} of ${p.amount} ${p.currency} recorded${left > 0 ? ` (${left} left as credit)` : ''}; ${remaining} still open`,
      data: { paymentId: p.paymentId, amount: p.amount, currency: p.currency, allocations, credit: left },
    });
    return { duplicate: false, openAmount: remaining };
  });
}

/** The amount of one of the debtor's payments, if it was recorded (undefined for another debtor's). */
export function findDebtorPayment(db: Database, debtorId: string, paymentId: string) {
  return db
    .selectFrom('payments')
    .select(['amount'])
    .where('id', '=', paymentId)
    .where('debtor_id', '=', debtorId)
    .executeTakeFirst();
}
