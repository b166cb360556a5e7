/**
 * The one definitions module: task queue, workflow messages, search attributes and workflow I/O types.
 * Imported by the workflow (so only @temporalio/workflow and @temporalio/common, no Node built-ins), the
 * worker, the API and the tests.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { z } from 'zod';
import type { Channel } from './contract';
import type * as contract from './contract';

export const MANUAL_SYNC_WORKFLOW = 'manualSync';

export const SearchAttributes = {
  businessId: defineSearchAttributeKey('XeroSyncBusinessId', SearchAttributeType.KEYWORD),
  channel: defineSearchAttributeKey('XeroSyncChannel', SearchAttributeType.KEYWORD),
  locationId: defineSearchAttributeKey('XeroSyncLocationId', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('XeroSyncState', SearchAttributeType.KEYWORD),
  rangeStart: defineSearchAttributeKey('XeroSyncRangeStart', SearchAttributeType.DATETIME),
  rangeEnd: defineSearchAttributeKey('XeroSyncRangeEnd', SearchAttributeType.DATETIME),
} as const;

/** Every custom search attribute with its server-side type name, for registration. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS: ReadonlyArray<{ name: string; type: 'Keyword' | 'Datetime' }> =
  Object.values(SearchAttributes).map((key) => ({
    name: key.name,
    type: key.type === SearchAttributeType.DATETIME ? 'Datetime' : 'Keyword',
  }));

/** "all" sentinel for the location search attribute, so "every location" requests are filterable too. */
export const ALL_LOCATIONS = '*';

// The contracts are zod schemas where they cross a boundary; the workflow sees only their types (erased).
export type SyncChannel = z.infer<typeof Channel>;
export type SyncState = z.infer<typeof contract.SyncState>;
export type ContactMapping = z.infer<typeof contract.ContactMapping>;
export type SyncOptions = z.infer<typeof contract.SyncOptions>;

/**
 * How the workflow walks a request. 2: a cursor over (placedAt, id) across the whole range, work packed by Xero
 * calls (docs/architecture.md "How a sync runs"). A request keeps the plan it was started with; a worker that
 * does not know a request's plan refuses it rather than walk it another way and skip or repeat orders.
 */
export const PLAN_VERSION = 2;

/** The workflow's input. No secret ever travels here: activities look tokens up by business. */
export interface ManualSyncInput {
  requestId: string;
  businessId: string;
  channel: SyncChannel;
  /** null: every location of the channel. */
  locationId: string | null;
  /** Inclusive local dates (YYYY-MM-DD) in the business's time zone. */
  startDate: string;
  endDate: string;
  timeZone: string;
  contactMapping: ContactMapping;
  options: SyncOptions;
  planVersion: number;
  /**
   * The steps' heartbeat timeout: one Xero call's timeout plus one pacing interval plus a margin (steps heartbeat
   * around every call and while waiting), fixed when the request is submitted.
   */
  stepHeartbeatMs: number;
  /** Set on a retry-failed request: only the orders that failed in that request are pushed. */
  retryOf?: string;
}

export type SyncCounts = z.infer<typeof contract.SyncCounts>;

/**
 * Where a request is: resolving its contacts, walking its orders (and writing their follow-ups), or done.
 * `queued` until its first step.
 */
export type SyncPhase = z.infer<typeof contract.SyncPhase>;

/** The orders walk's position: the last (placedAt, id) whose invoice was handled. */
export type OrdersCursor = z.infer<typeof contract.OrdersCursor>;

/** What one step (one activity) did. */
export interface StepOutcome {
  /** The phase's work is all done. */
  done: boolean;
  cursor: OrdersCursor;
  /** Xero's daily budget is spent: wait until then and run the step again. */
  resumeAt: string | null;
  /** true: resumeAt is the daily window's reset (known or learnt); false: when to look again. */
  resetKnown: boolean;
  /** Whether the step got anything done (a step stopped at once by the daily budget did not). */
  progressed: boolean;
  counts: SyncCounts;
}

/**
 * The workflow's own state: the `progress` query (for the Web UI) and what it records in the history log on
 * every state change. The API serves counts, calls and the ETA from PostgreSQL, never by asking the workflow.
 */
export type SyncProgress = z.infer<typeof contract.SyncProgress>;

export type ManualSyncResult = SyncProgress;

/**
 * The sync workflow's signature as clients start it (the workflow's own second parameter, what a continue-as-new
 * carries, is its own business): clients type their start with this, never by importing workflow code.
 */
export type ManualSyncWorkflow = (input: ManualSyncInput) => Promise<ManualSyncResult>;

export const NO_COUNTS: SyncCounts = { found: 0, synced: 0, failed: 0, skipped: 0 };

/** A request's progress before its first step. */
export function newProgress(requestId: string, state: SyncState = 'queued'): SyncProgress {
  return {
    requestId,
    state,
    phase: 'queued',
    cursor: { after: null, walked: false },
    counts: { ...NO_COUNTS },
    resumeAt: null,
    resumeAtIsReset: false,
    quotaWaits: 0,
    pausing: false,
    lastError: null,
  };
}

/** The answer to pause, resume and cancel: the workflow's own acceptance. */
export interface ControlAnswer {
  state: SyncState;
  /** The change is accepted and takes effect at the step's next page (pause, while a step runs), or at once. */
  pending: boolean;
}

