import { effectiveProfile, type DebtorProfile } from '../domain/debtor.js';
import type { Database } from './database.js';

/** Whether a debtor row with this id is stored (erased ones included). */
export async function debtorExists(db: Database, debtorId: string): Promise<boolean> {
  const row = await db.selectFrom('debtors').select('id').where('id', '=', debtorId).executeTakeFirst();
  return row !== undefined;
}

/** The debtor's country; null when none is stored or the debtor is unknown. */
export async function debtorCountry(db: Database, debtorId: string): Promise<string | null> {
  const row = await db.selectFrom('debtors').select('country').where('id', '=', debtorId).executeTakeFirst();
  return row?.country ?? null;
}

/**
 * The stored profiles of some debtors, read back in the shape billing sends them (with every
 * default spelled out). Two queries for any number of debtors: the bulk import compares a whole
 * batch at once.
 */
export async function loadDebtorProfile(db: Database, debtorId: string): Promise<DebtorProfile | undefined> {
  return (await loadDebtorProfiles(db, [debtorId])).get(debtorId);
}

export async function loadDebtorProfiles(
  db: Database,
  debtorIds: readonly string[],
): Promise<Map<string, DebtorProfile>> {
  const profiles = new Map<string, DebtorProfile>();
  if (debtorIds.length === 0) return profiles;
  const [debtors, points] = await Promise.all([
    db.selectFrom('debtors').selectAll().where('id', 'in', debtorIds).execute(),
    db
      .selectFrom('contact_points')
      .select(['debtor_id', 'channel', 'address', 'consent'])
      .where('debtor_id', 'in', debtorIds)
      .execute(),
  ]);
  for (const d of debtors) {
    const mine = points.filter((p) => p.debtor_id === d.id);
    const point = (channel: string) => mine.find((p) => p.channel === channel);
    const consent = (channel: string) => {
      const found = point(channel);
      return found === undefined ? {} : { [channel]: found.consent };
    };
    const stored = {
      name: d.name,
      locale: d.locale,
      timezone: d.timezone,
      country: d.country ?? undefined,
      email: point('email')?.address,
      phone: point('sms')?.address ?? point('call')?.address,
      consents: { ...consent('email'), ...consent('sms'), ...consent('call') },
      preferredChannel: (d.preferred_channel ?? undefined) as DebtorProfile['preferredChannel'],
      customerValue: d.customer_value ?? undefined,
      digitalAffinity: d.digital_affinity ?? undefined,
      flags: d.flags as DebtorProfile['flags'],
      paymentHistory: d.payment_history,
      attributes: d.attributes as DebtorProfile['attributes'],
      type: d.debtor_type ?? undefined,
      address: d.postal_address ?? undefined,
    };
    profiles.set(d.id, effectiveProfile(stored));
  }
  return profiles;
}
