import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The default report, then one plain closing line that any CI log reader understands.
    reporters: ['default', './test/setup/plain-summary.ts'],
    globalSetup: ['test/setup/global-temporal.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Two cores: the Temporal servers, the worker and the tests share them.
    maxWorkers: 2,
  },
});
