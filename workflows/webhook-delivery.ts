import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities';
import type { WebhookDeliveryInput, WebhookDeliveryResult } from '../src/definitions';

/**
 * One signed webhook delivery, durable: attempts on the webhook task queue until one gets a 2xx, Temporal's
 * retry policy spacing them (exponential from `backoffInitialMs`, at most `backoffMaxMs` apart) for up to
 * `retryForMs` (24 hours by default); each attempt has its own timeout. Started by the sync's activity with this
 * delivery's id as workflow id, so it runs once however often the activity is retried, and the sync never
 * waits for it.
 */
export async function webhookDelivery(input: WebhookDeliveryInput): Promise<WebhookDeliveryResult> {
  const { attemptWebhookDelivery } = proxyActivities<WebhookActivities>({
    taskQueue: input.attemptQueue,
    // The attempt's own timeout stops its HTTP call; this margin covers recording it, and a worker that died.
    startToCloseTimeout: input.attemptTimeoutMs + 10_000,
    scheduleToCloseTimeout: input.retryForMs,
    retry: {
      initialInterval: input.backoffInitialMs,
      backoffCoefficient: 2,
      maximumInterval: input.backoffMaxMs,
    },
  });
  const { giveUpWebhookDelivery } = proxyActivities<WebhookActivities>({
    taskQueue: input.attemptQueue,
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  try {
    return await attemptWebhookDelivery(input);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    await giveUpWebhookDelivery(input.deliveryId);
    return 'given_up';
  }
}
