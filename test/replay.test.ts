import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { recordedHistories } from './setup/histories.js';
import { sharedBundle } from './setup/harness.js';

describe('replay of recorded histories', () => {
  const histories = recordedHistories();

  it('has recorded histories to check against', () => {
    expect(histories.length).toBeGreaterThan(0);
  });

  it.each(histories)(
    'replays $workflowId deterministically with the current workflow code',
    async ({ workflowId, history }) => {
      await expect(
        Worker.runReplayHistory({ workflowBundle: await sharedBundle() }, history, workflowId),
      ).resolves.toBeUndefined();
    },
  );
});
