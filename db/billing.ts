import { sql } from 'kysely';
import type { ContactChannel } from './schema.js';
import { recordCaseEvent, recordCaseEvents } from './case-events.js';
import { auditAll } from './audit.js';
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

/** One debtor profile or one invoice as billing sends it, for the functions that write many at once. */
export interface DebtorWrite {
  debtorId: string;
  profile: DebtorProfile;
}

export interface InvoiceWrite {
  debtorId: string;
  invoiceId: string;
  invoice: InvoiceInput;
}

/** Per write, in the order given: what it did, or why it was refused (nothing of it is stored then). */
export type WriteResult<T> = { ok: true; value: T } | { ok: false; error: ConflictError | NotFoundError };

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
  return one(db, (trx) => upsertDebtors(trx, [{ debtorId, profile: p }]));
}

/**
 * upsertDebtor for many debtors (each at most once) in a few statements, inside the caller's
 * transaction: the bulk import writes a batch of rows at once. An erased debtor is refused alone.
 */
export async function upsertDebtors(
  trx: Database,
  writes: readonly DebtorWrite[],
): Promise<WriteResult<{ created: boolean }>[]> {
  if (writes.length === 0) return [];
  const befores = new Map(
    (
      await trx
        .selectFrom('debtors')
        .select(['id', 'flags', 'flag_sources', 'preferred_channel', 'preferred_channel_source', 'erased_at'])
        .where('id', 'in', distinctIds(writes))
        .forUpdate()
        .execute()
    ).map((row) => [row.id, row]),
  );
  // Erased data must not come back under the same id, where no export or erasure would find it again.
  const refused = (debtorId: string) => {
    const erasedAt = befores.get(debtorId)?.erased_at;
    return erasedAt
      ? new ConflictError(
          `debtor ${debtorId} was erased on request on ${erasedAt.toISOString().slice(0, 10)}: its id is not reused; send the debtor under a new id`,
          'debtorId',
        )
      : undefined;
  };
  const accepted = writes.filter((w) => !refused(w.debtorId));
  const now = new Date();
  const rows = accepted.map(({ debtorId, profile: p }) => {
    const before = befores.get(debtorId);
    const flags = flagsAfterBilling(before?.flags ?? [], before?.flag_sources ?? {}, p.flags ?? []);
    const keepPreferred = learnedInMahnwerk(before?.preferred_channel_source);
    return {
      id: debtorId,
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
      updated_at: now,
      changedFlags: before &&
        JSON.stringify(before.flags) !== JSON.stringify(flags.flags) && {
          before: before.flags,
          after: flags.flags,
        },
    };
  });
  await auditAll(
    trx,
    rows.flatMap(({ id, changedFlags }) =>
      changedFlags
        ? [
            {
              actor: 'billing',
              action: 'flags.changed' as const,
              debtorId: id,
              detail: { ...changedFlags, source: 'billing' },
            },
          ]
        : [],
    ),
  );
  const created = new Set<string>();
  if (rows.length > 0) {
    // xmax = 0 only on a freshly inserted row: tells "created" from "updated" even under concurrency.
    const upserted = await trx
      .insertInto('debtors')
      .values(rows.map(({ changedFlags: _, ...row }) => row))
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          locale: eb.ref('excluded.locale'),
          timezone: eb.ref('excluded.timezone'),
          country: eb.ref('excluded.country'),
          preferred_channel: eb.ref('excluded.preferred_channel'),
          preferred_channel_source: eb.ref('excluded.preferred_channel_source'),
          customer_value: eb.ref('excluded.customer_value'),
          digital_affinity: eb.ref('excluded.digital_affinity'),
          flags: eb.ref('excluded.flags'),
          flag_sources: eb.ref('excluded.flag_sources'),
          payment_history: eb.ref('excluded.payment_history'),
          attributes: eb.ref('excluded.attributes'),
          debtor_type: eb.ref('excluded.debtor_type'),
          postal_address: eb.ref('excluded.postal_address'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .returning(['id', sql<boolean>`(xmax = 0)`.as('inserted')])
      .execute();
    for (const { id, inserted } of upserted) if (inserted) created.add(id);
  }
  await writeContactPoints(trx, accepted, now);
  await recordCaseEvents(
    trx,
    accepted.map(({ debtorId }) =>
      created.has(debtorId)
        ? { debtorId, source: 'api', type: 'debtor-created', summary: 'Debtor profile created by billing' }
        : { debtorId, source: 'api', type: 'debtor-updated', summary: 'Debtor profile updated by billing' },
    ),
  );
  return writes.map(({ debtorId }) => {
    const error = refused(debtorId);
    return error ? { ok: false, error } : { ok: true, value: { created: created.has(debtorId) } };
  });
}

/**
 * The e-mail address, the phone (for SMS and calls) and their consents as billing sent them; a
 * channel without an address is removed. A consent the debtor or an agent gave (or withheld) for
 * the same address is theirs to change, and an opt-out or a bounce stays while the address does.
 */
async function writeContactPoints(trx: Database, writes: readonly DebtorWrite[], now: Date): Promise<void> {
  const wanted = writes.flatMap(({ debtorId, profile: p }) =>
    (
      [
        { channel: 'email', address: p.email, consent: p.consents?.email ?? DEFAULT_CONSENTS.email },
        { channel: 'sms', address: p.phone, consent: p.consents?.sms ?? DEFAULT_CONSENTS.sms },
        { channel: 'call', address: p.phone, consent: p.consents?.call ?? DEFAULT_CONSENTS.call },
      ] as const
    ).map((point) => ({ debtorId, ...point })),
  );
  const removed = wanted.filter((w) => !w.address);
  if (removed.length > 0) {
    await trx
      .deleteFrom('contact_points')
      .where((eb) =>
        eb.or(
          removed.map(({ debtorId, channel }) =>
            eb.and([eb('debtor_id', '=', debtorId), eb('channel', '=', channel)]),
          ),
        ),
      )
      .execute();
  }
  const kept = wanted.flatMap(({ debtorId, channel, address, consent }) =>
    address
      ? [
          {
            debtor_id: debtorId,
            channel: channel as ContactChannel,
            address,
            consent,
            consent_source: 'billing',
            opted_out_at: null,
            invalid_at: null,
            updated_at: now,
          },
        ]
      : [],
  );
  if (kept.length === 0) return;
  const sameAddress = sql<boolean>`contact_points.address = excluded.address`;
  const learned = sql<boolean>`${sameAddress} and coalesce(contact_points.consent_source, 'billing') <> 'billing'`;
  await trx
    .insertInto('contact_points')
    .values(kept)
    .onConflict((oc) =>
      oc.columns(['debtor_id', 'channel']).doUpdateSet((eb) => ({
        address: eb.ref('excluded.address'),
        consent: sql`case when ${learned} then contact_points.consent else excluded.consent end`,
        consent_source: sql`case when ${learned} then contact_points.consent_source else 'billing' end`,
        opted_out_at: sql`case when ${sameAddress} then contact_points.opted_out_at end`,
        invalid_at: sql`case when ${sameAddress} then contact_points.invalid_at end`,
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

export type InvoiceInput = Invoice;

export type InvoiceChange = 'created' | 'updated' | 'unchanged';

export async function recordInvoice(
  db: Database,
  debtorId: string,
  invoiceId: string,
  inv: InvoiceInput,
): Promise<{ change: InvoiceChange; openAmount: number }> {
  return one(db, (trx) => recordInvoices(trx, [{ debtorId, invoiceId, invoice: inv }]));
}

/**
 * recordInvoice for many debtors (one invoice each) in a few statements, inside the caller's
 * transaction; a refused invoice (unknown debtor, another currency, withdrawn) is refused alone.
 * `openAmount` is what the debtor owes on all invoices afterwards.
 */
export async function recordInvoices(
  trx: Database,
  writes: readonly InvoiceWrite[],
): Promise<WriteResult<{ change: InvoiceChange; openAmount: number }>[]> {
  if (writes.length === 0) return [];
  const ids = distinctIds(writes);
  // Billing writes for one debtor run one after the other: the row lock makes "read, compare,
  // write" safe when billing sends the same call twenty times at once.
  const known = new Set(
    (await trx.selectFrom('debtors').select('id').where('id', 'in', ids).forUpdate().execute()).map(
      (d) => d.id,
    ),
  );
  const stored = await trx
    .selectFrom('invoices')
    .select([
      'debtor_id',
      'id',
      'currency',
      'amount_due',
      'amount_paid',
      'due_date',
      'issued_at',
      'withdrawn_at',
    ])
    .where('debtor_id', 'in', ids)
    .execute();
  const results = writes.map((write) => checkInvoice(write, known, stored));
  const changed = writes.flatMap((write, i) => {
    const result = results[i]!;
    return result.ok && result.value.change !== 'unchanged' ? [{ write, ...result.value }] : [];
  });
  if (changed.length > 0) {
    await trx
      .insertInto('invoices')
      .values(
        changed.map(({ write: { debtorId, invoiceId, invoice } }) => ({
          debtor_id: debtorId,
          id: invoiceId,
          currency: invoice.currency,
          amount_due: invoice.amountDue,
          due_date: invoice.dueDate,
          issued_at: invoice.issuedAt,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['debtor_id', 'id']).doUpdateSet((eb) => ({
          currency: eb.ref('excluded.currency'),
          amount_due: eb.ref('excluded.amount_due'),
          due_date: eb.ref('excluded.due_date'),
          issued_at: eb.ref('excluded.issued_at'),
          updated_at: new Date(),
        })),
      )
      .execute();
  }
  await recordCaseEvents(
    trx,
    changed.map(({ write: { debtorId, invoiceId, invoice: inv }, change, reducedFrom }) => {
      const data = { invoiceId, amountDue: inv.amountDue, currency: inv.currency, dueDate: inv.dueDate };
      return reducedFrom === undefined
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
          };
    }),
  );
  return results.map((result) =>
    result.ok
      ? { ok: true, value: { change: result.value.change, openAmount: result.value.openAmount } }
      : result,
  );
}

type StoredInvoice = {
  debtor_id: string;
  id: string;
  currency: string;
  amount_due: number;
  amount_paid: number;
  due_date: string;
  issued_at: Date;
  withdrawn_at: Date | null;
};

/** What recording the invoice does to the debtor's stored ones, or why it is refused. */
function checkInvoice(
  { debtorId, invoiceId, invoice: inv }: InvoiceWrite,
  knownDebtors: ReadonlySet<string>,
  stored: readonly StoredInvoice[],
): WriteResult<{ change: InvoiceChange; openAmount: number; reducedFrom: number | undefined }> {
  const refuse = (error: ConflictError | NotFoundError) => ({ ok: false, error }) as const;
  if (!knownDebtors.has(debtorId))
    return refuse(
      new NotFoundError(`debtor ${debtorId} is unknown: PUT /v1/debtors/${debtorId} first`, 'debtorId'),
    );
  const mine = stored.filter((i) => i.debtor_id === debtorId);
  const otherCurrency = mine.find(
    (i) => i.id !== invoiceId && i.amount_paid < i.amount_due && i.currency !== inv.currency,
  );
  if (otherCurrency) {
    return refuse(
      new ConflictError(
        `the debtor's open invoices are in ${otherCurrency.currency}; a case runs in one currency`,
        'currency',
      ),
    );
  }
  const existing = mine.find((i) => i.id === invoiceId);
  if (existing?.withdrawn_at) {
    return refuse(
      new ConflictError(
        `invoice ${invoiceId} was withdrawn on ${existing.withdrawn_at.toISOString()}; record a new claim under a new invoiceId`,
        'invoiceId',
      ),
    );
  }
  let change: InvoiceChange = 'created';
  if (existing) {
    if (existing.currency !== inv.currency && existing.amount_paid > 0)
      return refuse(new ConflictError('the invoice already has payments in another currency', 'currency'));
    if (inv.amountDue < existing.amount_paid) {
      return refuse(
        new ConflictError(
          `amountDue is below the ${existing.amount_paid} already paid on this invoice`,
          'amountDue',
        ),
      );
    }
    const same =
      existing.currency === inv.currency &&
      existing.amount_due === inv.amountDue &&
      existing.due_date === inv.dueDate &&
      existing.issued_at.getTime() === new Date(inv.issuedAt).getTime();
    change = same ? 'unchanged' : 'updated';
  }
  const others = mine
    .filter((i) => i.id !== invoiceId)
    .reduce((sum, i) => sum + i.amount_due - i.amount_paid, 0);
  const paid = existing?.amount_paid ?? 0;
  const openAmount = others + (change === 'unchanged' ? existing!.amount_due : inv.amountDue) - paid;
  const reducedFrom =
    existing && existing.currency === inv.currency && inv.amountDue < existing.amount_due
      ? existing.amount_due
      : undefined;
  return {
    ok: true,
    value: { change, openAmount, reducedFrom: change === 'unchanged' ? undefined : reducedFrom },
  };
}

/** A write of one row in a transaction of its own: its refusal is thrown, as callers of one row expect. */
async function one<T>(db: Database, write: (trx: Database) => Promise<WriteResult<T>[]>): Promise<T> {
  const [result] = await db.transaction().execute(write);
  if (!result) throw new Error('nothing was written');
  if (!result.ok) throw result.error;
  return result.value;
}

function distinctIds(writes: readonly { debtorId: string }[]): string[] {
  const ids = [...new Set(writes.map((w) => w.debtorId))];
  if (ids.length !== writes.length) throw new Error('one write per debtor at a time');
  return ids;
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
