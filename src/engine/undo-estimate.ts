import type { Db } from '../db/pool';
import type { UndoCounts } from '../contract';
import { readCalls } from './undo-plan';

/**
 * The undo's preview from the ledger alone (no Xero call; docs/undo.md "Preview"): what it would take back, by
 * kind, and the calls that takes. Payments, credit notes and invoices are the ledger's own; a credit note's
 * allocation or refund is counted as its order was paid when synced (paid in full: a refund of what it credits;
 * not: an allocation to what the invoice owes), as the sync's credit-note policy wrote it. The undo itself reads
 * them back from Xero before writing, so its own counts are Xero's.
 */
export interface UndoEstimate {
  orders: number;
  takeBack: UndoCounts;
  summaries: { invoices: number; creditNotes: number } | null;
  calls: { reads: number; writes: number; total: number };
}

const ORDER_COUNTS = `
  WITH mine AS (
    SELECT l.order_id, l.payment_ids, l.credit_note_id, o.payload,
      (SELECT COALESCE(sum((p->>'amount')::numeric), 0) FROM jsonb_array_elements(o.payload->'payments') p)
        >= (o.payload->>'total')::numeric AS paid
    FROM order_ledger l JOIN orders o ON o.business_id = l.business_id AND o.id = l.order_id
    WHERE l.business_id = $1 AND l.request_id = $2 AND l.status = 'synced' AND l.xero_invoice_id IS NOT NULL),
  held AS (
    SELECT c.xero FROM order_changes c JOIN mine ON c.order_id = mine.order_id
    WHERE c.business_id = $1 AND c.status = 'done' AND c.xero IS NOT NULL)
  SELECT (SELECT count(*) FROM mine)::int AS orders,
    (SELECT COALESCE(sum(cardinality(payment_ids)), 0) FROM mine)::int
      + (SELECT count(*) FROM held WHERE xero ? 'paymentId')::int AS payments,
    (SELECT count(*) FROM mine WHERE credit_note_id IS NOT NULL AND paid)::int
      + (SELECT count(*) FROM held WHERE xero ? 'refundPaymentId')::int AS refunds,
    (SELECT count(*) FROM mine WHERE credit_note_id IS NOT NULL AND NOT paid)::int
      + (SELECT count(*) FROM held WHERE (xero->>'allocated')::numeric > 0)::int AS allocations,
    (SELECT count(*) FROM mine WHERE credit_note_id IS NOT NULL)::int
      + (SELECT count(*) FROM held WHERE xero ? 'creditNoteId')::int AS "creditNotes",
    (SELECT count(*) FROM held WHERE (xero->>'voided')::boolean)::int AS voided`;

const SUMMARY_COUNTS = `
  SELECT count(DISTINCT so.order_id)::int AS orders,
    COALESCE(sum(jsonb_array_length(COALESCE(s.document->'payments', '[]'))), 0)::int AS payments,
    COALESCE(sum(jsonb_array_length(COALESCE(s.document->'refundPayments', '[]'))), 0)::int AS refunds,
    COALESCE(sum(jsonb_array_length(COALESCE(s.document->'allocations', '[]'))), 0)::int AS allocations,
    count(DISTINCT s.number) FILTER (WHERE s.kind = 'credit_note')::int AS "creditNotes",
    count(DISTINCT s.number) FILTER (WHERE s.kind = 'invoice')::int AS invoices
  FROM summaries s LEFT JOIN summary_orders so ON so.business_id = s.business_id AND so.number = s.number
  WHERE s.business_id = $1 AND s.request_id = $2 AND s.xero_id IS NOT NULL AND s.undone_by IS NULL`;

interface Counted {
  orders: number;
  payments: number;
  refunds: number;
  allocations: number;
  creditNotes: number;
  invoices?: number;
  voided?: number;
}

export async function undoEstimate(
  db: Db,
  businessId: string,
  requestId: string,
  request: { posting: 'per-order' | 'daily-summary'; drafts: boolean },
): Promise<UndoEstimate> {
  const summary = request.posting === 'daily-summary';
  const { rows } = await db.query<Counted>(summary ? SUMMARY_COUNTS : ORDER_COUNTS, [businessId, requestId]);
  const c = rows[0]!;
  // An order voided by a change applied in Xero already has its invoice voided: nothing to write for it.
  const invoices = summary ? (c.invoices ?? 0) : c.orders - (c.voided ?? 0);
  const takeBack: UndoCounts = {
    payments: c.payments,
    refunds: c.refunds,
    allocations: c.allocations,
    creditNotesToVoid: c.creditNotes,
    creditNotesToDelete: 0,
    invoicesToVoid: request.drafts ? 0 : invoices,
    invoicesToDelete: request.drafts ? invoices : 0,
  };
  const writes = c.payments + c.refunds + c.allocations + c.creditNotes + invoices;
  const reads = summary || c.orders > 0 ? readCalls(summary ? invoices : c.orders, c.creditNotes) : 0;
  return {
    orders: c.orders,
    takeBack,
    summaries: summary ? { invoices, creditNotes: c.creditNotes } : null,
    calls: { reads, writes, total: reads + writes },
  };
}
