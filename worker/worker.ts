import { fileURLToPath } from 'node:url';
import type { NativeConnection } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Bundles the workflow code once; pass the result to every worker (and to replay tests). */
export async function bundleWorkflows(): Promise<WorkflowBundle> {
  // Webpack's report is noise for an operator; warnings and errors still come through.
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}

export interface CaseWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle: WorkflowBundle;
}

export async function createCaseWorker(options: CaseWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle,
    activities: createActivities(options.deps),
    // Each cached workflow costs about 1 MB with the reused V8 context; bound it explicitly.
    maxCachedWorkflows: 500,
  });
}
