import type { Db } from '../db/pool';
import type { SyncState } from '../definitions';
import { retryRequestId } from './submit';

/** What the history log adds to a request's counts: orders already in Xero, and its retry's outcome. */
export interface RequestOutcomes {
  /** Skipped orders that an earlier request had already put in Xero (the other skipped ones were voided). */
  alreadyInXero: number;
  /** The retry of the request's failed orders (its one retry id), and how many of them it has synced. */
  retriedBy: { id: string; state: SyncState; fixed: number } | null;
}

/**
 * For a page of requests, in one statement: each one's orders already in Xero, and its retry. A finished workflow
 * cannot change, so the original keeps its state and its counts; this is how its row says what its retry fixed.
 * The retry is found by its id (derived from the original's), so the lookup is by primary key.
 */
export async function requestOutcomes(db: Db, ids: string[]): Promise<Map<string, RequestOutcomes>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{
    id: string;
    already: number;
    retry_id: string | null;
    retry_state: SyncState | null;
    fixed: number;
  }>(
    `SELECT i.id,
       (SELECT count(*)::int FROM sync_request_orders o
          WHERE o.request_id = i.id AND o.outcome = 'skipped' AND o.error LIKE 'already in Xero%') AS already,
       r.id AS retry_id, r.state AS retry_state,
       (SELECT count(*)::int FROM sync_request_orders o
          WHERE o.request_id = r.id AND o.outcome = 'synced') AS fixed
     FROM unnest($1::text[], $2::text[]) AS i(id, retry_id)
       LEFT JOIN sync_requests r ON r.id = i.retry_id AND r.retry_of = i.id`,
    [ids, ids.map(retryRequestId)],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        alreadyInXero: r.already,
        retriedBy: r.retry_id ? { id: r.retry_id, state: r.retry_state!, fixed: r.fixed } : null,
      },
    ]),
  );
}
