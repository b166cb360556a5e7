import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SyncCounts, SyncState } from '../contract';
import type { SyncState as State } from '../contract';
import { linksOf } from '../requests/history';

/**
 * The events a business's webhook endpoints can subscribe to: one per state a sync request records, with
 * `submitted` for the request's acceptance (state `queued`). The payload follows the Standard Webhooks shape
 * (`type`, `timestamp`, `data`) and is described once here, for the emitter and for the OpenAPI document.
 */
export const WEBHOOK_EVENT_TYPES = [
  'sync_request.submitted',
  'sync_request.running',
  'sync_request.waiting_for_quota',
  'sync_request.needs_reconnect',
  'sync_request.paused',
  'sync_request.completed',
  'sync_request.completed_with_errors',
  'sync_request.failed',
  'sync_request.cancelled',
  'xero_connection.needs_reconnect',
] as const;

export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

export const EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  'sync_request.submitted': 'The request was accepted and its plan recorded (`expected` orders).',
  'sync_request.running':
    'The request is sending to Xero (at its start, and again after every wait or pause).',
  'sync_request.waiting_for_quota':
    "Xero's daily call limit for the organisation is used up; `resumeAt` says when the request carries on " +
    '(`resumeAtIsReset`: the daily reset; otherwise when it looks again).',
  'sync_request.needs_reconnect':
    'Xero refused the business’s connection; the request waits until the business connects again (`lastError`).',
  'sync_request.paused': 'The request is paused (POST …/pause); it waits for resume or cancel.',
  'sync_request.completed': 'Every order of the request is in Xero (or was skipped).',
  'sync_request.completed_with_errors':
    'The request ended; some orders failed (`counts.failed`, see …/orders).',
  'sync_request.failed': 'The request stopped on an error it cannot get past (`lastError`).',
  'sync_request.cancelled': 'The request was cancelled.',
  'xero_connection.needs_reconnect':
    'The business’s Xero connection needs reconnecting (`lastError` says why): Xero refused its refresh token or ' +
    'credentials, or no longer lists the organisation. Sent once per change, by the keep-alive (every 6 hours), ' +
    'also when no request is running; send the merchant to `links.connect` (GET with the key).',
};

export type RequestEventType = Exclude<WebhookEventType, 'xero_connection.needs_reconnect'>;

export function eventTypeOf(state: State): RequestEventType {
  return state === 'queued' ? 'sync_request.submitted' : `sync_request.${state}`;
}

export const WebhookEventPayload = z.object({
  type: WebhookEventType.exclude(['xero_connection.needs_reconnect']),
  timestamp: z.string().describe('When it happened (ISO 8601, UTC); order events of one request by it.'),
  data: z.object({
    id: z.string().describe('The sync request (sr_…).'),
    businessId: z.string(),
    state: SyncState,
    channel: z.string(),
    locationId: z.string().describe('A location, or "all".'),
    startDate: z.string(),
    endDate: z.string(),
    expected: z
      .number()
      .int()
      .nullable()
      .describe('Orders the range holds (known once the plan is recorded).'),
    counts: SyncCounts,
    changes: z
      .object({ applied: z.number().int(), failed: z.number().int() })
      .describe(
        'Changes of orders already in Xero (later payments, refunds, voids) the request applied or could not apply so far, apart from the new orders in `counts`.',
      ),
    resumeAt: z
      .string()
      .nullable()
      .describe('waiting_for_quota: when the request carries on; otherwise null.'),
    resumeAtIsReset: z.boolean(),
    lastError: z.string().nullable(),
    retryOf: z.string().nullable(),
    links: z
      .object({ self: z.string(), orders: z.string() })
      .describe('Paths of this API (GET with the key).'),
  }),
});
export type WebhookEventPayload = z.infer<typeof WebhookEventPayload>;

