import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SyncCounts, SyncState } from '../contract';
import type { SyncState as State } from '../contract';
import { linksOf } from '../sync-requests/history';

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
};

export function eventTypeOf(state: State): WebhookEventType {
  return state === 'queued' ? 'sync_request.submitted' : `sync_request.${state}`;
}

export const WebhookEventPayload = z.object({
  type: WebhookEventType,
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

/** One delivery per event and endpoint; also its workflow's id, so a delivery is started once. */
export function deliveryIdOf(eventId: string, endpointId: string): string {
  return `whd_${hash(eventId, endpointId).slice(0, 24)}`;
}
