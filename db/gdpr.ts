import { sql } from 'kysely';
import { audit } from './audit.js';
import { destroyDataKey } from './data-keys.js';
import type { Database } from './database.js';
import { loadDebtorProfile } from './debtors.js';
import { resolveNotes } from './notes.js';

/** The name and recipient a pseudonymised debtor keeps after an erasure. */
export const ERASED = 'erased';

/**
 * Everything held about a debtor (GDPR Art. 15), or undefined for an unknown or erased debtor.
 * Timeline notes appear in their words; messages with the text that was sent.
 */
export async function exportDebtor(db: Database, debtorId: string) {
  const debtor = await db
    .selectFrom('debtors')
    .select(['created_at', 'erased_at'])
    .where('id', '=', debtorId)
    .executeTakeFirst();
  const profile = await loadDebtorProfile(db, debtorId);
  if (!debtor || debtor.erased_at || !profile) return undefined;
  const timeline = await db
    .selectFrom('case_events')
    .select(['at', 'source', 'type', 'summary'])
    .where('debtor_id', '=', debtorId)
    .orderBy('id')
    .execute();
  const summaries = await resolveNotes(
    db,
    timeline.map((e) => e.summary),
  );
  return {
    debtorId,
    createdAt: debtor.created_at,
    profile,
    contactPoints: await db
      .selectFrom('contact_points')
      .select(['channel', 'address', 'consent', 'opted_out_at', 'invalid_at'])
      .where('debtor_id', '=', debtorId)
      .execute(),
    invoices: await db.selectFrom('invoices').selectAll().where('debtor_id', '=', debtorId).execute(),
    payments: await db.selectFrom('payments').selectAll().where('debtor_id', '=', debtorId).execute(),
    case:
      (await db.selectFrom('cases').selectAll().where('debtor_id', '=', debtorId).executeTakeFirst()) ?? null,
    timeline: timeline.map((event, i) => ({ ...event, summary: summaries[i] ?? event.summary })),
    messages: await db
      .selectFrom('outbox')
      .select(['channel', 'template', 'locale', 'recipient', 'content', 'status', 'created_at', 'sent_at'])
      .where('debtor_id', '=', debtorId)
      .orderBy('id')
      .execute(),
    portalEvents: await db
      .selectFrom('portal_events')
      .select(['at', 'type', 'channel', 'data'])
      .where('debtor_id', '=', debtorId)
      .orderBy('id')
      .execute(),
    tasks: await db
      .selectFrom('agent_tasks')
      .select(['kind', 'label', 'question', 'status', 'created_at', 'closed_at', 'outcome'])
      .where('debtor_id', '=', debtorId)
      .orderBy('id')
      .execute(),
    notes: await db
      .selectFrom('notes')
      .select(['text', 'created_at'])
      .where('debtor_id', '=', debtorId)
      .orderBy('id')
      .execute(),
    escalations: await db
      .selectFrom('escalations')
      .select(['handed_over', 'created_at'])
      .where('debtor_id', '=', debtorId)
      .execute(),
    // The packages as delivered to collection agencies: they hold identity and contact data too.
    handoffs: await db
      .selectFrom('handoffs')
      .select(['status', 'package', 'collected_amount', 'reason', 'created_at', 'accepted_at', 'ended_at'])
      .where('debtor_id', '=', debtorId)
      .orderBy('created_at')
      .execute(),
  };
}

/** The numeric members of a JSON object (amounts, counts): what accounting needs of it. */
const numbersOnly = (column: string) =>
  sql<string>`(select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) from jsonb_each(${sql.ref(column)}) where jsonb_typeof(value) = 'number')`;

/**
 * Erasure (GDPR Art. 17) in one transaction: contact points, notes and message texts go; the
 * debtor row, timeline, tasks and hand-overs keep only ids, types, times and amounts (kept for
 * accounting, § 257 HGB / § 147 AO); the case is closed; the payload data key is deleted, so the
 * case's Temporal history no longer decrypts. False when the debtor is unknown or erased already.
 */
export async function eraseDebtorData(
  db: Database,
  debtorId: string,
  by: { actor: string; route?: string; reason: string },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const now = new Date();
    const erased = await trx
      .updateTable('debtors')
      .set({
        name: ERASED,
        country: null,
        preferred_channel: null,
        preferred_channel_source: null,
        customer_value: null,
        digital_affinity: null,
        flags: '[]',
        flag_sources: '{}',
        payment_history: '{}',
        attributes: '{}',
        postal_address: null,
        erased_at: now,
        updated_at: now,
      })
      .where('id', '=', debtorId)
      .where('erased_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!erased) return false;
    await trx.deleteFrom('contact_points').where('debtor_id', '=', debtorId).execute();
    await trx.deleteFrom('notes').where('debtor_id', '=', debtorId).execute();
    await destroyDataKey(trx, debtorId);
    await trx
      .updateTable('outbox')
      .set({ recipient: ERASED, content: null, error: null })
      .where('debtor_id', '=', debtorId)
      .execute();
    await trx
      .updateTable('case_events')
      .set({ summary: ERASED, data: numbersOnly('data') })
      .where('debtor_id', '=', debtorId)
      .execute();
    await trx
      .updateTable('portal_events')
      .set({ data: numbersOnly('data') })
      .where('debtor_id', '=', debtorId)
      .execute();
    await trx
      .updateTable('agent_tasks')
      .set({
        question: '',
        outcome: null,
        close_reason: sql<string | null>`case when closed_at is null then ${ERASED} else close_reason end`,
        status: sql<
          'done' | 'withdrawn'
        >`case when status in ('open', 'claimed') then 'withdrawn' else status end`,
        closed_at: sql<Date>`coalesce(closed_at, ${now})`,
      })
      .where('debtor_id', '=', debtorId)
      .execute();
    await trx
      .updateTable('escalations')
      .set({ handed_over: numbersOnly('handed_over') })
      .where('debtor_id', '=', debtorId)
      .execute();
    // A hand-over keeps what accounting needs: the claim and the invoices (ids, dates, amounts).
    await trx
      .updateTable('handoffs')
      .set({
        package: sql<string>`jsonb_build_object('handoffKey', package->'handoffKey', 'createdAt', package->'createdAt', 'claim', package->'claim', 'invoices', package->'invoices')`,
        reason: null,
      })
      .where('debtor_id', '=', debtorId)
      .execute();
    await trx
      .updateTable('webhook_deliveries')
      .set({
        payload: '{}',
        last_error: null,
        status: sql<'discarded'>`case when status = 'pending' then 'discarded' else status end`,
      })
      .where('debtor_id', '=', debtorId)
      .execute();
    await trx
      .updateTable('cases')
      .set({ status: 'cancelled', closed_at: now, updated_at: now })
      .where('debtor_id', '=', debtorId)
      .where('closed_at', 'is', null)
      .execute();
    await audit(trx, {
      actor: by.actor,
      action: 'debtor.erased',
      debtorId,
      route: by.route,
      detail: { reason: by.reason },
    });
    return true;
  });
}

/** Up to `limit` debtors not erased yet whose case closed before `closedBefore`, by id. */
export async function debtorsPastRetention(
  db: Database,
  closedBefore: Date,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('cases')
    .innerJoin('debtors', 'debtors.id', 'cases.debtor_id')
    .select('cases.debtor_id')
    .where('cases.closed_at', '<', closedBefore)
    .where('debtors.erased_at', 'is', null)
    .orderBy('cases.debtor_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.debtor_id);
}
