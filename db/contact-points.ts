import { recordCaseEvent, type CaseEventInput } from './case-events.js';
import { audit } from './audit.js';
import type { Database } from './database.js';
import type { ContactChannel } from './schema.js';

export interface AddressChange {
  channel: ContactChannel;
  address: string;
  /** What happened to the address, for every debtor that uses it. */
  set: { opted_out_at?: Date | null; invalid_at?: Date | null };
  /** Only rows that do not say so already: a repeated STOP or bounce changes nothing. */
  unless: 'opted_out_at' | 'invalid_at';
  /** Set again (null) instead of marked: START lifts an opt-out. */
  lift?: boolean;
  event: (debtorId: string) => Omit<CaseEventInput, 'debtorId'>;
}

/**
 * An address is not one debtor's: a family's shared phone, an office mailbox. A STOP or a hard
 * bounce applies to every debtor whose contact point has that address, running case or not.
 * Returns the debtors whose contact point changed, so their cases can re-assess.
 */
export async function markAddress(db: Database, change: AddressChange): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const changed = await trx
      .updateTable('contact_points')
      .set({ ...change.set, updated_at: new Date() })
      .where('channel', '=', change.channel)
      .where('address', '=', change.address)
      .where(change.unless, change.lift ? 'is not' : 'is', null)
      .returning('debtor_id')
      .execute();
    for (const { debtor_id } of changed) {
      const event = change.event(debtor_id);
      await recordCaseEvent(trx, { debtorId: debtor_id, ...event });
      await audit(trx, {
        actor: event.source,
        action: 'contact.changed',
        debtorId: debtor_id,
        detail: { channel: change.channel, change: event.type, source: event.source },
      });
    }
    return changed.map((c) => c.debtor_id);
  });
}

/** The debtors whose contact point on the channel has this address (a shared phone: several). */
export async function debtorsWithAddress(
  db: Database,
  channel: ContactChannel,
  address: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('contact_points')
    .select('debtor_id')
    .where('channel', '=', channel)
    .where('address', '=', address)
    .execute();
  return rows.map((r) => r.debtor_id);
}
