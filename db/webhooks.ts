import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import {
  SHAREABLE_EVENT_FIELDS,
  webhookTypesFor,
  type WebhookEventType,
  type WebhookPayload,
} from '../domain/webhooks.js';
import type { Database } from './database.js';
import { handoffPackage } from './handoffs.js';
import type { WebhookDeliveryStatus } from './schema.js';

export interface NewSubscription {
  url: string;
  events: WebhookEventType[];
  description?: string | undefined;
}

/** The secret is returned here and never again. */
export async function createSubscription(db: Database, s: NewSubscription) {
  const row = await db
    .insertInto('webhook_subscriptions')
    .values({
      id: `whsub_${randomUUID().replaceAll('-', '')}`,
      url: s.url,
      events: JSON.stringify(s.events),
      description: s.description ?? null,
      secret: `whsec_${randomBytes(32).toString('base64')}`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...publicSubscription(row), secret: row.secret };
}

const subscriptionColumns = [
  'id',
  'url',
  'events',
  'description',
  'status',
  'disabled_reason',
  'created_at',
] as const;

function publicSubscription(row: {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: string;
  disabled_reason: string | null;
  created_at: Date;
}) {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    status: row.status,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at.toISOString(),
  };
}

export async function listSubscriptions(db: Database) {
  const rows = await db
    .selectFrom('webhook_subscriptions')
    .select(subscriptionColumns)
    .where('status', '!=', 'deleted')
    .orderBy('created_at')
    .execute();
  return rows.map(publicSubscription);
}

export async function findSubscription(db: Database, id: string) {
  return db
    .selectFrom('webhook_subscriptions')
    .select(['id', 'url', 'secret', 'status'])
    .where('id', '=', id)
    .where('status', '!=', 'deleted')
    .executeTakeFirst();
}

/** Removes the subscription; what it had not delivered yet is discarded. False when unknown. */
export async function deleteSubscription(db: Database, id: string): Promise<boolean> {
  return endSubscription(db, id, 'deleted', 'deleted through the API');
}

/** A receiver that answers 410 Gone asked to hear nothing more. */
export async function disableSubscription(db: Database, id: string, reason: string): Promise<boolean> {
  return endSubscription(db, id, 'disabled', reason);
}

async function endSubscription(
  db: Database,
  id: string,
  status: 'deleted' | 'disabled',
  reason: string,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const ended = await trx
      .updateTable('webhook_subscriptions')
      .set({ status, disabled_reason: reason, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '!=', 'deleted')
      .returning('id')
      .executeTakeFirst();
    if (!ended) return false;
    await trx
      .updateTable('webhook_deliveries')
      .set({ status: 'discarded', last_error: `subscription ${status}: ${reason}` })
      .where('subscription_id', '=', id)
      .where('status', '=', 'pending')
      .execute();
    return true;
  });
}

export async function listDeliveries(db: Database, subscriptionId: string, limit: number) {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('subscription_id', '=', subscriptionId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.message_id,
    type: r.type,
    debtorId: r.debtor_id,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    lastAttemptAt: r.last_attempt_at?.toISOString() ?? null,
    deliveredAt: r.delivered_at?.toISOString() ?? null,
  }));
}

export async function activeSubscriptionIds(db: Database): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_subscriptions')
    .select('id')
    .where('status', '=', 'active')
    .execute();
  return rows.map((r) => r.id);
}

export interface CaseEventForWebhooks {
  id: number;
  debtorId: string;
  type: string;
  at: Date;
  data: Record<string, unknown>;
}

/**
 * The outbox: called inside the transaction that writes the case event, so an event and its
 * deliveries commit together. One row per active subscription that asked for the type.
 */
