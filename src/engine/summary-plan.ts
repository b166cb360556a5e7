import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import { rangeWhere } from '../orders/store';
import { orderRangeOf } from './plan';

/**
 * What a request's range holds for daily summaries (issue 23), without a Xero call: what the submit's
 * nothing-to-send check and the preview ask.
 */

/**
 * Whether a daily-summary request of this range still has work beyond new orders: a summary holding its orders
 * not finished (a crash, a fault, a quota stop), or a refund of a summarised order in no credit note yet.
 */
export async function summaryWorkRemains(db: Db, input: ManualSyncInput): Promise<boolean> {
  const params: unknown[] = [];
  const where = rangeWhere(orderRangeOf(input), params);
  params.push(input.options.invoiceStatus === 'AUTHORISED');
  const { rows } = await db.query<{ left: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM orders o
       JOIN summary_orders so ON so.business_id = o.business_id AND so.order_id = o.id
       JOIN summaries s ON s.business_id = so.business_id AND s.number = so.number
       WHERE ${where} AND (s.stage IN ('document', 'follow_ups')
         OR ($${params.length} AND so.kind = 'invoice' AND s.stage = 'done' AND o.status = 'refunded'
             AND NOT EXISTS (SELECT 1 FROM summary_orders c WHERE c.business_id = o.business_id
               AND c.order_id = o.id AND c.kind = 'credit_note' AND c.change_key = ''))
         -- A later change (refund, void, payment, line change) of a summarised order not yet dealt with.
         OR (so.kind = 'invoice' AND s.stage = 'done' AND EXISTS (SELECT 1 FROM order_changes oc
               WHERE oc.business_id = o.business_id AND oc.order_id = o.id AND oc.status IN ('due', 'pending'))))
       ) AS left`,
    params,
  );
  return rows[0]?.left === true;
}

/** Why orders of a range are skipped by a request of each mode: already in Xero the other way. */
export interface PostingSkips {
  /** Orders a per-order request already sent (or is sending): a daily-summary request skips them. */
  sentPerOrder: number;
  /** Orders a daily summary already holds: a per-order request skips them (so does another summary request). */
  inSummaries: number;
}

/**
 * How many of the range's orders (voided ones aside) each mode skips, and why: for the preview, which shows them
 * beside each mode's calls. A summary request skips `sentPerOrder + inSummaries`; a per-order one `inSummaries`
 * (plus the orders it sent itself, its usual "already synced").
 */
export async function postingSkips(db: Db, input: ManualSyncInput): Promise<PostingSkips> {
  const params: unknown[] = [];
  const where = rangeWhere(orderRangeOf(input), params);
  const { rows } = await db.query<PostingSkips>(
    `SELECT count(*) FILTER (WHERE s.order_id IS NULL AND l.status IN ('synced', 'pending'))::int AS "sentPerOrder",
            count(*) FILTER (WHERE s.order_id IS NOT NULL)::int AS "inSummaries"
     FROM orders o
     LEFT JOIN order_ledger l ON l.business_id = o.business_id AND l.order_id = o.id
     LEFT JOIN (SELECT so.business_id, so.order_id FROM summary_orders so JOIN summaries x
                  ON x.business_id = so.business_id AND x.number = so.number
                WHERE so.kind = 'invoice' AND x.stage <> 'failed') s
       ON s.business_id = o.business_id AND s.order_id = o.id
     WHERE ${where} AND o.status <> 'voided'`,
    params,
  );
  return rows[0]!;
}
