import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { caseWorkflowId } from '../../domain/case.js';
import { decodePayloadsIn } from './histories.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Every run of the debtor's case, oldest first (continue-as-new chains runs), payloads decrypted. */
export async function runsOf(env: TestWorkflowEnvironment, debtorId: string): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined;
  for (;;) {
    const events =
      (await env.client.workflow.getHandle(caseWorkflowId(debtorId), runId).fetchHistory()).events ?? [];
    await decodePayloadsIn(events, env.client.options.loadedDataConverter.payloadCodecs);
    runs.unshift(events);
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return runs;
    runId = previous;
  }
}

export const eventTime = (e: HistoryEvent): number =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

export interface ActivityCall {
  at: number;
  input: Record<string, unknown>;
  result: Record<string, unknown> | undefined;
}

/** Every call of one activity type, with its (simulated) schedule time, input and result. */
export async function activityCalls(
  env: TestWorkflowEnvironment,
  debtorId: string,
  activity: string,
): Promise<ActivityCall[]> {
  const calls: ActivityCall[] = [];
  for (const events of await runsOf(env, debtorId)) {
    for (const e of events) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name !== activity) continue;
      const input = scheduled.input?.payloads?.[0];
      const completed = events.find(
        (c) => Number(c.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1) === Number(e.eventId),
      );
      const result = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
      calls.push({
        at: eventTime(e),
        input: input ? defaultPayloadConverter.fromPayload<Record<string, unknown>>(input) : {},
        result: result ? defaultPayloadConverter.fromPayload<Record<string, unknown>>(result) : undefined,
      });
    }
  }
  return calls;
}
