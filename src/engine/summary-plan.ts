import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import { rangeWhere } from '../orders/store';
import { heldBy, ledgerStatusOf, summaryInvoiceOf, summaryStageOf } from './order-holds';
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
  const authorised = `$${params.length}`;
  // Per order, by probes (src/engine/order-holds.ts): as a join of orders, summary_orders and summaries, a plan made
  // without statistics could read every summary of the business once per order.
  const invoiceDone = heldBy('o', `so.kind = 'invoice' AND ${summaryStageOf('so')} = 'done'`);
  const { rows } = await db.query<{ left: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM orders o
       WHERE ${where} AND (${heldBy('o', `${summaryStageOf('so')} IN ('document', 'follow_ups')`)}
         OR (${authorised} AND o.status = 'refunded' AND ${invoiceDone}
             AND NOT ${heldBy('o', `so.kind = 'credit_note' AND so.change_key = ''`)})
         -- A later change (refund, void, payment, line change) of a summarised order not yet dealt with.
         OR (EXISTS (SELECT 1 FROM order_changes oc
               WHERE oc.business_id = o.business_id AND oc.order_id = o.id AND oc.status IN ('due', 'pending'))
             AND ${invoiceDone}))
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
    // Probed per order (src/engine/order-holds.ts); materialised so each probe runs once.
    `WITH h AS MATERIALIZED (
       SELECT ${ledgerStatusOf('o')} AS ledger_status, ${summaryInvoiceOf('o')} AS summary
       FROM orders o WHERE ${where} AND o.status <> 'voided')
     SELECT count(*) FILTER (WHERE summary IS NULL AND ledger_status IN ('synced', 'pending'))::int AS "sentPerOrder",
            count(*) FILTER (WHERE summary IS NOT NULL)::int AS "inSummaries"
     FROM h`,
    params,
  );
  return rows[0]!;
}
