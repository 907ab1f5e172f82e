import type { Database } from './database.js';
import { resolveNotes } from './notes.js';
import type { EventSource } from './schema.js';

export interface CaseEventInput {
  debtorId: string;
  source: EventSource;
  type: string;
  summary: string;
  data?: Record<string, unknown>;
  /** Set it where a retry could write the same event twice. */
  dedupeKey?: string;
}

export async function recordCaseEvent(db: Database, event: CaseEventInput): Promise<void> {
  await db
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
    .execute();
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
