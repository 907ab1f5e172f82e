import type { DebtorProfile } from './billing.js';
import type { Database } from './database.js';

/** The stored profile in the shape of the PUT /v1/debtors body (what a merge patch applies to). */
export async function loadDebtorProfile(db: Database, debtorId: string): Promise<DebtorProfile | undefined> {
  const debtor = await db.selectFrom('debtors').selectAll().where('id', '=', debtorId).executeTakeFirst();
  if (!debtor) return undefined;
  const points = await db
    .selectFrom('contact_points')
    .select(['channel', 'address', 'consent'])
    .where('debtor_id', '=', debtorId)
    .execute();
  const point = (channel: string) => points.find((p) => p.channel === channel);
  const phone = point('sms')?.address ?? point('call')?.address;
  const consents = Object.fromEntries(points.map((p) => [p.channel, p.consent]));
  const profile: DebtorProfile = {
    name: debtor.name,
    locale: debtor.locale,
    timezone: debtor.timezone,
    country: debtor.country ?? undefined,
    email: point('email')?.address,
    phone,
    consents: points.length ? consents : undefined,
    preferredChannel: debtor.preferred_channel ?? undefined,
    customerValue: debtor.customer_value ?? undefined,
    digitalAffinity: debtor.digital_affinity ?? undefined,
    flags: debtor.flags,
    paymentHistory: debtor.payment_history,
    attributes: debtor.attributes,
  };
  // Absent rather than undefined: the merge patch and the schema see only what is there.
  return Object.fromEntries(Object.entries(profile).filter(([, v]) => v !== undefined)) as DebtorProfile;
}