/** `xero_connection.needs_reconnect`: the connection, never a token. */
export const ConnectionEventPayload = z.object({
  type: z.literal('xero_connection.needs_reconnect'),
  timestamp: z.string().describe('When the connection turned needs_reconnect (ISO 8601, UTC).'),
  data: z.object({
    businessId: z.string(),
    status: z.literal('needs_reconnect'),
    kind: z.enum(['oauth', 'custom']),
    tenantId: z.string().describe('The Xero organisation it was connected to.'),
    tenantName: z.string().nullable(),
    lastError: z.string().nullable().describe('Why, in words.'),
    links: z
      .object({ connect: z.string() })
      .describe(
        'Where to send the merchant to connect again (GET with the key; a Custom Connection: the CLI).',
      ),
  }),
});
export type ConnectionEventPayload = z.infer<typeof ConnectionEventPayload>;

/** Any event's body, as stored and delivered. */
export type AnyEventPayload = WebhookEventPayload | ConnectionEventPayload;

export interface ConnectionChange {
  businessId: string;
  kind: 'oauth' | 'custom';
  tenantId: string;
  tenantName: string | null;
  lastError: string | null;
  /** When it turned needs_reconnect: with the business, what makes the event (and its id) one. */
  updatedAt: Date;
}

export function connectionPayloadOf(change: ConnectionChange): ConnectionEventPayload {
  return {
    type: 'xero_connection.needs_reconnect',
    timestamp: change.updatedAt.toISOString(),
    data: {
      businessId: change.businessId,
      status: 'needs_reconnect',
      kind: change.kind,
      tenantId: change.tenantId,
      tenantName: change.tenantName,
      lastError: change.lastError,
      links: { connect: `/xero/connect?business=${encodeURIComponent(change.businessId)}` },
    },
  };
}

/** What a state change says about its request: the recorded progress plus the request's own fields. */
export interface RequestSnapshot {
  requestId: string;
  businessId: string;
  state: State;
  channel: string;
  locationId: string | null;
  startDate: string;
  endDate: string;
  expected: number | null;
  counts: z.infer<typeof SyncCounts>;
  /** Changes of orders in Xero applied and refused so far (read when the event is made). */
  changes?: { applied: number; failed: number };
  resumeAt: string | null;
  resumeAtIsReset: boolean;
  lastError: string | null;
  retryOf: string | null;
}

export function payloadOf(snapshot: RequestSnapshot, at: Date): WebhookEventPayload {
  const { self, orders } = linksOf(snapshot.requestId);
  const waiting = snapshot.state === 'waiting_for_quota';
  return {
    type: eventTypeOf(snapshot.state),
    timestamp: at.toISOString(),
    data: {
      id: snapshot.requestId,
      businessId: snapshot.businessId,
      state: snapshot.state,
      channel: snapshot.channel,
      locationId: snapshot.locationId ?? 'all',
      startDate: snapshot.startDate,
      endDate: snapshot.endDate,
      expected: snapshot.expected,
      counts: snapshot.counts,
      changes: snapshot.changes ?? { applied: 0, failed: 0 },
      resumeAt: waiting ? snapshot.resumeAt : null,
      resumeAtIsReset: waiting && snapshot.resumeAtIsReset,
      lastError: snapshot.lastError,
      retryOf: snapshot.retryOf,
      links: { self, orders },
    },
  };
}

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex');

/**
 * An event's id (the `webhook-id` receivers de-duplicate on): the workflow run and the activity that recorded
 * the state change. Temporal retries an activity under the same id, so a retried recording makes the same event,
 * and every other recording (each its own activity) a new one.
 */
export function eventIdOf(workflowId: string, runId: string, activityId: string): string {
  return `evt_${hash(workflowId, runId, activityId).slice(0, 24)}`;
}

/** A connection event's id: the business and the moment it changed, so telling the same change again is a no-op. */
export function connectionEventIdOf(change: Pick<ConnectionChange, 'businessId' | 'updatedAt'>): string {
  return `evt_${hash('xero_connection.needs_reconnect', change.businessId, change.updatedAt.toISOString()).slice(0, 24)}`;
}

/** One delivery per event and endpoint; also its workflow's id, so a delivery is started once. */
export function deliveryIdOf(eventId: string, endpointId: string): string {
  return `whd_${hash(eventId, endpointId).slice(0, 24)}`;
}
