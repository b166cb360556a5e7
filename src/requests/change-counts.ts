import type { Db } from '../db/pool';
import { KIND_COUNTS } from '../engine/change-ledger';
import type { ChangeKindCounts } from '../engine/change-ledger';

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

/** The changes a request applied, by kind (its detail shows them apart from new orders). */
export async function requestChangeKinds(db: Db, requestId: string): Promise<ChangeKindCounts> {
  const { rows } = await db.query<ChangeKindCounts>(
    `SELECT ${KIND_COUNTS("c.status = 'done'")} FROM order_changes c WHERE c.request_id = $1`,
    [requestId],
  );
  return rows[0] ?? { payments: 0, refunds: 0, voids: 0, lineChanges: 0 };
}