export const progressQuery = defineQuery<SyncProgress>('progress');
/** Updates, so the caller hears the workflow accept or refuse (with its reason), not a fire-and-forget signal. */
export const pauseUpdate = defineUpdate<ControlAnswer>('pause');
export const resumeUpdate = defineUpdate<ControlAnswer>('resume');
export const cancelUpdate = defineUpdate<ControlAnswer>('cancel');
/** Sent by the API and the CLI when a business reconnects Xero: its `needs_reconnect` requests carry on. */
export const reconnectedSignal = defineSignal('reconnected');
/**
 * Sent by the API when a business changes its daily reserve or daily call limit: its requests waiting for the
 * daily quota look again at once (a lower reserve may leave calls for them now), so the wait and its ETA move.
 */
export const quotaSettingsChangedSignal = defineSignal('quotaSettingsChanged');

/**
 * The ApplicationFailure type of an activity that could not get a usable Xero connection (revoked, expired,
 * disconnected). The workflow waits for a reconnect instead of failing the request.
 */
export const NEEDS_RECONNECT_FAILURE = 'XeroNeedsReconnect';

/** A step's heartbeat timeout: longer than one call plus one pacing interval, with 10 s to spare. */
export function stepHeartbeatMs(cfg: {
  XERO_REQUEST_TIMEOUT_MS: number;
  XERO_WINDOW_MS: number;
  XERO_MINUTE_BUDGET: number;
}): number {
  return cfg.XERO_REQUEST_TIMEOUT_MS + Math.ceil(cfg.XERO_WINDOW_MS / cfg.XERO_MINUTE_BUDGET) + 10_000;
}

export const WEBHOOK_DELIVERY_WORKFLOW = 'webhookDelivery';

/**
 * The task queue webhook delivery attempts run on: apart from the sync's, served by its own worker with its own
 * activity slots, so a slow or dead receiver never takes a slot a sync step needs.
 */
export function webhookTaskQueue(taskQueue: string): string {
  return `${taskQueue}-webhooks`;
}

/**
 * One signed webhook delivery (one event to one endpoint). Ids and the retry policy only: the payload and the
 * secret stay in PostgreSQL. The policy is fixed when the event is emitted.
 */
export interface WebhookDeliveryInput {
  deliveryId: string;
  eventId: string;
  endpointId: string;
  attemptQueue: string;
  attemptTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Give up this long after the first attempt was scheduled. */
  retryForMs: number;
}

/** How a delivery ended: a 2xx, every try for `retryForMs` failed, or its endpoint was deleted meanwhile. */
export type WebhookDeliveryResult = 'delivered' | 'given_up' | 'endpoint_deleted';

/**
 * The Xero keep-alive: a Temporal Schedule starts this workflow every KEEPALIVE_EVERY; it refreshes every OAuth
 * connection whose refresh token has gone unused for XERO_KEEPALIVE_AFTER_DAYS (Xero expires one after 60), then
 * sends `xero_connection.needs_reconnect` for each connection that Xero refused lately.
 */
export const XERO_KEEPALIVE_WORKFLOW = 'xeroKeepAlive';
export const KEEPALIVE_EVERY_MS = 6 * 3_600_000;

/** One schedule (and one workflow id) per task queue: a deployment's workers share it, however many there are. */
export function keepAliveScheduleId(taskQueue: string): string {
  return `xero-keep-alive-${taskQueue}`;
}

export interface KeepAliveResult {
  /** Active OAuth connections idle for longer than the setting. */
  idle: number;
  refreshed: number;
  /** Xero refused their refresh token: now needs_reconnect. */
  needsReconnect: number;
  /** No answer from Xero: the next run tries again. */
  failed: number;
  /** Connection events recorded for webhook endpoints. */
  events: number;
}

/**
 * The undo of a request (issue 27 part 2, docs/undo.md): its own workflow, one per request at a time (workflow id
 * `undoWorkflowId(requestId)`; a cancelled or ended one is started again under the same id to finish the rest).
 */
export const UNDO_REQUEST_WORKFLOW = 'undoRequest';

export function undoWorkflowId(requestId: string): string {
  return `undo-${requestId}`;
}

export type UndoState = z.infer<typeof contract.UndoState>;

/** The undo workflow's input: ids only (no secret); the take-backs live in PostgreSQL (undo_items). */
export interface UndoInput {
  requestId: string;
  businessId: string;
  /** Which start of the undo this is (1, 2, … after a cancel). */
  run: number;
  /** The step's heartbeat timeout, as the sync's (stepHeartbeatMs). */
  stepHeartbeatMs: number;
}

/** What one undo step did. */
export interface UndoStepOutcome {
  /** Every take-back is done or left in place. */
  done: boolean;
  /** Xero's daily budget is spent: wait until then and run the step again. */
  resumeAt: string | null;
  resetKnown: boolean;
  /** The step stopped for a cancel the API accepted. */
  cancelled: boolean;
}

/** The undo workflow's own state (its `undoProgress` query, and what it records in request_undos). */
export interface UndoProgressState {
  requestId: string;
  state: UndoState;
  resumeAt: string | null;
  lastError: string | null;
}

export type UndoRequestWorkflow = (input: UndoInput) => Promise<UndoProgressState>;

export const undoProgressQuery = defineQuery<UndoProgressState>('undoProgress');
/** Cancel the undo at its next take-back (what is done stays done). */
export const cancelUndoUpdate = defineUpdate<{ state: UndoState; pending: boolean }>('cancelUndo');
