import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../config/logger.js';
import * as sa from '../../domain/search-attributes.js';
import { temporalExecutable } from '../../runtime/temporal.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

/** A real Temporal dev server (the CLI, SQLite in memory) with Mahnwerk's search attributes. */
export async function startTemporalDevServer(): Promise<TestWorkflowEnvironment> {
  const executable = await temporalExecutable(process.env.TEMPORAL_CLI_PATH, createLogger('warn'));
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      searchAttributes: sa.allSearchAttributeKeys,
    },
  });
}

/** One dev server for all integration tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = await startTemporalDevServer();
  project.provide('temporalAddress', env.address);
  return () => env.teardown();
}
