import { ActivityFailure, continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhooks.js';

export interface WebhookDeliveriesInput {
  subscriptionId: string;
}

export const webhookDeliveriesWorkflowId = (subscriptionId: string) => `webhooks-${subscriptionId}`;

const { nextWebhookDeliveries, markWebhookFailed } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '2 minutes',
  // It heartbeats every half second: a worker that died is noticed within seconds.
  heartbeatTimeout: '5 seconds',
  retry: { maximumInterval: '1 minute' },
});

/** A receiver gets each event for three days, backing off from one second to an hour between tries. */
const { deliverWebhook } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 hour' },
});

/** Rounds per run before continuing as new (an idle round is one activity, every 30 s). */
const ROUNDS_PER_RUN = 200;

/**
 * One workflow per subscription (id `webhooks-<subscriptionId>`), independent of the case
 * workflows: it reads the subscription's outbox rows and delivers them. Events of one case go out
 * one after the other, in the order they happened; different cases go out side by side. A
 * delivery that still fails after three days is marked failed and the case's next event follows.
 * It ends when the subscription is deleted or the receiver answered 410.
 */
export async function webhookDeliveries(input: WebhookDeliveriesInput): Promise<void> {
  for (let round = 0; round < ROUNDS_PER_RUN && !workflowInfo().continueAsNewSuggested; round++) {
    const { active, deliveries } = await nextWebhookDeliveries(input);
    if (!active) return;
    const perCase = new Map<string, number[]>();
    for (const d of deliveries) perCase.set(d.debtorId, [...(perCase.get(d.debtorId) ?? []), d.id]);
    const outcomes = await Promise.all([...perCase.values()].map(deliverInOrder));
    if (outcomes.includes('gone')) return;
  }
  await continueAsNew<typeof webhookDeliveries>(input);
}

async function deliverInOrder(deliveryIds: number[]): Promise<'gone' | 'done'> {
  for (const deliveryId of deliveryIds) {
    try {
      if ((await deliverWebhook({ deliveryId })) === 'gone') return 'gone';
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      await markWebhookFailed({
        deliveryId,
        reason: `gave up after three days: ${error.cause?.message ?? error.message}`,
      });
    }
  }
  return 'done';
}
