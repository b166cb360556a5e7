import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import { rangeWhere } from '../orders/store';
import { orderRangeOf } from './plan';
import type { BusinessSettings } from '../businesses/store';
import type { Order } from '../orders/schema';
import type { ContactRef } from '../xero/documents';
import { contactNameFor } from './contact-names';
import { WRITE_BATCH } from './packing';
import { buildDailySummaries, buildRefundSummaries } from './summary';
import type { RefundSummary, Summary } from './summary';
import { refundsToSummarise } from './summary-ledger';

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

/** What a daily-summary request of a range would write, and the Xero calls it takes (no lookups: no faults). */
export interface SummaryWork {
  /** Orders it would summarise (live, in Xero neither per order nor in a summary). */
  orders: number;
  invoices: number;
  /** Of those, adjustments of days already summarised. */
  adjustments: number;
  payments: number;
  creditNotes: number;
  allocations: number;
  refundPayments: number;
  /** The calls, packed as the summary walk packs them (src/engine/summary-writes.ts). */
  calls: {
    invoices: number;
    payments: number;
    creditNotes: number;
    allocations: number;
    refunds: number;
    total: number;
  };
}

/**
 * The summaries a daily-summary request would write for its range, built by the same builder the walk uses (so the
 * preview's estimate is the engine's plan): each contact's orders summarised per key, numbered as adjustments where
 * the key was summarised before, their payments 50 to a call (many summaries' in one, split where a batch fills); refunds of the
 * range (new orders' and summarised orders' not in a credit note yet) one credit note per key and refund date.
 * A contact is named as the contacts step would name it (its id is not known before the request runs).
 */
export async function summaryWork(
  db: Db,
  input: ManualSyncInput,
  settings: BusinessSettings,
): Promise<SummaryWork> {
  const mapping = { ...settings, timeZone: input.timeZone, invoiceStatus: input.options.invoiceStatus };
  const fresh = await freshOrders(db, input);
  const groups = new Map<string, { contact: ContactRef; orders: Order[]; invoices: Summary[] }>();
  for (const order of fresh) {
    const contact: ContactRef =
      input.contactMapping.mode === 'manual'
        ? { contactId: input.contactMapping.contactId }
        : { name: contactNameFor(order, 'by-channel', settings.walkInContactName) };
    const label = JSON.stringify(contact);
    const group = groups.get(label) ?? { contact, orders: [], invoices: [] };
    group.orders.push(order);
    groups.set(label, group);
  }
  const summaries: Summary[] = [];
  const refunds: RefundSummary[] = [];
  const authorised = input.options.invoiceStatus === 'AUTHORISED';
  // Refunds of orders summarised before and in no credit note yet join the new orders' refunds.
  for (const r of authorised ? await refundsToSummarise(db, input) : []) {
    const label = JSON.stringify(r.contact);
    const group = groups.get(label) ?? { contact: r.contact, orders: [], invoices: [] };
    group.orders.push(r.order);
    group.invoices.push({ orderIds: [r.order.id], invoice: { InvoiceNumber: r.invoiceNumber } } as Summary);
    groups.set(label, group);
  }
  const template = settings.summaryNumberTemplate;
  for (const group of groups.values()) {
    const isNew = (o: Order) => !group.invoices.some((s) => s.orderIds.includes(o.id));
    const built = buildDailySummaries(
      group.orders.filter(isNew),
      mapping,
      group.contact,
      template,
      settings.summaryLines,
    ).summaries;
    summaries.push(...built);
    if (authorised)
      refunds.push(
        ...buildRefundSummaries(
          group.orders,
          mapping,
          group.contact,
          [...built, ...group.invoices],
          template,
        ),
      );
  }
  const adjustments = await countExisting(
    db,
    input.businessId,
    summaries.map((s) => s.invoice.InvoiceNumber),
  );
  const paymentsOf = (s: Summary) => (input.options.recordPayments ? s.payments.length : 0);
  const payments = summaries.reduce((n, s) => n + paymentsOf(s), 0);
  const refundPayments = refunds.reduce((n, r) => n + r.refundPayments.length, 0);
  const allocations = refunds.reduce((n, r) => n + r.allocations.length, 0);
  // As summary-writes.ts packs them: payments of many summaries 50 to a call (split where a batch fills), then the
  // credit notes' refund payments 50 to a call.
  const calls = {
    invoices: Math.ceil(summaries.length / WRITE_BATCH),
    payments: Math.ceil(payments / WRITE_BATCH),
    creditNotes: Math.ceil(refunds.length / WRITE_BATCH),
    allocations,
    refunds: Math.ceil(refundPayments / WRITE_BATCH),
  };
  return {
    orders: fresh.length,
    invoices: summaries.length,
    adjustments,
    payments,
    creditNotes: refunds.length,
    allocations,
    refundPayments,
    calls: { ...calls, total: Object.values(calls).reduce((a, b) => a + b, 0) },
  };
}

/** Live orders of the range in Xero neither per order nor in a live summary. */
async function freshOrders(db: Db, input: ManualSyncInput): Promise<Order[]> {
  const params: unknown[] = [];
  const where = rangeWhere(orderRangeOf(input), params);
  const { rows } = await db.query<{ payload: Order }>(
    `SELECT o.payload FROM orders o
     LEFT JOIN order_ledger l ON l.business_id = o.business_id AND l.order_id = o.id
     WHERE ${where} AND o.status <> 'voided' AND (l.status IS NULL OR l.status = 'failed')
       AND NOT EXISTS (SELECT 1 FROM summary_orders so JOIN summaries s ON s.business_id = so.business_id
         AND s.number = so.number AND s.stage <> 'failed'
         WHERE so.business_id = o.business_id AND so.order_id = o.id AND so.kind = 'invoice')
     ORDER BY o.placed_at, o.id`,
    params,
  );
  return rows.map((r) => r.payload);
}

/** How many of these summary numbers are already recorded: the request would write adjustments of them. */
async function countExisting(db: Db, businessId: string, numbers: string[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(DISTINCT base_number)::int AS n FROM summaries WHERE business_id = $1 AND base_number = ANY($2)',
    [businessId, numbers],
  );
  return rows[0]?.n ?? 0;
}
