import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { CaseClient } from '../client/cases.js';
import { recordCaseEvent } from '../db/case-events.js';
import type { Database } from '../db/database.js';
import { openCasePage, openCaseStatus } from '../db/sweeps.js';
import { activeSubscriptionIds } from '../db/webhooks.js';
import { WebhookDeliveryClient } from '../client/webhooks.js';
import { caseWorkflowId } from '../domain/case.js';
import * as sa from '../domain/search-attributes.js';

/** Signals or describes sent at once by one sweep activity: the server and the cases are shared. */
const CONCURRENCY = 8;

async function forEachBounded<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
      Context.current().heartbeat();
    }
  });
  await Promise.all(lanes);
}

export interface Mismatch {
  debtorId: string;
  database: string;
  workflow: string;
}

export function createSweepActivities(db: Database) {
  const clients = () => {
    const { client, info } = Context.current();
    return { cases: new CaseClient(client, info.taskQueue, db), client, taskQueue: info.taskQueue };
  };
  return {
    async openCaseIds({ after, limit }: { after: string; limit: number }): Promise<string[]> {
      return (await openCasePage(db, after, limit)).map((r) => r.debtor_id);
    },

    /** Tells each case that its facts may have changed: the case re-reads them and re-assesses. */
    async reassessCases({ debtorIds }: { debtorIds: string[] }): Promise<{ signalled: number }> {
      const { cases } = clients();
      let signalled = 0;
      await forEachBounded(debtorIds, async (debtorId) => {
        if ((await cases.contactDataChanged(debtorId)) === 'signalled') signalled++;
      });
      return { signalled };
    },

    /**
     * Compares each open case in the database with its workflow: not running, or running with
     * another status. Each disagreement is logged and written to the case's timeline (once per day).
     */
    async reconcileCases({ debtorIds, day }: { debtorIds: string[]; day: string }): Promise<Mismatch[]> {
      const { client } = clients();
      const mismatches: Mismatch[] = [];
      await forEachBounded(debtorIds, async (debtorId) => {
        const before = await openCaseStatus(db, debtorId);
        if (!before) return;
        const workflow = await describeCase(client, debtorId);
        // The workflow reports to the database after it changed: read again before calling it a mismatch.
        const database = workflow === before ? before : await openCaseStatus(db, debtorId);
        if (!database || workflow === database) return;
        mismatches.push({ debtorId, database, workflow });
      });
      for (const m of mismatches) {
        Context.current().log.warn('case workflow and database disagree', { ...m });
        await recordCaseEvent(db, {
          debtorId: m.debtorId,
          source: 'system',
          type: 'reconciliation-mismatch',
          summary: `Nightly reconciliation: the database says ${m.database}, the workflow ${m.workflow}. Check the case in the Web UI; an operator may need to re-open or close it.`,
          data: { database: m.database, workflow: m.workflow },
          dedupeKey: `reconcile/${day}/${m.debtorId}`,
        });
      }
      return mismatches;
    },

    /** A subscription whose delivery workflow is missing (e.g. Temporal was away) gets it again. */
    async ensureWebhookDeliveries(): Promise<number> {
      const { client, taskQueue } = clients();
      const webhooks = new WebhookDeliveryClient(client, taskQueue);
      const ids = await activeSubscriptionIds(db);
      for (const id of ids) await webhooks.ensureDelivering(id);
      return ids.length;
    },
  };
}

/** The workflow's status as the case reports it (search attribute), or why there is none. */
async function describeCase(client: Context['client'], debtorId: string): Promise<string> {
  try {
    const described = await client.workflow.getHandle(caseWorkflowId(debtorId)).describe();
    if (described.status.name !== 'RUNNING') return `workflow ${described.status.name.toLowerCase()}`;
    return described.typedSearchAttributes.get(sa.DunningStatus) ?? 'running without a status';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'no workflow';
    throw error;
  }
}

export type SweepActivities = ReturnType<typeof createSweepActivities>;
