import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';

const { History } = proto.temporal.api.history.v1;
const historiesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'histories');

/**
 * Keeps a workflow's history as a replay fixture (protobuf binary, as Temporal stores it). With
 * RECORD_HISTORIES=1 it is (re)written into test/histories/, which is committed: the replay test
 * then checks every later change of the workflow code against it.
 */
export async function keepHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(historiesDir, { recursive: true });
  // Kept decrypted: the data keys live in the test's throwaway database.
  const history = await handle.fetchHistory();
  await decodePayloadsIn(history, handle.client.options.loadedDataConverter.payloadCodecs);
  writeFileSync(path.join(historiesDir, `${name}.binpb`), History.encode(history).finish());
}

type Payload = proto.temporal.api.common.v1.IPayload;
/** A payload always has its metadata (the encoding); `data` may be left out when empty. */
const isPayload = (value: object): value is Payload => Object.hasOwn(value, 'metadata') && 'data' in value;

/**
 * Every payload in a history or any other protobuf object — inputs, results, signals, updates,
 * failure details, user metadata — except search attributes, which Temporal indexes in plaintext.
 */
export function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return found;
  if (isPayload(value)) {
    found.push(value);
    return found;
  }
  // A patch marker's details (the patch id) are written by the SDK's core in plain JSON, never
  // through the payload codec: they name code versions, not people.
  const markerName = (value as { markerName?: unknown }).markerName;
  if (markerName === 'core_patch') return found;
  // A local activity's marker: its `data` detail is the core's own bookkeeping (sequence, attempt,
  // activity type, times) in plain JSON; its `result` went through the codec like any result.
  if (markerName === 'core_local_activity') {
    const { details } = value as { details?: Record<string, unknown> };
    for (const [key, child] of Object.entries(details ?? {})) if (key !== 'data') payloadsIn(child, found);
    return found;
  }
  for (const [key, child] of Object.entries(value)) {
    if (key !== 'searchAttributes') payloadsIn(child, found);
  }
  return found;
}

/** Decodes, in place, every payload in `value` with the codecs. */
export async function decodePayloadsIn(value: unknown, codecs: PayloadCodec[]): Promise<void> {
  for (const payload of payloadsIn(value)) {
    let decoded = [payload];
    for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
    Object.assign(payload, { metadata: decoded[0]?.metadata, data: decoded[0]?.data });
  }
}

export function recordedHistories(): {
  workflowId: string;
  history: proto.temporal.api.history.v1.History;
}[] {
  return readdirSync(historiesDir)
    .filter((file) => file.endsWith('.binpb'))
    .map((file) => ({
      workflowId: file.replace(/\.binpb$/, ''),
      history: History.decode(readFileSync(path.join(historiesDir, file))),
    }));
}

export type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/**
 * The history of a running workflow up to the moment `done` holds, read with the server's long poll
 * (`waitNewEvent`): it answers when new events are written, so nothing here sleeps or polls.
 * Payloads come decrypted with the client's codec.
 */
export async function historyUntil(
  client: Client,
  workflowId: string,
  done: (events: HistoryEvent[]) => boolean,
): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  for (;;) {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId },
      nextPageToken,
      waitNewEvent: true,
    });
    const fresh = page.history?.events ?? [];
    await decodePayloadsIn(fresh, client.options.loadedDataConverter.payloadCodecs);
    events.push(...fresh);
    if (done(events)) return events;
    if (!page.nextPageToken?.length) throw new Error(`${workflowId} closed before the awaited events`);
    nextPageToken = page.nextPageToken;
  }
}

/** Epoch milliseconds of an event, as the server wrote it. */
export const eventTime = (event: HistoryEvent): number =>
  Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);

/** When the server handed each completed attempt of `activityType` to a worker (ActivityTaskStarted). */
export function activityStarts(events: HistoryEvent[], activityType: string): number[] {
  const scheduledIds = new Set(
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
      .map((e) => String(e.eventId)),
  );
  return events
    .filter((e) => scheduledIds.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId)))
    .map(eventTime);
}
