import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
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
  writeFileSync(
    path.join(historiesDir, `${name}.binpb`),
    History.encode(await handle.fetchHistory()).finish(),
  );
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