export async function enqueueWebhooks(trx: Database, event: CaseEventForWebhooks): Promise<void> {
  const types = webhookTypesFor(event.type, event.data);
  if (types.length === 0) return;
  const subscriptions = await trx
    .selectFrom('webhook_subscriptions')
    .select(['id', 'events'])
    .where('status', '=', 'active')
    .execute();
  const wanted = subscriptions.flatMap((s) =>
    types.filter((t) => s.events.includes(t)).map((type) => ({ subscriptionId: s.id, type })),
  );
  if (wanted.length === 0) return;
  const caseRow = await trx
    .selectFrom('cases')
    .select([
      'status',
      'segment',
      'open_amount',
      // A closed case reports no currency any more: its invoices still know it.
      sql<
        string | null
      >`coalesce(cases.currency, (select i.currency from invoices i where i.debtor_id = cases.debtor_id order by i.updated_at desc limit 1))`.as(
        'currency',
      ),
    ])
    .where('debtor_id', '=', event.debtorId)
    .executeTakeFirst();
  const shared = Object.fromEntries(
    SHAREABLE_EVENT_FIELDS.filter((f) => f in event.data).map((f) => [f, event.data[f]]),
  );
  // The one event that carries contact data: the agency collects with it.
  const handoffKey = event.type === 'handed-off' ? event.data.handoffKey : undefined;
  const pkg = typeof handoffKey === 'string' ? await handoffPackage(trx, handoffKey) : undefined;
  await trx
    .insertInto('webhook_deliveries')
    .values(
      wanted.map(({ subscriptionId, type }) => {
        const payload: WebhookPayload = {
          type,
          timestamp: event.at.toISOString(),
          data: {
            ...shared,
            ...(pkg ? { package: pkg } : {}),
            debtorId: event.debtorId,
            caseStatus: caseRow?.status ?? null,
            segment: caseRow?.segment ?? null,
            openAmount: caseRow?.open_amount ?? null,
            currency: caseRow?.currency ?? null,
            caseEventId: event.id,
            caseEventType: event.type,
          },
        };
        return {
          message_id: `msg_${randomUUID().replaceAll('-', '')}`,
          subscription_id: subscriptionId,
          case_event_id: event.id,
          debtor_id: event.debtorId,
          type,
          payload: JSON.stringify(payload),
        };
      }),
    )
    .onConflict((oc) => oc.columns(['subscription_id', 'case_event_id', 'type']).doNothing())
    .execute();
}

export interface PendingDelivery {
  id: number;
  messageId: string;
  debtorId: string;
}

/** The oldest undelivered rows of a subscription, in the order their case events happened. */
export async function pendingDeliveries(
  db: Database,
  subscriptionId: string,
  limit: number,
): Promise<{ active: boolean; deliveries: PendingDelivery[] }> {
  const sub = await db
    .selectFrom('webhook_subscriptions')
    .select('status')
    .where('id', '=', subscriptionId)
    .executeTakeFirst();
  if (sub?.status !== 'active') return { active: false, deliveries: [] };
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select(['id', 'message_id', 'debtor_id'])
    .where('subscription_id', '=', subscriptionId)
    .where('status', '=', 'pending')
    .orderBy('case_event_id')
    .orderBy('id')
    .limit(limit)
    .execute();
  return {
    active: true,
    deliveries: rows.map((r) => ({ id: r.id, messageId: r.message_id, debtorId: r.debtor_id })),
  };
}

export async function loadDelivery(db: Database, id: number) {
  return db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_subscriptions as s', 's.id', 'webhook_deliveries.subscription_id')
    .select([
      'webhook_deliveries.id',
      'webhook_deliveries.message_id',
      'webhook_deliveries.subscription_id',
      'webhook_deliveries.payload',
      'webhook_deliveries.status',
      'webhook_deliveries.created_at',
      's.url',
      's.secret',
      's.status as subscription_status',
    ])
    .where('webhook_deliveries.id', '=', id)
    .executeTakeFirst();
}

/** Every attempt lands in the delivery log; a final status only once. */
export async function recordAttempt(
  db: Database,
  id: number,
  attempt: { statusCode: number | null; error: string | null; status?: WebhookDeliveryStatus },
): Promise<void> {
  const now = new Date();
  await db
    .updateTable('webhook_deliveries')
    .set({
      attempts: sql`attempts + 1`,
      last_status_code: attempt.statusCode,
      last_error: attempt.error,
      last_attempt_at: now,
      ...(attempt.status ? { status: attempt.status } : {}),
      ...(attempt.status === 'delivered' ? { delivered_at: now } : {}),
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

/** Retries ran out (three days): the row says so, and later events of the case go on. */
export async function markDeliveryFailed(db: Database, id: number, reason: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'failed', last_error: reason })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}
