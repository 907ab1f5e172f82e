import type { Database } from './database.js';

const REFERENCE = /\[note:(\d+)\]/g;

/** Stores the note; answers the reference that stands for it in workflow messages and summaries. */
export async function storeNote(db: Database, debtorId: string, text: string): Promise<string> {
  const { id } = await db
    .insertInto('notes')
    .values({ debtor_id: debtorId, text })
    .returning('id')
    .executeTakeFirstOrThrow();
  return `[note:${id}]`;
}

/** Replaces the note references in each text by the note's words (for staff views and exports). */
export async function resolveNotes(db: Database, texts: readonly string[]): Promise<string[]> {
  const ids = [...new Set(texts.flatMap((t) => [...t.matchAll(REFERENCE)].map((m) => Number(m[1]))))];
  if (!ids.length) return [...texts];
  const rows = await db.selectFrom('notes').select(['id', 'text']).where('id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, r.text]));
  return texts.map((t) => t.replace(REFERENCE, (ref, id: string) => byId.get(Number(id)) ?? ref));
}
