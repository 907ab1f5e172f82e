import type { Config } from '../config/env.js';
import { recordHandoffReport, storeHandoff } from '../db/handoffs.js';
import type { Database } from '../db/database.js';
import type { CreditorPolicy } from '../domain/claim/index.js';
import type { HandoffReport } from '../domain/handoff.js';

/** Hand-overs to a collection agency: the package goes out, the agency's answers come in. */
export function createHandoffActivities(
  db: Database,
  creditor: Config['creditor'],
  policy: () => CreditorPolicy,
) {
  return {
    /**
     * Builds and stores the package as of the workflow's time (interest runs up to that day); its
     * webhook `case.handed_off` delivers it. Idempotent by key.
     */
    async handOverCase(input: { debtorId: string; handoffKey: string; asOf: string }): Promise<void> {
      const { asOf, ...key } = input;
      await storeHandoff(db, { ...key, now: new Date(asOf), policy: policy(), creditor });
    },

    /** The agency's report or a recall, stored with its timeline event (a collection as a payment). */
    async recordHandoffReport(input: {
      debtorId: string;
      handoffKey: string;
      report: HandoffReport;
    }): Promise<void> {
      await recordHandoffReport(db, { ...input, now: new Date() });
    },
  };
}
