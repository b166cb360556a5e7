import { requestChangeCounts, requestChangeKinds } from './change-counts';
import { requestSummaries } from './summary-counts';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import { newProgress, SearchAttributes } from '../definitions';
import type { SyncState } from '../definitions';
import { NotFound } from '../errors';
import { getBusiness } from '../businesses/store';
import { isRealDate } from '../calendar';
import type { DailyQuota } from '../xero/limiter';
import { countsOf, progressDetail, readProgress } from './progress';
import type { RecordedProgress } from './progress';
import { requestOutcomes } from './retry-outcomes';
import { undoSummaries } from './undo-summaries';
import type { UndoSummary } from '../contract';
import type { RequestOutcomes } from './retry-outcomes';
import { CLOSED_STATES, correctState, getRequest, listRequests } from './store';
import type { HistoryFilter, RequestRow } from './store';

/**
 * The history log and a request's detail. Rows come from sync_requests (every request, beyond Temporal's
 * retention); live state comes from Temporal (visibility for lists, the workflow's query for one request).
 */
export interface HistoryDeps {
  db: Db;
  temporal: Client;
}

/** What a request's detail needs beyond the history log: the ETA's inputs. */
export interface DetailDeps extends HistoryDeps {
  cfg: Config;
  limiter: { dailyQuota(tenantId: string): Promise<DailyQuota> };
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
    undo: `${self}/undo`,
  };
}

/**
 * A request as the history log shows it: its row, its counts, and what the workflow last recorded (a quota
 * wait's resume time, a pending pause, the reason it failed). All of it is already read for a page of the log.
 */
function summaryOf(
  row: RequestRow,
  state: SyncState,
  progress: RecordedProgress | undefined,
  outcomes: RequestOutcomes | undefined,
  undo: UndoSummary | undefined,
) {
  const { input } = row;
  const recorded = row.progress ?? newProgress(row.id, row.state);
  return {
    id: row.id,
    state,
    channel: input.channel,
    locationId: input.locationId ?? 'all',
    startDate: input.startDate,
    endDate: input.endDate,
    contactMapping: input.contactMapping,
    contactName: input.contactMapping.mode === 'manual' ? row.contactName : null,
    retryOf: row.retryOf,
    createdAt: row.createdAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
    counts: countsOf(progress),
    expected: progress?.expected ?? null,
    resumeAt: state === 'waiting_for_quota' ? recorded.resumeAt : null,
    resumeAtIsReset: recorded.resumeAtIsReset,
    // The pause the workflow accepted (kept in the row before it answered) until the request is paused.
    pausing: (row.pauseRequested || recorded.pausing) && state !== 'paused' && !CLOSED_STATES.has(state),
    lastError: recorded.lastError,
    alreadyInXero: outcomes?.alreadyInXero ?? 0,
    retriedBy: outcomes?.retriedBy ?? null,
    undo: undo ?? null,
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

/**
 * The row's state, which the workflow records on every change, unless Temporal says the workflow has ended: its
 * search attribute lags the row at times (visibility is eventually consistent), and a page must not show Waiting
 * with Pause for a request the API already answered paused.
 */
async function reconcile(deps: HistoryDeps, row: RequestRow, info: WorkflowExecutionInfo | undefined) {
  const live = info ? stateFromTemporal(info) : null;
  if (!live || live === row.state || !CLOSED_STATES.has(live)) return row.state;
  await correctState(deps.db, row.id, live, info?.closeTime ?? new Date());
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
  const ids = page.map((r) => r.id);
  const [live, progress, outcomes, undos] = await Promise.all([
    liveStates(deps, page),
    readProgress(deps.db, ids),
    requestOutcomes(deps.db, ids),
    undoSummaries(deps.db, ids),
  ]);
  const items = await Promise.all(
    page.map(async (row) =>
      summaryOf(
        row,
        await reconcile(deps, row, live.get(row.id)),
        progress.get(row.id),
        outcomes.get(row.id),
        undos.get(row.id),
      ),
    ),
  );
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > filter.limit && last ? encodeCursor({ createdAt: last.createdKey, id: last.id }) : null;
  return { items, nextCursor };
}

export async function requireRequest(deps: HistoryDeps, businessId: string, id: string): Promise<RequestRow> {
  const row = await getRequest(deps.db, businessId, id);
  if (!row) throw new NotFound(`Sync request ${JSON.stringify(id)}`);
  return row;
}

// A running request's record that has not moved for this long: its worker may be gone (or the workflow ended
// without recording it), so Temporal is asked once.
const QUIET_MS = 120_000;

/**
 * One request, from PostgreSQL only: what the workflow recorded (state, waits) and what its activities record
 * as they go (counts, calls, phase, the date reached), plus an ETA computed from those. Reading it never asks
 * the worker. `asOf` says how fresh the record is; `stale` that a running request has not reported for a while.
 */
export async function describeRequest(deps: DetailDeps, businessId: string, id: string) {
  // Seven reads at once: the request (404 if it is not the business's), its progress, the business, its changes
  // (and their kinds), its retry, its undo.
  const [row, progresses, business, changes, kinds, outcomes, undos] = await Promise.all([
    requireRequest(deps, businessId, id),
    readProgress(deps.db, [id]),
    getBusiness(deps.db, businessId),
    requestChangeCounts(deps.db, id),
    requestChangeKinds(deps.db, id),
    requestOutcomes(deps.db, [id]),
    undoSummaries(deps.db, [id]),
  ]);
  const recorded = row.progress ?? newProgress(row.id, row.state);
  const progress = progresses.get(id);
  const quiet = !progress || Date.now() - progress.updatedAt.getTime() > QUIET_MS;
  const state = row.state === 'running' && quiet ? await stateOnceQuiet(deps, row) : row.state;
  return {
    ...summaryOf(row, state, progress, outcomes.get(id), undos.get(id)),
    requestId: id,
    options: row.input.options,
    ...(await progressDetail(deps, business, row, state, progress)),
    changes: { ...changes, kinds },
    ...(row.input.options.posting === 'daily-summary'
      ? { summaries: await requestSummaries(deps.db, row.input.businessId, id) }
      : {}),
    quotaWaits: recorded.quotaWaits,
    asOf: (progress?.updatedAt ?? row.createdAt).toISOString(),
    stale: state === 'running' && quiet,
  };
}

/** A running request whose record has gone quiet: Temporal's status is the truth if the workflow has ended. */
async function stateOnceQuiet(deps: HistoryDeps, row: RequestRow): Promise<SyncState> {
  try {
    const description = await deps.temporal.connection.withDeadline(Date.now() + 3000, () =>
      deps.temporal.workflow.getHandle(row.id).describe(),
    );
    const live = stateFromTemporal(description);
    if (live && CLOSED_STATES.has(live)) {
      await correctState(deps.db, row.id, live, description.closeTime ?? new Date());
      return live;
    }
  } catch {
    // Not found (deleted after retention) or Temporal slow to answer: the record stands, marked stale.
  }
  return row.state;
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
