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
 * The retry is found by its id (derived from the original's), so the lookup is by primary key, and what it fixed is
 * its synced count as the trigger keeps it (sync_request_progress). The orders already in Xero are counted from
 * the requests' skipped results only, all at once through (request_id, outcome): a subquery per request let the
 * planner scan the whole table for each (bench P5: every progress read read all 20,000 results of the database).
 */
export async function requestOutcomes(db: Db, ids: string[]): Promise<Map<string, RequestOutcomes>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{
    id: string;
    already: number | null;
    retry_id: string | null;
    retry_state: SyncState | null;
    fixed: number | null;
  }>(
    `WITH already AS (
       SELECT request_id, count(*)::int AS n FROM sync_request_orders
       WHERE request_id = ANY($1) AND outcome = 'skipped' AND error LIKE 'already in Xero%' GROUP BY request_id)
     SELECT i.id, a.n AS already, r.id AS retry_id, r.state AS retry_state, p.synced AS fixed
     FROM unnest($1::text[], $2::text[]) AS i(id, retry_id)
       LEFT JOIN already a ON a.request_id = i.id
       LEFT JOIN sync_requests r ON r.id = i.retry_id AND r.retry_of = i.id
       LEFT JOIN sync_request_progress p ON p.request_id = r.id`,
    [ids, ids.map(retryRequestId)],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        alreadyInXero: r.already ?? 0,
        retriedBy: r.retry_id ? { id: r.retry_id, state: r.retry_state!, fixed: r.fixed ?? 0 } : null,
      },
    ]),
  );
}
