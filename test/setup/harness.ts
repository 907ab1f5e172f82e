import { randomUUID } from 'node:crypto';
import type { WorkflowBundle } from '@temporalio/worker';
import { loadConfig } from '../../config/env.js';
import { createLogger } from '../../config/logger.js';
import { startMahnwerk, type Mahnwerk } from '../../runtime/app.js';
import { bundleWorkflows } from '../../worker/worker.js';

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundling takes seconds: once per test file. */
export const sharedBundle = (): Promise<WorkflowBundle> => (bundle ??= bundleWorkflows());

export const TEST_API_KEY = 'test-key-0123456789abcdefghij';

export interface RunningProduct extends Mahnwerk {
  apiUrl: string;
  request(
    method: string,
    path: string,
    body?: unknown,
    apiKey?: string,
  ): Promise<{ status: number; body: unknown }>;
}

/**
 * The whole product in-process, as `npm start` runs it, but against the shared test dev server,
 * with its own task queue, an in-memory PGlite, and a loopback SMTP outbox on a free port.
 */
export async function startProduct(temporalAddress: string): Promise<RunningProduct> {
  const config = loadConfig({
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    PORT: '0',
    SMTP_OUTBOX_PORT: '0',
    MAHNWERK_DEV_API_KEY: TEST_API_KEY,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
  });
  const mahnwerk = await startMahnwerk(config, {
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'warn'),
    workflowBundle: await sharedBundle(),
    inMemoryDatabase: true,
  });
  const apiUrl = mahnwerk.apiUrl;
  if (!apiUrl) throw new Error('the API did not start');
  return {
    ...mahnwerk,
    apiUrl,
    async request(method, path, body, apiKey = TEST_API_KEY) {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
  };
}
