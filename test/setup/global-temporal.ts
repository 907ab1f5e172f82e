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

/** One real Temporal dev server (the CLI, SQLite in memory) for all integration tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const executable = await temporalExecutable(process.env.TEMPORAL_CLI_PATH, createLogger('warn'));
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      searchAttributes: sa.allSearchAttributeKeys,
    },
  });
  project.provide('temporalAddress', env.address);
  return () => env.teardown();
}
