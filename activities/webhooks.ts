import { ApplicationFailure, Context } from '@temporalio/activity';
import { Webhook } from 'standardwebhooks';
import type { Database } from '../db/database.js';
import {
  disableSubscription,
  loadDelivery,
  markDeliveryFailed,
  pendingDeliveries,
  recordAttempt,
  type PendingDelivery,
} from '../db/webhooks.js';

/** Deliveries fetched per round of the delivery workflow. */
const BATCH = 100;
/** How long one call waits for new deliveries before the workflow asks again. */
const WAIT_MS = 30_000;
const POLL_MS = 500;
const REQUEST_TIMEOUT_MS = 10_000;
/** Bodies of error answers are kept this short in the delivery log. */
const ERROR_EXCERPT = 200;

export type DeliveryOutcome = 'delivered' | 'gone' | 'skipped';

export function createWebhookActivities(db: Database) {
  return {
    /**
     * Waits (heartbeating) until the subscription has something to deliver, for at most 30 s: one
     * activity per half minute while idle keeps the workflow's history small.
     */
    async nextWebhookDeliveries({
      subscriptionId,
    }: {
      subscriptionId: string;
    }): Promise<{ active: boolean; deliveries: PendingDelivery[] }> {
      const context = Context.current();
      const until = Date.now() + WAIT_MS;
      for (;;) {
        const found = await pendingDeliveries(db, subscriptionId, BATCH);
        if (!found.active || found.deliveries.length > 0 || Date.now() > until) return found;
        context.heartbeat();
        await context.sleep(POLL_MS);
      }
    },

    /**
     * One attempt: signed per Standard Webhooks (`webhook-id` stays the same on every attempt, the
     * timestamp is the attempt's). 2xx delivers, 410 disables the subscription, anything else is
     * thrown so Temporal retries with backoff.
     */
    async deliverWebhook({ deliveryId }: { deliveryId: number }): Promise<DeliveryOutcome> {
      const delivery = await loadDelivery(db, deliveryId);
      if (!delivery || delivery.status !== 'pending' || delivery.subscription_status !== 'active')
        return 'skipped';
      const body = JSON.stringify(delivery.payload);
      const now = new Date();
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Mahnwerk-Webhooks/1',
        'webhook-id': delivery.message_id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(delivery.secret).sign(delivery.message_id, now, body),
      };
      let response: Response;
      try {
        response = await fetch(delivery.url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        const reason =
          error instanceof Error
            ? error.cause instanceof Error
              ? error.cause.message
              : error.message
            : String(error);
        await recordAttempt(db, deliveryId, { statusCode: null, error: reason });
        throw ApplicationFailure.retryable(`webhook receiver unreachable: ${reason}`, 'WebhookUnreachable');
      }
      const excerpt = (await response.text().catch(() => '')).slice(0, ERROR_EXCERPT);
      if (response.ok) {
        await recordAttempt(db, deliveryId, {
          statusCode: response.status,
          error: null,
          status: 'delivered',
        });
        return 'delivered';
      }
      if (response.status === 410) {
        await recordAttempt(db, deliveryId, {
          statusCode: 410,
          error: excerpt || 'Gone',
          status: 'discarded',
        });
        await disableSubscription(db, delivery.subscription_id, 'the receiver answered 410 Gone');
        return 'gone';
      }
      await recordAttempt(db, deliveryId, { statusCode: response.status, error: excerpt || null });
      throw ApplicationFailure.retryable(`webhook receiver answered ${response.status}`, 'WebhookRejected');
    },

    async markWebhookFailed({ deliveryId, reason }: { deliveryId: number; reason: string }): Promise<void> {
      await markDeliveryFailed(db, deliveryId, reason);
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
