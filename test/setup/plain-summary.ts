import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** Where the closing line is also written, for `.ci/run` to end its log with it. */
export const SUMMARY_FILE = path.resolve('test-artifacts/test-summary.txt');

/**
 * Closes the run with one plain line, `tests: N passed, N failed, N skipped`, that tools which
 * do not know vitest's coloured summary can read. A file that failed to load counts as failed.
 */
export default class PlainSummary implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const module of modules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') failedHere++;
        else count.skipped++;
      }
      if (failedHere === 0 && module.state() === 'failed') failedHere = 1;
      count.failed += failedHere;
    }
    const line = `tests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped`;
    mkdirSync(path.dirname(SUMMARY_FILE), { recursive: true });
    writeFileSync(SUMMARY_FILE, `${line}\n`);
    process.stdout.write(`\n${line}\n`);
  }
}
