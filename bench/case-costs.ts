import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { caseWorkflowId } from '../domain/case.js';
import { historyUntil, type HistoryEvent } from '../test/setup/histories.js';
import { call, type Api } from './ingest.js';
import { percentile } from './pool.js';

const isTimer = (e: HistoryEvent) => !!e.timerStartedEventAttributes;
const isSend = (e: HistoryEvent) =>
  e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendMessage';

/**
 * History events a case writes before its first timer, for a debtor outside the contact window
 * (the case opens, then waits for the window): the median over the given cases.
 */
export async function openingEvents(client: Client, debtorIds: readonly string[]): Promise<number> {
  const counts = await Promise.all(
    debtorIds.map(async (id) => {
      const events = await historyUntil(client, caseWorkflowId(id), (e) => e.some(isTimer));
      return events.findIndex(isTimer) + 1;
    }),
  );
  return percentile(counts, 0.5);
}

/**
 * History events of one send step, for a debtor inside the contact window: from the send through the
 * timer the case sleeps on next, plus the 4 events of the timer's wake-up that begins a later step
 * (TimerFired and the workflow task's scheduled, started, completed). A later step's wake-up decides
 * without a command of its own before the send (the lean step); the fast tier
 * (`test/workflow.fast.test.ts`) checks that on a real later step. Median over the given cases.
 */
export async function stepEvents(client: Client, debtorIds: readonly string[]): Promise<number> {
  const WAKE_UP_EVENTS = 4;
  const counts = await Promise.all(
    debtorIds.map(async (id) => {
      const done = (events: HistoryEvent[]) => {
        const send = events.findIndex(isSend);
        return send >= 0 && events.slice(send).some(isTimer);
      };
      const events = await historyUntil(client, caseWorkflowId(id), done);
      const send = events.findIndex(isSend);
      const timer = send + events.slice(send).findIndex(isTimer);
      return timer - send + 1 + WAKE_UP_EVENTS;
    }),
  );
  return percentile(counts, 0.5);
}

/** No case reported anything for this long: the openings and steps in flight are done. */
const QUIET_MS = 15_000;

/**
 * Waits until the cases are idle, so that idle figures measure idle cases, not a backlog still being
 * worked off: the case queue has no workflow task waiting (twice in a row, 2 s apart) and no case
 * reported anything for 15 s (the queue's backlog count is approximate: it has been seen to stay at
 * 72 for tens of seconds while openings still ran). Reports what it waits for as it goes.
 */
export async function casesIdle(
  client: Client,
  api: Api,
  taskQueue: string,
  progress: (message: string) => void,
  giveUpMs = 15 * 60_000,
): Promise<void> {
  const started = Date.now();
  let emptyInARow = 0;
  for (;;) {
    const backlog = await backlogOf(client, taskQueue);
    emptyInARow = backlog === 0 ? emptyInARow + 1 : 0;
    const reporting = emptyInARow >= 2 ? await casesReportedSince(api, Date.now() - QUIET_MS) : 0;
    if (emptyInARow >= 2 && reporting === 0) return;
    if (backlog > 0) progress(`waiting for the case queue's backlog: ${backlog} workflow tasks`);
    else if (reporting > 0)
      progress(`waiting for the cases to go quiet: ${reporting} reported in the last 15 s`);
    if (Date.now() - started > giveUpMs)
      throw new Error(
        `the cases are not idle after ${giveUpMs / 60_000} min (backlog ${backlog}, ${reporting} reporting)`,
      );
    await delay(2000);
  }
}

async function backlogOf(client: Client, taskQueue: string): Promise<number> {
  const { stats } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    reportStats: true,
  });
  return Number(stats?.approximateBacklogCount ?? 0);
}

/** How many cases (one page at most) reported a change since `since`. */
async function casesReportedSince(api: Api, since: number): Promise<number> {
  const page = (await call(api, 'GET', `/v1/cases?updatedSince=${new Date(since).toISOString()}`)) as {
    items: unknown[];
  };
  return page.items.length;
}
