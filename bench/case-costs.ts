import type { Client } from '@temporalio/client';
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
 * History events of one send step, for a debtor inside the contact window: from the first event
 * after the workflow task that scheduled the first send, through the timer the case sleeps on
 * next; plus the 4 events of the wake-up that begins a later step (TimerFired and the workflow
 * task's scheduled, started, completed). Median over the given cases.
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
      // The send is scheduled by the workflow task completed just before it.
      let stepStart = send;
      while (stepStart > 0 && !events[stepStart - 1]!.workflowTaskCompletedEventAttributes) stepStart--;
      const timer = send + events.slice(send).findIndex(isTimer);
      return timer - stepStart + 1 + WAKE_UP_EVENTS;
    }),
  );
  return percentile(counts, 0.5);
}
