import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { localDateOf } from '../calendar';
import { cancelUpdate, pauseUpdate, resumeUpdate } from '../definitions';
import type { ControlAction } from '../contract';
import type { ControlAnswer, ManualSyncInput, SyncState } from '../definitions';
import { Busy, Conflict } from '../errors';
import { requireRequest } from './history';
import type { HistoryDeps } from './history';
import { CLOSED_STATES, getRequest } from './store';
import { retryRequestId, startOnce } from './submit';
import type { SubmitDeps, Submitted } from './submit';

const UPDATES = { pause: pauseUpdate, resume: resumeUpdate, cancel: cancelUpdate } as const;

// How long the API waits for the workflow to accept or refuse (its worker runs the validator).
const UPDATE_DEADLINE_MS = 10_000;

function alreadyClosed(id: string, state: SyncState | 'ended', what: string): Conflict {
  return new Conflict('Request has ended', `Sync request ${id} is ${state}; ${what}.`);
}

/**
 * Pause, resume or cancel: a Temporal Update, so the answer is the workflow's own acceptance, or its refusal
 * (already paused, not paused, being cancelled) as a 409 with its reason. Cancel stops the step in flight at once;
 * pause takes effect at the step's next page (`pending: true`), or at once in a wait (`state: 'paused'`).
 */
export async function controlRequest(
  deps: HistoryDeps,
  businessId: string,
  id: string,
  action: ControlAction,
): Promise<{ id: string; action: ControlAction } & ControlAnswer> {
  const row = await requireRequest(deps, businessId, id);
  if (CLOSED_STATES.has(row.state)) throw alreadyClosed(id, row.state, 'there is nothing to ' + action);
  try {
    const answer = await deps.temporal.connection.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      deps.temporal.workflow.getHandle(id).executeUpdate(UPDATES[action]),
    );
    return { id, action, ...answer };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      throw new Conflict(`Cannot ${action}`, err.cause?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError || isCompleted(err))
      throw alreadyClosed(id, 'ended', 'there is nothing to ' + action);
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isDeadline(err))
      throw new Busy(
        `No worker accepted the ${action} of ${id} within ${UPDATE_DEADLINE_MS / 1000} s; try again shortly.`,
      );
    throw err;
  }
}

function isCompleted(err: unknown): boolean {
  return err instanceof Error && /already completed|not found/i.test(err.message);
}

function isDeadline(err: unknown): boolean {
  return err instanceof Error && /deadline exceeded|DEADLINE_EXCEEDED/i.test(err.message);
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
      () => Promise.resolve({ input: earlier.input, contactName: earlier.contactName }),
      retryId,
    );
  const { state } = original;
  if (!CLOSED_STATES.has(state))
    throw new Conflict(
      'Request still running',
      `Sync request ${id} is ${state}; retry its failed orders once it has ended (or cancel it).`,
    );
  const range = await failedOrdersRange(deps, original.input);
  if (!range) throw new Conflict('Nothing to retry', `Sync request ${id} has no failed orders.`);
  return startOnce(
    deps,
    businessId,
    { retryOf: id },
    idempotencyKey,
    async (requestId) => ({
      input: { ...original.input, ...range, requestId, retryOf: id },
      contactName: original.contactName,
    }),
    retryId,
  );
}

async function failedOrdersRange(
  deps: SubmitDeps,
  input: ManualSyncInput,
): Promise<{ startDate: string; endDate: string } | null> {
  // The first and last failed orders by instant; their local days (src/calendar.ts) bound the retry's range.
  const { rows } = await deps.db.query<{ first: Date | null; last: Date | null }>(
    `SELECT min(o.placed_at) AS first, max(o.placed_at) AS last
     FROM sync_request_orders r JOIN orders o ON o.business_id = $2 AND o.id = r.order_id
     WHERE r.request_id = $1 AND r.outcome = 'failed'`,
    [input.requestId, input.businessId],
  );
  const { first, last } = rows[0] ?? { first: null, last: null };
  if (!first || !last) return null;
  return {
    startDate: localDateOf(first.toISOString(), input.timeZone),
    endDate: localDateOf(last.toISOString(), input.timeZone),
  };
}
