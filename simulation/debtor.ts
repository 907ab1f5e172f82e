import type { z } from 'zod';
import { debtorSnapshotSchema } from '../cli/debtor-rows.js';
import type { DebtorProfile } from '../db/billing.js';

/** A debtor as `mahnwerk assess` reads it: the facts segmentation looks at, without real addresses. */
export type DebtorRow = z.infer<typeof debtorSnapshotSchema>;
export const debtorRowSchema = debtorSnapshotSchema;

/**
 * The profile billing would send for such a debtor: placeholder addresses (reserved `.invalid` domain,
 * a number of the fictional range) for the channels it has, with their consents.
 */
export function profileOf(debtor: DebtorRow): DebtorProfile {
  const point = (channel: 'email' | 'sms' | 'call') =>
    debtor.contactPoints.find((p) => p.channel === channel);
  const email = point('email');
  const phone = point('sms') ?? point('call');
  return {
    name: `Debtor ${debtor.debtorId}`,
    locale: debtor.locale ?? 'de',
    timezone: debtor.timezone ?? 'Europe/Berlin',
    country: debtor.country ?? undefined,
    email: email ? `${debtor.debtorId.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}@debtor.invalid` : undefined,
    phone: phone ? '+4915550000001' : undefined,
    consents: {
      email: email?.consent ?? false,
      sms: point('sms')?.consent ?? false,
      call: point('call')?.consent ?? false,
    },
    preferredChannel: debtor.preferredChannel ?? undefined,
    customerValue: debtor.customerValue ?? undefined,
    digitalAffinity: debtor.digitalAffinity ?? undefined,
    flags: debtor.flags,
    paymentHistory: debtor.paymentHistory,
  };
}
