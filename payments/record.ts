import type { CaseClient } from '../client/cases.js';
import { recordPayment, type PaymentInput } from '../db/billing.js';
import type { Database } from '../db/database.js';
import { urgently } from '../db/lanes.js';

/**
 * The one way a payment enters Mahnwerk, from billing's API or a provider's webhook: stored once
 * per paymentId, then the case is told. The case is told on a repeat too, so a retry after a
 * failed signal still reaches it. Its queries take the database's urgent lane: a payment overtakes
 * the queries a bulk import queued.
 */
export async function recordPaymentAndTellCase(
  db: Database,
  cases: CaseClient,
  debtorId: string,
  payment: PaymentInput,
): Promise<{ duplicate: boolean; openAmount: number }> {
  return urgently(async () => {
    const result = await recordPayment(db, debtorId, payment);
    await cases.paymentRecorded(debtorId);
    return result;
  });
}
