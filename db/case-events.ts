import type { Database } from './database.js';
import { resolveNotes } from './notes.js';
import type { EventSource } from './schema.js';
import { enqueueWebhooks } from './webhooks.js';

export interface CaseEventInput {
  debtorId: string;
  source: EventSource;
  type: string;
  summary: string;
  data?: Record<string, unknown>;
  /** Set it where a retry could write the same event twice. */
  dedupeKey?: string;
}

/** Writes a timeline event and, in the same transaction, the webhook deliveries it causes. */
export async function recordCaseEvent(db: Database, event: CaseEventInput): Promise<void> {
  if (!db.isTransaction) {
    await db.transaction().execute((trx) => recordCaseEvent(trx, event));
    return;
  }
  const written = await db
    .insertInto('case_events')
    .values({
      debtor_id: event.debtorId,
      source: event.source,
      type: event.type,
      summary: event.summary,
      data: JSON.stringify(event.data ?? {}),
      dedupe_key: event.dedupeKey ?? null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning(['id', 'at'])
    .executeTakeFirst();
  // Nothing written: a retry of an event already recorded (and already enqueued).
  if (written) await enqueueWebhooks(db, { ...written, ...event, data: event.data ?? {} });
}

/**
 * Many events at once, in one statement (a bulk import's rows), each with its webhook deliveries;
 * call it inside the transaction of the change they record. Events without a dedupe key: every one
 * is written, in the order given.
 */
export async function recordCaseEvents(
  trx: Database,
  events: readonly Omit<CaseEventInput, 'dedupeKey'>[],
): Promise<void> {
  if (events.length === 0) return;
  const written = await trx
    .insertInto('case_events')
    .values(
      events.map((event) => ({
        debtor_id: event.debtorId,
        source: event.source,
        type: event.type,
        summary: event.summary,
        data: JSON.stringify(event.data ?? {}),
      })),
    )
    .returning(['id', 'at'])
    .execute();
  // Ids are drawn in the order of the rows given.
  written.sort((a, b) => a.id - b.id);
  for (const [i, event] of events.entries())
    await enqueueWebhooks(trx, { ...written[i]!, ...event, data: event.data ?? {} });
}

/** The timeline, with note references (`[note:<id>]`, written by the workflow) shown as the notes. */
export async function listCaseEvents(db: Database, debtorId: string, limit = 200) {
  const events = await db
    .selectFrom('case_events')
    .select(['at', 'source', 'type', 'summary', 'data'])
    .where('debtor_id', '=', debtorId)
    .orderBy('at')
    .orderBy('id')
    .limit(limit)
    .execute();
  const summaries = await resolveNotes(
    db,
    events.map((e) => e.summary),
  );
  return events.map((e, i) => ({ ...e, summary: summaries[i]! }));
}

/** The newest event's id (0 for none): a mark to find what was recorded after it. */
export async function lastCaseEventId(db: Database): Promise<number> {
  const row = await db
    .selectFrom('case_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * Dates the events recorded after `afterId` at `at`. Only for simulations on a time-skipping server,
 * where an activity's wall clock lags the simulated time of the case it works for.
 */
export async function redateCaseEventsAfter(db: Database, afterId: number, at: Date): Promise<void> {
  await db.updateTable('case_events').set({ at }).where('id', '>', afterId).execute();
}
