import { audit } from '../db/audit.js';
import type { Database } from '../db/database.js';
import { debtorsPastRetention, eraseDebtorData } from '../db/gdpr.js';

/** § 195 BGB: claims become time-barred after 3 years; afterwards personal data has no purpose. */
export const DEFAULT_RETENTION_DAYS = 1095;

export function createRetentionActivities(db: Database, retentionDays: number) {
  return {
    /**
     * Erases (as DELETE /v1/debtors/{id} does) up to `limit` debtors whose case closed more than
     * `retentionDays` ago; answers how many. A retry finds the erased ones done.
     */
    async purgeExpiredDebtors({ limit }: { limit: number }): Promise<number> {
      const cutoff = new Date(Date.now() - retentionDays * 86_400_000);
      const due = await debtorsPastRetention(db, cutoff, limit);
      for (const debtorId of due) {
        await eraseDebtorData(db, debtorId, { actor: 'system', reason: 'retention' });
      }
      if (due.length) {
        await audit(db, {
          actor: 'system',
          action: 'retention.purged',
          detail: { debtors: due.length, retentionDays, closedBefore: cutoff.toISOString() },
        });
      }
      return due.length;
    },
  };
}
