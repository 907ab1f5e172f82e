import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { caseWorkflowId } from '../domain/case.js';
import { historyUntil, type HistoryEvent } from '../test/setup/histories.js';
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

/**
 * Waits until the case queue has no workflow task waiting (twice in a row, 2 s apart), so that idle
 * figures measure idle cases, not a backlog still being worked off. Reports the backlog as it goes.
 */
export async function backlogCleared(
  client: Client,
  taskQueue: string,
  progress: (message: string) => void,
  giveUpMs = 15 * 60_000,
): Promise<void> {
  const started = Date.now();
  let emptyInARow = 0;
  while (emptyInARow < 2) {
    const { stats } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      reportStats: true,
    });
    const backlog = Number(stats?.approximateBacklogCount ?? 0);
    emptyInARow = backlog === 0 ? emptyInARow + 1 : 0;
    if (backlog > 0) progress(`waiting for the case queue's backlog: ${backlog} workflow tasks`);
    if (Date.now() - started > giveUpMs)
      throw new Error(`the case queue still has ${backlog} workflow tasks after ${giveUpMs / 60_000} min`);
    await delay(2000);
  }
}
