import type { Updateable } from 'kysely';
import { recordCaseEvent, type CaseEventInput } from './case-events.js';
import type { Database } from './database.js';
import { markContactPoint } from './contact-points.js';
import type { ContactChannel, OutboxStatus, OutboxTable } from './schema.js';

/** The outbox row of a message, by its idempotency key: how far an earlier attempt got. */
export function findOutboxAttempt(db: Database, idempotencyKey: string) {
  return db
    .selectFrom('outbox')
    .select(['status', 'provider_id', 'created_at', 'error', 'locale', 'segments'])
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
}

export interface OutgoingMessage {
  idempotencyKey: string;
  debtorId: string;
  channel: ContactChannel | 'letter';
  template: string;
  locale: string;
  recipient: string;
  content: string;
  contentHash: string;
  /** Known before sending (e-mail: the deterministic Message-ID). */
  providerId: string | undefined;
  createdAt: Date;
}

/**
 * The message's row, `sending`, before anything leaves; a retry finds its row and sets it `sending`
 * again (the rest stays as the first attempt wrote it).
 */
export async function startOutboxSend(db: Database, message: OutgoingMessage): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      idempotency_key: message.idempotencyKey,
      debtor_id: message.debtorId,
      channel: message.channel,
      template: message.template,
      locale: message.locale,
      recipient: message.recipient,
      content_hash: message.contentHash,
      content: message.content,
      status: 'sending',
      provider_id: message.providerId ?? null,
      created_at: message.createdAt,
    })
    .onConflict((oc) =>
      oc.column('idempotency_key').doUpdateSet({ status: 'sending', updated_at: new Date() }),
    )
    .execute();
}

/** What the provider told on taking a message. */
export interface SentMessage {
  providerId?: string | undefined;
  segments?: number | undefined;
}

/**
 * The provider took the message: its row moves to `sent` (a status callback may already have moved
 * it on, to delivered: never back), with the send's facts and its timeline event, in one transaction.
 */
export async function markOutboxSent(
  db: Database,
  idempotencyKey: string,
  sent: SentMessage,
  event: CaseEventInput,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('outbox')
      .set({ status: 'sent', updated_at: new Date() })
      .where('idempotency_key', '=', idempotencyKey)
      .where('status', 'in', ['pending', 'sending'])
      .execute();
    await stampSent(trx, idempotencyKey, sent, event);
  });
}

/**
 * The send's facts for a row a status callback already moved on, in one transaction: an attempt can
 * die after the provider took the message and before it recorded that. Whatever status is set stays.
 */
export async function recordOutboxSent(
  db: Database,
  idempotencyKey: string,
  sent: SentMessage,
  event: CaseEventInput,
): Promise<void> {
  await db.transaction().execute((trx) => stampSent(trx, idempotencyKey, sent, event));
}

/**
 * The send's facts, once: when it left (the contact caps count it from `sent_at`), the provider's id
 * and cost, and the timeline event (recorded once by its dedupe key).
 */
async function stampSent(
  trx: Database,
  idempotencyKey: string,
  sent: SentMessage,
  event: CaseEventInput,
): Promise<void> {
  await trx
    .updateTable('outbox')
    .set({
      sent_at: new Date(),
      ...(sent.providerId ? { provider_id: sent.providerId } : {}),
      ...(sent.segments ? { segments: sent.segments } : {}),
    })
    .where('idempotency_key', '=', idempotencyKey)
    .where('sent_at', 'is', null)
    .execute();
  await recordCaseEvent(trx, event);
}

/**
 * The provider refused the message for good: the row fails with the reason, the contact point is
 * marked when the address itself was refused, and the timeline says so, in one transaction.
 */
export async function markOutboxRefused(
  db: Database,
  refused: { idempotencyKey: string; reason: string },
  contactPoint:
    { debtorId: string; channel: ContactChannel; mark: 'invalid_at' | 'opted_out_at' } | undefined,
  event: CaseEventInput,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('outbox')
      .set({ status: 'failed', error: refused.reason, updated_at: new Date() })
      .where('idempotency_key', '=', refused.idempotencyKey)
      .execute();
    if (contactPoint) await markContactPoint(trx, contactPoint);
    await recordCaseEvent(trx, event);
  });
}

/** The message a provider reports on, by our idempotency key or the provider's id for it. */
export function findOutboxMessage(
  db: Database,
  channel: ContactChannel,
  ref: { idempotencyKey: string } | { providerId: string },
) {
  return db
    .selectFrom('outbox')
    .select(['idempotency_key', 'debtor_id', 'recipient'])
    .where('channel', '=', channel)
    .where((eb) =>
      'idempotencyKey' in ref
        ? eb('idempotency_key', '=', ref.idempotencyKey)
        : eb('provider_id', '=', ref.providerId),
    )
    .executeTakeFirst();
}

/**
 * Moves an outbox row forward after the provider reported on it, and records that in the case
 * timeline: only from the given statuses, so a late or repeated report never moves a row back.
 * Returns whether it moved.
 */
export async function advanceOutboxRow(
  db: Database,
  row: { idempotencyKey: string; debtorId: string },
  change: { from: OutboxStatus[]; set: Updateable<OutboxTable> & { status: OutboxStatus } },
  event: Omit<CaseEventInput, 'debtorId' | 'dedupeKey'>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const moved = await trx
      .updateTable('outbox')
      .set({ ...change.set, updated_at: new Date() })
      .where('idempotency_key', '=', row.idempotencyKey)
      .where('status', 'in', change.from)
      .returning('idempotency_key')
      .executeTakeFirst();
    if (!moved) return false;
    await recordCaseEvent(trx, {
      debtorId: row.debtorId,
      ...event,
      dedupeKey: `${row.idempotencyKey}/${change.set.status}`,
    });
    return true;
  });
}

/**
 * Dates a sent message at `at`. Only for time-skipping servers (tests, journey simulations): there an
 * activity's wall clock lags the workflow's, and the daily caps count messages by `sent_at`.
 */
export async function redateSentMessage(db: Database, idempotencyKey: string, at: Date): Promise<void> {
  await db.updateTable('outbox').set({ sent_at: at }).where('idempotency_key', '=', idempotencyKey).execute();
}
