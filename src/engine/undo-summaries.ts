import type { Db } from '../db/pool';

/**
 * A daily-summary request's undo lets go of each summary whose take-backs are all done (docs/undo.md): the summary
 * is marked undone (`summaries.undone_by`, its row kept: Xero keeps its voided number, and the next summary of its
 * key is numbered after it, as an adjustment), and its orders leave summary_orders, so a later request summarises
 * them again. Only summaries not yet undone are touched, so running it again changes nothing.
 */
export async function releaseUndoneSummaries(db: Db, requestId: string, businessId: string): Promise<number> {
  const { rows } = await db.query<{ number: string }>(
    `WITH undone AS (
       SELECT grp FROM undo_items WHERE request_id = $1 GROUP BY grp HAVING bool_and(status = 'done')),
     marked AS (
       UPDATE summaries s SET undone_by = $1, updated_at = now() FROM undone
       WHERE s.business_id = $2 AND s.number = undone.grp AND s.request_id = $1 AND s.undone_by IS NULL
       RETURNING s.number),
     gone AS (
       DELETE FROM summary_orders so USING marked WHERE so.business_id = $2 AND so.number = marked.number
       RETURNING 1)
     SELECT number FROM marked`,
    [requestId, businessId],
  );
  return rows.length;
}
