import {
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { createActivities } from '../../activities/index.js';
import { channelTaskQueue } from '../../domain/channel-queues.js';
import type { Channel } from '../../domain/segmentation/types.js';

export type Activities = ReturnType<typeof createActivities>;
export type Snapshot = Awaited<ReturnType<Activities['loadCaseSnapshot']>>;

export const {
  loadCaseSnapshot,
  loadPolicies,
  reportCase,
  createAgentTask,
  withdrawAgentTask,
  withdrawOpenAgentTasks,
  escalateCase,
  handOverCase,
  recordHandoffReport,
} = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * The case's own reads and reports as local activities: they run inside the workflow task that
 * asks for them and leave one marker in the history, where a scheduled activity costs three events
 * and two more workflow tasks. Cases opened before the lean case (`lean-case`) replay with the
 * scheduled ones above.
 */
export const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** The agent waits for the answer: a few quick attempts, then the update fails and can be sent again. */
export const { completeAgentTask } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 4 },
});

/**
 * Per channel: how long one attempt may take and how retries back off. Provider 429/5xx and network
 * errors are retried; a rejection that can never succeed is not (the activity reports it as
 * `failed`, and the step moves on to its fallback channel).
 */
const sendOptions: Record<Channel, ActivityOptions> = {
  email: {
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '5 seconds',
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      nonRetryableErrorTypes: ['PermanentEmailError'],
    },
  },
  sms: {
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '10 seconds',
      backoffCoefficient: 2,
      maximumInterval: '30 minutes',
      nonRetryableErrorTypes: ['PermanentSmsError'],
    },
  },
  // A PDF is rendered and uploaded: more time per attempt; the print service dedupes by key.
  letter: {
    startToCloseTimeout: '2 minutes',
    retry: {
      initialInterval: '30 seconds',
      backoffCoefficient: 2,
      maximumInterval: '1 hour',
      nonRetryableErrorTypes: ['PermanentLetterError'],
    },
  },
  call: {
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
  },
};

/**
 * A send runs on its channel's task queue, where the worker enforces the provider's rate limit. The
 * Web UI shows each send as what it is ("E-mail reminder (email, de)"), never to whom.
 */
export const sendMessageAs = (channel: Channel, summary: string) =>
  proxyActivities<Activities>({
    ...sendOptions[channel],
    taskQueue: channelTaskQueue(workflowInfo().taskQueue, channel),
    summary,
  }).sendMessage;
