import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../db/pool';
import { newProgress, progressQuery, SearchAttributes } from '../definitions';
import { planBatches } from '../sync/planning';
import type { ManualSyncResult, SyncCounts, SyncProgress, SyncState } from '../definitions';
import { notFound } from '../api/errors';
import { isRealDate } from '../calendar';
import { CLOSED_STATES, correctState, countsFor, getRequest, listRequests } from './store';
import type { HistoryFilter, RequestRow } from './store';

/**
 * The history log and a request's detail. Rows come from sync_requests (every request, beyond Temporal's
 * retention); live state comes from Temporal (visibility for lists, the workflow's query for one request).
 */
export interface HistoryDeps {
  db: Db;
  temporal: Client;
}

export function linksOf(id: string) {
  const self = `/api/sync-requests/${id}`;
  return {
    self,
    orders: `${self}/orders`,
    pause: `${self}/pause`,
    resume: `${self}/resume`,
    cancel: `${self}/cancel`,
    retryFailed: `${self}/retry-failed`,
  };
}

function summaryOf(row: RequestRow, state: SyncState, counts: SyncCounts) {
  const { input } = row;
  return {
    id: row.id,
    state,
    channel: input.channel,
    locationId: input.locationId ?? 'all',
    startDate: input.startDate,
    endDate: input.endDate,
    contactMapping: input.contactMapping,
    retryOf: row.retryOf,
    createdAt: row.createdAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
    counts,
    links: linksOf(row.id),
  };
}

/** Temporal's view of a workflow that may have ended without recording its state (terminated, timed out). */
function stateFromTemporal(
  info: Pick<WorkflowExecutionInfo, 'status' | 'typedSearchAttributes'>,
): SyncState | null {
  switch (info.status.name) {
    case 'RUNNING':
    case 'COMPLETED':
      return (info.typedSearchAttributes.get(SearchAttributes.state) as SyncState | undefined) ?? null;
    case 'CANCELLED':
      return 'cancelled';
    case 'FAILED':
    case 'TERMINATED':
    case 'TIMED_OUT':
      return 'failed';
    default:
      return null;
  }
}

/** Live states of the page's open requests, in one visibility query; closed ones are final in the table. */
async function liveStates(
  deps: HistoryDeps,
  rows: RequestRow[],
): Promise<Map<string, WorkflowExecutionInfo>> {
  const open = rows.filter((r) => !CLOSED_STATES.has(r.state)).map((r) => r.id);
  const found = new Map<string, WorkflowExecutionInfo>();
  if (open.length === 0) return found;
  const query = `WorkflowId IN (${open.map((id) => `'${id}'`).join(', ')})`;
  for await (const info of deps.temporal.workflow.list({ query })) {
    // Continue-as-new leaves closed runs behind: the newest run (latest start) is the request's state.
    const seen = found.get(info.workflowId);
    if (!seen || seen.startTime < info.startTime) found.set(info.workflowId, info);
  }
  return found;
}

async function reconcile(deps: HistoryDeps, row: RequestRow, info: WorkflowExecutionInfo | undefined) {
  const live = info ? stateFromTemporal(info) : null;
  if (!live || live === row.state) return row.state;
  if (CLOSED_STATES.has(live)) await correctState(deps.db, row.id, live, info?.closeTime ?? new Date());
  return live;
}

export interface HistoryPageResult {
  items: Array<ReturnType<typeof summaryOf>>;
  nextCursor: string | null;
}

export async function listHistory(
  deps: HistoryDeps,
  filter: Omit<HistoryFilter, 'after'>,
  cursor: string | undefined,
): Promise<HistoryPageResult> {
  const after = cursor ? decodeCursor(cursor, { createdAt: isTimestampText, id: isRequestId }) : undefined;
  const rows = await listRequests(deps.db, { ...filter, limit: filter.limit + 1, after });
  const page = rows.slice(0, filter.limit);
  const [live, counts] = await Promise.all([
    liveStates(deps, page),
    countsFor(
      deps.db,
      page.map((r) => r.id),
    ),
  ]);
  const items = await Promise.all(
    page.map(async (row) =>
      summaryOf(row, await reconcile(deps, row, live.get(row.id)), counts.get(row.id)!),
    ),
  );
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > filter.limit && last ? encodeCursor({ createdAt: last.createdKey, id: last.id }) : null;
  return { items, nextCursor };
}

export async function requireRequest(deps: HistoryDeps, businessId: string, id: string): Promise<RequestRow> {
  const row = await getRequest(deps.db, businessId, id);
  if (!row) throw notFound(`Sync request ${JSON.stringify(id)}`);
  return row;
}

/** One request: live progress from the workflow's query, a closed request's result, or the recorded state. */
export async function describeRequest(deps: HistoryDeps, businessId: string, id: string) {
  const row = await requireRequest(deps, businessId, id);
  const progress = (await liveProgress(deps.temporal, row)) ?? recordedProgress(row);
  return { ...summaryOf(row, progress.state, progress.counts), ...progress, id, options: row.input.options };
}

async function liveProgress(temporal: Client, row: RequestRow): Promise<SyncProgress | null> {
  const handle = temporal.workflow.getHandle(row.id);
  try {
    const description = await handle.describe();
    if (description.status.name === 'COMPLETED') return (await handle.result()) as ManualSyncResult;
    const progress = (await handle.query(progressQuery).catch(() => null)) ?? recordedProgress(row);
    // A terminated or timed-out workflow never recorded its end: Temporal's status is the truth.
    const live = stateFromTemporal(description);
    return live && CLOSED_STATES.has(live) ? { ...progress, state: live } : progress;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** What the workflow last recorded (or, before its first record, a queued request with nothing done). */
function recordedProgress(row: RequestRow): SyncProgress {
  return row.progress ?? newProgress(row.id, planBatches(row.input).batchCount, row.state);
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Decodes a cursor, checking each field with its rule, so nothing forged reaches SQL. */
export function decodeCursor<K extends string>(
  cursor: string,
  fields: Record<K, (value: string) => boolean>,
): Record<K, string> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError();
  }
  const record = value as Record<string, unknown> | null;
  if (!record || typeof record !== 'object' || Array.isArray(record)) throw new CursorError();
  for (const [field, valid] of Object.entries(fields) as Array<[K, (value: string) => boolean]>) {
    const v = record[field];
    if (typeof v !== 'string' || !valid(v)) throw new CursorError();
  }
  return record as Record<K, string>;
}

const TIMESTAMP_TEXT =
  /^(\d{4})-(\d{2})-(\d{2}) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?[+-]\d{2}(:[0-5]\d){0,2}$/;

/** A timestamptz as PostgreSQL prints it (created_at::text), on a real day. */
export function isTimestampText(text: string): boolean {
  const match = TIMESTAMP_TEXT.exec(text);
  return !!match && isRealDate(`${match[1]}-${match[2]}-${match[3]}`);
}

export const isRequestId = (text: string) => /^sr_[a-z0-9]{1,64}$/.test(text);

export class CursorError extends Error {
  constructor() {
    super('is not a cursor this API gave out; pass `nextCursor` from the previous page unchanged');
  }
}
