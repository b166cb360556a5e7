import type { Db } from '../db/pool';

/**
 * The changes of orders already in Xero (table order_changes; docs/revisions.md) a request applied and those it
 * could not: its detail and its webhook events show them apart from the new orders in its counts.
 */
export async function requestChangeCounts(
  db: Db,
  requestId: string,
): Promise<{ applied: number; failed: number }> {
  const { rows } = await db.query<{ applied: number; failed: number }>(
    `SELECT count(*) FILTER (WHERE status = 'done')::int AS applied,
            count(*) FILTER (WHERE status = 'failed')::int AS failed
     FROM order_changes WHERE request_id = $1`,
    [requestId],
  );
  return rows[0] ?? { applied: 0, failed: 0 };
}
