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

/** Marks one debtor's contact point on the channel invalid or opted out, now. */
export async function markContactPoint(
  db: Database,
  point: { debtorId: string; channel: ContactChannel; mark: 'invalid_at' | 'opted_out_at' },
): Promise<void> {
  await db
    .updateTable('contact_points')
    .set({ [point.mark]: new Date(), updated_at: new Date() })
    .where('debtor_id', '=', point.debtorId)
    .where('channel', '=', point.channel)
    .execute();
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

/** The debtor's addresses with consent, opt-out and validity, by channel: for staff and the debtor only. */
export function listContactPoints(db: Database, debtorId: string) {
  return db
    .selectFrom('contact_points')
    .select(['channel', 'address', 'consent', 'opted_out_at', 'invalid_at'])
    .where('debtor_id', '=', debtorId)
    .orderBy('channel')
    .execute();
}

export interface DebtorPreferences {
  /** The channel the debtor prefers; undefined keeps the stored one. */
  preferred: string | undefined;
  allowEmail: boolean;
  allowSms: boolean;
}

/**
 * What the debtor set on the portal, in one transaction with its audit entry: the debtor's own
 * word, so ticking a box is consent and unticking it an opt-out.
 */
export async function storeDebtorPreferences(
  db: Database,
  debtorId: string,
  wanted: DebtorPreferences,
): Promise<void> {
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    if (wanted.preferred) {
      await trx
        .updateTable('debtors')
        .set({ preferred_channel: wanted.preferred, preferred_channel_source: 'debtor', updated_at: now })
        .where('id', '=', debtorId)
        .execute();
    }
    for (const [channel, allow] of [
      ['email', wanted.allowEmail],
      ['sms', wanted.allowSms],
    ] as const) {
      await trx
        .updateTable('contact_points')
        .set(
          allow
            ? { consent: true, consent_source: 'debtor', opted_out_at: null, updated_at: now }
            : { opted_out_at: now, consent_source: 'debtor', updated_at: now },
        )
        .where('debtor_id', '=', debtorId)
        .where('channel', '=', channel)
        .where((eb) =>
          allow
            ? eb.or([eb('consent', '=', false), eb('opted_out_at', 'is not', null)])
            : eb('opted_out_at', 'is', null),
        )
        .execute();
    }
    await audit(trx, {
      actor: 'debtor',
      action: 'preferences.changed',
      debtorId,
      detail: {
        preferred: wanted.preferred ?? null,
        email: wanted.allowEmail,
        sms: wanted.allowSms,
        source: 'debtor',
      },
    });
  });
}

/**
 * The debtor's one-click e-mail opt-out: with its timeline entry and audit entry (`route` is where
 * it came in), in one transaction. False when the address was opted out already.
 */
export async function unsubscribeFromEmail(db: Database, debtorId: string, route: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('contact_points')
      .set({ opted_out_at: new Date(), updated_at: new Date() })
      .where('debtor_id', '=', debtorId)
      .where('channel', '=', 'email')
      .where('opted_out_at', 'is', null)
      .returning('debtor_id')
      .executeTakeFirst();
    if (updated) {
      await recordCaseEvent(trx, {
        debtorId,
        source: 'portal',
        type: 'opted-out',
        summary: 'The debtor unsubscribed from e-mail (one-click link)',
        data: { channel: 'email' },
      });
      await audit(trx, {
        actor: 'debtor',
        action: 'contact.changed',
        debtorId,
        route,
        detail: { channel: 'email', change: 'opted-out', source: 'debtor' },
      });
    }
    return updated !== undefined;
  });
}
