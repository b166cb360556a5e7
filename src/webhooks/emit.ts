import type { Config } from '../config';
import type { Db } from '../db/pool';
import { webhookTaskQueue } from '../definitions';
import type { WebhookDeliveryInput } from '../definitions';
import { connectionEventIdOf, connectionPayloadOf, payloadOf } from './events';
import { requestChangeCounts } from '../requests/change-counts';
import type { AnyEventPayload, ConnectionChange, RequestSnapshot } from './events';
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
  return emit(deps, start, {
    id: eventId,
    businessId: snapshot.businessId,
    requestId: snapshot.requestId,
    payload: payloadOf({ ...snapshot, changes: await requestChangeCounts(deps.db, snapshot.requestId) }, now),
  });
}

/**
 * Emits `xero_connection.needs_reconnect` for a connection that turned needs_reconnect. Its id comes from the
 * business and the moment of the change, so telling the same change again (a retried activity, the next run)
 * records nothing new and starts no second delivery.
 */
export async function emitConnectionEvent(
  deps: { db: Db; cfg: Config },
  change: ConnectionChange,
  start: StartDelivery,
): Promise<number> {
  return emit(deps, start, {
    id: connectionEventIdOf(change),
    businessId: change.businessId,
    requestId: null,
    payload: connectionPayloadOf(change),
  });
}

/** Every connection change as its event (emitConnectionEvent); answers the deliveries started in all. */
export async function emitConnectionEvents(
  deps: { db: Db; cfg: Config },
  changes: ConnectionChange[],
  start: StartDelivery,
): Promise<number> {
  let deliveries = 0;
  for (const change of changes) deliveries += await emitConnectionEvent(deps, change, start);
  return deliveries;
}

/** Recorded with one pending delivery per subscribed endpoint, and one delivery workflow started for each. */
async function emit(
  deps: { db: Db; cfg: Config },
  start: StartDelivery,
  event: { id: string; businessId: string; requestId: string | null; payload: AnyEventPayload },
): Promise<number> {
  const endpoints = await subscribers(deps.db, event.businessId, event.payload.type);
  if (endpoints.length === 0) return 0;
  const deliveries = await recordEvent(deps.db, event, endpoints);
  const { cfg } = deps;
  for (const d of deliveries)
    await start({
      deliveryId: d.deliveryId,
      eventId: event.id,
      endpointId: d.endpointId,
      attemptQueue: webhookTaskQueue(cfg.TEMPORAL_TASK_QUEUE),
      attemptTimeoutMs: cfg.WEBHOOK_ATTEMPT_TIMEOUT_MS,
      backoffInitialMs: cfg.WEBHOOK_BACKOFF_INITIAL_MS,
      backoffMaxMs: BACKOFF_MAX_MS,
      retryForMs: cfg.WEBHOOK_RETRY_FOR_MS,
    });
  return deliveries.length;
}
