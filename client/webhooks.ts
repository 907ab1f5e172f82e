import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { webhookDeliveriesWorkflowId, type webhookDeliveries } from '../workflows/webhooks.js';

/** Starts the delivery workflow of a subscription; a running one is left as it is. */
export class WebhookDeliveryClient {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async ensureDelivering(subscriptionId: string): Promise<void> {
    await this.client.workflow.start<typeof webhookDeliveries>('webhookDeliveries', {
      workflowId: webhookDeliveriesWorkflowId(subscriptionId),
      taskQueue: this.taskQueue,
      args: [{ subscriptionId }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: `Webhook deliveries of subscription ${subscriptionId}`,
    });
  }
}
