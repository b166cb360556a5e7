import { WorkflowNotFoundError } from '@temporalio/client';
import { ApiError } from '../api/errors';
import { cancelSignal, pauseSignal, resumeSignal } from '../definitions';
import type { ManualSyncInput, SyncState } from '../definitions';
import { describeRequest, requireRequest } from './history';
import type { HistoryDeps } from './history';
import { CLOSED_STATES, getRequest } from './store';
import { retryRequestId, startOnce } from './submit';
import type { SubmitDeps, Submitted } from './submit';

export type ControlAction = 'pause' | 'resume' | 'cancel';

const SIGNALS = { pause: pauseSignal, resume: resumeSignal, cancel: cancelSignal } as const;

function alreadyClosed(id: string, state: SyncState, what: string): ApiError {
  return new ApiError(409, 'Request has ended', `Sync request ${id} is ${state}; ${what}.`);
}

/** Pause, resume or cancel a running request (a signal; the workflow acts on it at the next batch boundary). */
export async function controlRequest(
  deps: HistoryDeps,
  businessId: string,
  id: string,
  action: ControlAction,
): Promise<{ id: string; action: ControlAction; state: SyncState }> {
  const { state } = await describeRequest(deps, businessId, id);
  if (CLOSED_STATES.has(state)) throw alreadyClosed(id, state, 'there is nothing to ' + action);
  try {
    await deps.temporal.workflow.getHandle(id).signal(SIGNALS[action]);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw alreadyClosed(id, state, 'there is nothing to ' + action);
    throw err;
  }
  return { id, action, state };
}

/**
 * A new request for only the failed orders of an ended one, linked to it (retryOf). Its range is narrowed to the
 * local days those orders were placed on, so it walks as few batches as it can. A request has one retry, with an
 * id derived from its own: concurrent or repeated calls answer that same retry (Temporal's id policy starts it
 * once). What the retry could not push is retried by calling retry-failed on the retry.
 */
export async function retryFailed(
  deps: SubmitDeps & HistoryDeps,
  businessId: string,
  id: string,
  idempotencyKey: string | undefined,
): Promise<Submitted> {
  const original = await requireRequest(deps, businessId, id);
  const retryId = retryRequestId(id);
  // Already retried: answer that retry (and start its workflow if a crash came between its row and its start).
  const earlier = await getRequest(deps.db, businessId, retryId);
  if (earlier)
    return startOnce(
      deps,
      businessId,
      { retryOf: id },
      idempotencyKey,
      () => Promise.resolve(earlier.input),
      retryId,
    );
  const { state } = await describeRequest(deps, businessId, id);
  if (!CLOSED_STATES.has(state))
    throw new ApiError(
      409,
      'Request still running',
      `Sync request ${id} is ${state}; retry its failed orders once it has ended (or cancel it).`,
    );
  const range = await failedOrdersRange(deps, original.input);
  if (!range) throw new ApiError(409, 'Nothing to retry', `Sync request ${id} has no failed orders.`);
  return startOnce(
    deps,
    businessId,
    { retryOf: id },
    idempotencyKey,
    async (requestId) => ({ ...original.input, ...range, requestId, retryOf: id }),
    retryId,
  );
}

async function failedOrdersRange(
  deps: SubmitDeps,
  input: ManualSyncInput,
): Promise<{ startDate: string; endDate: string } | null> {
  const { rows } = await deps.db.query<{ first: string | null; last: string | null }>(
    `SELECT min((o.placed_at AT TIME ZONE $3)::date)::text AS first, max((o.placed_at AT TIME ZONE $3)::date)::text AS last
     FROM sync_request_orders r JOIN orders o ON o.business_id = $2 AND o.id = r.order_id
     WHERE r.request_id = $1 AND r.outcome = 'failed'`,
    [input.requestId, input.businessId, input.timeZone],
  );
  const row = rows[0];
  return row?.first && row.last ? { startDate: row.first, endDate: row.last } : null;
}
