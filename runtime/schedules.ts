import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { nightlyReassessment, nightlyReconciliation, retentionPurge } from '../workflows/sweeps.js';

interface Sweep {
  name: string;
  workflowType: 'nightlyReassessment' | 'nightlyReconciliation' | 'retentionPurge';
  /** UTC hour and minute. */
  at: { hour: number; minute: number };
  note: string;
}

const SWEEPS: Sweep[] = [
  {
    name: 'nightly-reassessment',
    workflowType: 'nightlyReassessment',
    at: { hour: 2, minute: 0 },
    note: 'Re-assesses every open case: facts can change without an event (days past due grow).',
  },
  {
    name: 'nightly-reconciliation',
    workflowType: 'nightlyReconciliation',
    at: { hour: 3, minute: 0 },
    note: 'Reports open cases whose workflow and database disagree (log and case timeline).',
  },
  {
    name: 'retention-purge',
    workflowType: 'retentionPurge',
    at: { hour: 4, minute: 0 },
    note: 'Erases personal data of cases closed longer than MAHNWERK_RETENTION_DAYS (default 3 years).',
  },
];

/** One schedule per sweep and task queue, so instances on their own queues do not share them. */
export const scheduleId = (taskQueue: string, sweep: string) => `${taskQueue}-${sweep}`;

/**
 * Creates the sweeps' Temporal Schedules if they do not exist (visible in the Web UI under
 * Schedules). Idempotent by schedule id: a restart finds them and leaves them as they are, so an
 * operator's pause in the UI survives it. Returns which were created now.
 */
export async function ensureSweepSchedules(
  client: Client,
  taskQueue: string,
  logger: Logger,
): Promise<string[]> {
  const created: string[] = [];
  for (const sweep of SWEEPS) {
    const id = scheduleId(taskQueue, sweep.name);
    try {
      await client.schedule.create<
        typeof nightlyReassessment | typeof nightlyReconciliation | typeof retentionPurge
      >({
        scheduleId: id,
        spec: { calendars: [{ hour: sweep.at.hour, minute: sweep.at.minute }], timezone: 'UTC' },
        action: {
          type: 'startWorkflow',
          workflowType: sweep.workflowType,
          workflowId: `${id}-run`,
          taskQueue,
          args: [],
          staticSummary: sweep.note,
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '6 hours' },
        state: { note: sweep.note },
      });
      created.push(id);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    }
  }
  if (created.length) logger.info({ created }, 'created the nightly sweep schedules');
  return created;
}
