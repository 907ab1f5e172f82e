import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type { createActivities } from '../activities/index.js';
import { runNodeScript } from '../runtime/node-script.js';
import {
  channelTaskQueue,
  RATE_LIMITED_CHANNELS,
  type RateLimitedChannel,
} from '../domain/channel-queues.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export type Activities = ReturnType<typeof createActivities>;

// Runs in a process of its own: webpack leaves a few hundred MB behind in the heap it bundled
// in. Webpack's report is noise for an operator; warnings and errors still come through.
const bundlerScript = `
  const [bundler, worker, workflowsPath, preload] = process.argv.slice(-4);
  const [{ bundleWorkflowCode }, { DefaultLogger }] = await Promise.all([import(bundler), import(worker)]);
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    preloadModules: JSON.parse(preload),
    logger: new DefaultLogger('WARN'),
  });
  process.stdout.write(code);`;

/**
 * Evaluated once per worker and shared by every workflow, instead of once per workflow: in the
 * reusable V8 context each workflow otherwise evaluates the whole bundle again and keeps its own
 * copy. date-holidays (with moment-timezone, astronomia and its holiday data) was most of that:
 * several MiB and tens of milliseconds of CPU per cached or replayed case. zod next: its classes
 * and their methods were set up again in each workflow (the schemas the workflow modules build
 * still are). The SDK deep-freezes what is preloaded (not the classes' prototypes), so only
 * libraries without per-workflow state belong here.
 */
const PRELOADED_MODULES = [
  // The file the workflows' `import` resolves to (a bare name would preload the CommonJS twin).
  fileURLToPath(import.meta.resolve('date-holidays')),
  fileURLToPath(import.meta.resolve('zod')),
];

/** Bundles the workflow code once; pass the result to every worker (and to replay tests). */
export async function bundleWorkflows(): Promise<WorkflowBundle> {
  const code = await runNodeScript('bundling the workflows', bundlerScript, [
    import.meta.resolve('@temporalio/worker/lib/workflow/bundler.js'),
    import.meta.resolve('@temporalio/worker'),
    workflowsPath,
    JSON.stringify(PRELOADED_MODULES),
  ]);
  if (!code) throw new Error(`bundling the workflows (${workflowsPath}) returned no code`);
  return { code };
}

export interface CaseWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  /** The case queue: the workflows and every activity but the channel sends. */
  taskQueue: string;
  workflowBundle: WorkflowBundle;
  /** The encrypting converter (crypto/payload-codec.ts); the client that starts the cases uses the same keys. */
  dataConverter: DataConverter;
  /** Usually `createActivities(deps)`; tests wrap them to watch or hold a send. */
  activities: Activities;
  /** Sends per second each channel's provider accepts; the server hands out no more than this. */
  channelRates: Record<RateLimitedChannel, number>;
}

/**
 * The workers of one process, run and stopped together: the case worker, and one worker per
 * rate-limited channel that polls `<taskQueue>-<channel>` with `maxTaskQueueActivitiesPerSecond`.
 * The limit is enforced by the server for the whole queue, so it holds for any number of cases.
 */
export class CaseWorkers {
  constructor(readonly workers: readonly Worker[]) {}

  /** Resolves when every worker has stopped; if one fails, the others are shut down and it rejects. */
  async run(): Promise<void> {
    const runs = this.workers.map((worker) => worker.run());
    try {
      await Promise.all(runs);
    } catch (error) {
      this.shutdown();
      await Promise.allSettled(runs);
      throw error;
    }
  }

  /** Runs every worker until `fn` settles, then drains them all. */
  runUntil<R>(fn: () => Promise<R>): Promise<R> {
    return this.workers.reduceRight<() => Promise<R>>((inner, worker) => () => worker.runUntil(inner), fn)();
  }

  /** Shuts down what still runs (the SDK already drains its workers on SIGINT/SIGTERM). */
  shutdown(): void {
    for (const worker of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  }
}

export async function createCaseWorkers(options: CaseWorkerOptions): Promise<CaseWorkers> {
  const { connection, namespace, taskQueue, activities } = options;
  const caseWorker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowBundle: options.workflowBundle,
    dataConverter: options.dataConverter,
    // sendMessage stays registered here too: an attempt scheduled on the case queue by the workflow
    // code before sends had queues of their own still finds a worker after an upgrade.
    activities,
    // A cached workflow cost about 3 MiB here (bench: 1.9 GiB with 400 idle cases at 500). Cases
    // sleep for days between steps: one that wakes up uncached replays its short history in
    // milliseconds, so a small cache keeps memory flat with 10,000 open cases.
    maxCachedWorkflows: 100,
    // Every workflow task runs on the one workflow thread, and a case the cache does not hold costs
    // it a fraction of a second to set up. With the SDK's 40 tasks taken at once (a backlog after
    // an import or a restart), the last waited past the server's 10 s timeout: the work was thrown
    // away and the task handed out again. Ten keep the wait short without starving the thread.
    maxConcurrentWorkflowTaskExecutions: 10,
  });
  const channelWorkers = await Promise.all(
    RATE_LIMITED_CHANNELS.map((channel) =>
      Worker.create({
        connection,
        namespace,
        taskQueue: channelTaskQueue(taskQueue, channel),
        activities: { sendMessage: activities.sendMessage },
        dataConverter: options.dataConverter,
        maxTaskQueueActivitiesPerSecond: options.channelRates[channel],
      }),
    ),
  );
  return new CaseWorkers([caseWorker, ...channelWorkers]);
}
