import type { Config } from '../config';
import type { Db } from '../db/pool';
import { webhookTaskQueue } from '../definitions';
import type { WebhookDeliveryInput } from '../definitions';
import { eventTypeOf, payloadOf } from './events';
import type { RequestSnapshot } from './events';
import { recordEvent, subscribers } from './store';

/** The longest wait between two attempts (Temporal's maximumInterval); the first is WEBHOOK_BACKOFF_INITIAL_MS. */
export const BACKOFF_MAX_MS = 3_600_000;

/** Starts a delivery's workflow once (its id is the delivery id); one already started or finished is left be. */
export type StartDelivery = (input: WebhookDeliveryInput) => Promise<void>;

/**
 * Emits a request's event: recorded with one pending delivery per subscribed endpoint, and one delivery workflow
 * started for each. Nothing is recorded or started for a business without subscribers. The caller is an
 * activity of the sync's workflow: starting a workflow returns at once, so a slow or dead receiver never holds
 * the sync; every step is idempotent, so the activity's retries make no second event.
 */
export async function emitRequestEvent(
  deps: { db: Db; cfg: Config },
  eventId: string,
  snapshot: RequestSnapshot,
  start: StartDelivery,
  now = new Date(),
): Promise<number> {
  const endpoints = await subscribers(deps.db, snapshot.businessId, eventTypeOf(snapshot.state));
  if (endpoints.length === 0) return 0;
  const deliveries = await recordEvent(
    deps.db,
    {
      id: eventId,
      businessId: snapshot.businessId,
      requestId: snapshot.requestId,
      payload: payloadOf(snapshot, now),
    },
    endpoints,
  );
  const { cfg } = deps;
  for (const d of deliveries)
    await start({
      deliveryId: d.deliveryId,
      eventId,
      endpointId: d.endpointId,
      attemptQueue: webhookTaskQueue(cfg.TEMPORAL_TASK_QUEUE),
      attemptTimeoutMs: cfg.WEBHOOK_ATTEMPT_TIMEOUT_MS,
      backoffInitialMs: cfg.WEBHOOK_BACKOFF_INITIAL_MS,
      backoffMaxMs: BACKOFF_MAX_MS,
      retryForMs: cfg.WEBHOOK_RETRY_FOR_MS,
    });
  return deliveries.length;
}
