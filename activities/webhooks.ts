import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WebhookDeliveryInput, WebhookDeliveryResult } from '../src/definitions';
import type { Dependencies } from '../src/runtime';
import { attemptDelivery, giveUp } from '../src/webhooks/deliver';

/**
 * The webhook task queue's activities: one delivery attempt, and marking a delivery given up. A failed attempt
 * is a retryable failure whose message is only what happened (a status, a timeout): Temporal then retries it.
 */
export function createWebhookActivities(deps: Dependencies) {
  const delivery = {
    db: deps.db,
    cipher: deps.cipher,
    policy: { allowPrivate: deps.cfg.WEBHOOK_ALLOW_PRIVATE_URLS },
  };
  return {
    attemptWebhookDelivery: async (input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> => {
      const result = await attemptDelivery(delivery, input, Context.current().info.attempt);
      if (result.outcome === 'endpoint_deleted') return 'endpoint_deleted';
      if (result.outcome === 'delivered') return 'delivered';
      throw ApplicationFailure.create({
        type: 'WebhookNotDelivered',
        message: result.error ?? result.outcome,
      });
    },
    giveUpWebhookDelivery: (deliveryId: string) => giveUp(deps.db, deliveryId),
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
