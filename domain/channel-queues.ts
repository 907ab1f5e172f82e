import type { Channel } from './segmentation/types.js';

/**
 * Channels whose sends run on a task queue of their own. The worker polling that queue tells the
 * server how many activities per second it may hand out, so the provider's limit holds however
 * many cases want to write at once. Calls are agent tasks: they stay on the case queue.
 */
export const RATE_LIMITED_CHANNELS = ['email', 'sms', 'letter'] as const satisfies readonly Channel[];
export type RateLimitedChannel = (typeof RATE_LIMITED_CHANNELS)[number];

const isRateLimited = (channel: Channel): channel is RateLimitedChannel =>
  (RATE_LIMITED_CHANNELS as readonly Channel[]).includes(channel);

/** `<caseQueue>-email`, `<caseQueue>-sms`, `<caseQueue>-letter`; the case queue itself for calls. */
export function channelTaskQueue(caseQueue: string, channel: Channel): string {
  return isRateLimited(channel) ? `${caseQueue}-${channel}` : caseQueue;
}
