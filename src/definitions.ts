/**
 * The one definitions module: task queue, workflow messages, search attributes and workflow I/O types.
 * Imported by the workflow (so only @temporalio/workflow and @temporalio/common, no Node built-ins), the
 * worker, the API and the tests.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const TASK_QUEUE = 'xero-manual-sync';
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

export type SyncChannel = 'pos' | 'online' | 'b2b';

export type SyncState =
  | 'queued'
  | 'running'
  | 'waiting_for_quota'
  | 'paused'
  | 'needs_reconnect'
  | 'completed'
  | 'completed_with_errors'
  | 'failed'
  | 'cancelled';

export type ContactMapping = { mode: 'auto' } | { mode: 'manual'; contactId: string };

export interface SyncOptions {
  invoiceStatus: 'DRAFT' | 'SUBMITTED' | 'AUTHORISED';
  recordPayments: boolean;
  resyncPolicy: 'skip' | 'update';
}

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
  batchDays: number;
  contactMapping: ContactMapping;
  options: SyncOptions;
  /** This deployment's calls per minute per organisation (for the ETA). */
  callsPerMinute: number;
  /** Calls of the daily quota left for the platform's real-time sync (for the ETA). */
  dailyReserve: number;
  /** Set on a retry-failed request: only the orders that failed in that request are pushed. */
  retryOf?: string;
}

export interface SyncCounts {
  found: number;
  synced: number;
  failed: number;
  skipped: number;
}

export interface SyncProgress {
  requestId: string;
  state: SyncState;
  counts: SyncCounts;
  batchesDone: number;
  batchesTotal: number;
  currentBatch: { index: number; fromDate: string; toDate: string } | null;
  xeroCalls: number;
  /** ISO instant the request resumes at, while waiting for Xero's daily quota. */
  resumeAt: string | null;
  etaSeconds: number | null;
  /** How many times the request waited for Xero's daily quota to reset. */
  quotaWaits: number;
  lastError: string | null;
}

export type ManualSyncResult = SyncProgress;

/** A request's progress before its first batch. */
export function newProgress(
  requestId: string,
  batchesTotal: number,
  state: SyncState = 'queued',
): SyncProgress {
  return {
    requestId,
    state,
    counts: { found: 0, synced: 0, failed: 0, skipped: 0 },
    batchesDone: 0,
    batchesTotal,
    currentBatch: null,
    xeroCalls: 0,
    resumeAt: null,
    etaSeconds: null,
    quotaWaits: 0,
    lastError: null,
  };
}

/** What one batch activity did. */
export interface BatchOutcome {
  /** The request's counts so far (cumulative, from the ledger: a retried batch never double counts). */
  counts: SyncCounts;
  xeroCalls: number;
  /** Set when Xero's daily quota ran out mid-batch: wait until then and run the batch again. */
  resumeAt: string | null;
  /** The tenant's daily budget as last seen (X-DayLimit-Remaining), and seconds until it resets if known. */
  dayRemaining: number | null;
  secondsUntilDayReset: number | null;
}

export const progressQuery = defineQuery<SyncProgress>('progress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const cancelSignal = defineSignal('cancel');
/** Sent by the API and the CLI when a business reconnects Xero: its `needs_reconnect` requests carry on. */
export const reconnectedSignal = defineSignal('reconnected');

/**
 * The ApplicationFailure type of an activity that could not get a usable Xero connection (revoked, expired,
 * disconnected). The workflow waits for a reconnect instead of failing the request.
 */
export const NEEDS_RECONNECT_FAILURE = 'XeroNeedsReconnect';
