import type { Updateable } from 'kysely';
import { recordCaseEvent, type CaseEventInput } from './case-events.js';
import type { Database } from './database.js';
import type { ContactChannel, OutboxStatus, OutboxTable } from './schema.js';

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
