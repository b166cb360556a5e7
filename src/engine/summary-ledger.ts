import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import type { Order } from '../orders/schema';
import { rangeWhere } from '../orders/store';
import type { ContactRef, CreditNoteDraft, InvoiceDraft, PaymentDraft } from '../xero/documents';
import { orderRangeOf } from './plan';

/**
 * The summaries' ledger (tables summaries and summary_orders, migration 020; docs/revisions.md "Daily
 * summaries"): which summary holds each order, and how far each summary's writes got. A summary and its orders
 * are recorded in one statement before anything is written to Xero; the primary key of summary_orders keeps an
 * order in at most one summary invoice (and one refund credit note), whichever request gets there first.
 */

export type SummaryKind = 'invoice' | 'credit_note';
export type SummaryStage = 'document' | 'follow_ups' | 'done' | 'failed';

/** What a summary writes, as built: the same on every attempt. */
export interface SummaryDocument {
  invoice?: InvoiceDraft;
  creditNote?: CreditNoteDraft;
  /** Invoice: one per method per local payment date. */
  payments?: PaymentDraft[];
  /** Credit note: per summary invoice its orders were sold on. */
  allocations?: Array<{ invoiceNumber: string; amount: string }>;
  refundPayments?: Array<{ accountCode: string; date: string; amount: string }>;
}

export interface SummaryRow {
  number: string;
  kind: SummaryKind;
  baseNumber: string;
  adjustment: number;
  localDate: string;
  requestId: string;
  stage: SummaryStage;
  tried: boolean;
  document: SummaryDocument;
  orderIds: string[];
  expectedTotal: string;
  xeroId: string | null;
}

export interface NewSummary {
  number: string;
  kind: SummaryKind;
  baseNumber: string;
  adjustment: number;
  localDate: string;
  channel: string;
  locationId: string;
  currency: string;
  document: SummaryDocument;
  orderIds: string[];
  expectedTotal: string;
  expectedTax: string;
}

interface DbRow {
  number: string;
  kind: SummaryKind;
  base_number: string;
  adjustment: number;
  local_date: string;
  request_id: string;
  stage: SummaryStage;
  tried: boolean;
  document: SummaryDocument;
  order_ids: string[];
  expected_total: string;
  xero_id: string | null;
}

const COLUMNS = `s.number, s.kind, s.base_number, s.adjustment, s.local_date, s.request_id, s.stage, s.tried,
  s.document, s.expected_total, s.xero_id,
  ARRAY(SELECT so.order_id FROM summary_orders so WHERE so.business_id = s.business_id AND so.number = s.number
        ORDER BY so.order_id) AS order_ids`;

const rowOf = (r: DbRow): SummaryRow => ({
  number: r.number,
  kind: r.kind,
  baseNumber: r.base_number,
  adjustment: r.adjustment,
  localDate: r.local_date,
  requestId: r.request_id,
  stage: r.stage,
  tried: r.tried,
  document: r.document,
  orderIds: r.order_ids,
  expectedTotal: r.expected_total,
  xeroId: r.xero_id,
});

/** The summary (of `kind`) holding each of these orders, if any. */
export async function summariesOfOrders(
  db: Db,
  businessId: string,
  kind: SummaryKind,
  orderIds: string[],
  /** Only summaries not refused by Xero (an order of a refused one may be sent per order). */
  liveOnly = false,
): Promise<Map<string, { number: string; requestId: string; stage: SummaryStage }>> {
  if (orderIds.length === 0) return new Map();
  const { rows } = await db.query<{
    order_id: string;
    number: string;
    request_id: string;
    stage: SummaryStage;
  }>(
    `SELECT so.order_id, s.number, s.request_id, s.stage FROM summary_orders so
     JOIN summaries s ON s.business_id = so.business_id AND s.number = so.number
     WHERE so.business_id = $1 AND so.kind = $2 AND so.order_id = ANY($3) AND NOT ($4 AND s.stage = 'failed')`,
    [businessId, kind, orderIds, liveOnly],
  );
  return new Map(
    rows.map((r) => [r.order_id, { number: r.number, requestId: r.request_id, stage: r.stage }]),
  );
}

/** The highest adjustment of each base number already recorded (-1: none yet). */
export async function lastAdjustments(
  db: Db,
  businessId: string,
  baseNumbers: string[],
): Promise<Map<string, number>> {
  const { rows } = await db.query<{ base_number: string; n: number }>(
    `SELECT base_number, max(adjustment)::int AS n FROM summaries
     WHERE business_id = $1 AND base_number = ANY($2) GROUP BY base_number`,
    [businessId, baseNumbers],
  );
  return new Map(rows.map((r) => [r.base_number, r.n]));
}

/**
 * Records summaries and their orders in one transaction, or none of them: false when another request took one
 * of the orders (or the number) first; the caller reads the day again.
 */
export async function recordSummaries(
  db: Db,
  businessId: string,
  requestId: string,
  summaries: NewSummary[],
): Promise<boolean> {
  if (summaries.length === 0) return true;
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    // Orders of a summary Xero refused are released to the new one (the refused summary keeps its number).
    await client.query(
      `DELETE FROM summary_orders so USING summaries s
       WHERE so.business_id = $1 AND so.order_id = ANY($2) AND s.business_id = so.business_id
         AND s.number = so.number AND s.stage = 'failed'`,
      [businessId, summaries.flatMap((s) => s.orderIds)],
    );
    for (const s of summaries) {
      await client.query(
        `INSERT INTO summaries (business_id, number, kind, base_number, adjustment, local_date, channel,
           location_id, currency, request_id, document, order_count, expected_total, expected_tax)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          businessId,
          s.number,
          s.kind,
          s.baseNumber,
          s.adjustment,
          s.localDate,
          s.channel,
          s.locationId,
          s.currency,
          requestId,
          JSON.stringify(s.document),
          s.orderIds.length,
          s.expectedTotal,
          s.expectedTax,
        ],
      );
      await client.query(
        `INSERT INTO summary_orders (business_id, order_id, kind, number)
         SELECT $1, o, $2, $3 FROM unnest($4::text[]) AS o`,
        [businessId, s.kind, s.number, s.orderIds],
      );
    }
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK');
    if ((err as { code?: string }).code === '23505') return false;
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Summaries holding orders of these ids (or numbered so) still to write, that this request may write: its own,
 * or those of a request that has ended (a crashed or cancelled request's summary is finished by the next one).
 */
export async function unfinishedSummaries(
  db: Db,
  businessId: string,
  requestId: string,
  where: { orderIds?: string[]; kind?: SummaryKind; own?: boolean },
): Promise<SummaryRow[]> {
  const { rows } = await db.query<DbRow>(
    `SELECT ${COLUMNS} FROM summaries s
     WHERE s.business_id = $1 AND s.stage IN ('document', 'follow_ups')
       AND ($3::text[] IS NULL OR EXISTS (SELECT 1 FROM summary_orders so WHERE so.business_id = s.business_id
             AND so.number = s.number AND so.order_id = ANY($3)))
       AND ($4::text IS NULL OR s.kind = $4) AND (NOT $5 OR s.request_id = $2)
       AND (s.request_id = $2 OR NOT EXISTS (SELECT 1 FROM sync_requests r WHERE r.id = s.request_id
             AND r.state NOT IN ('completed', 'completed_with_errors', 'failed', 'cancelled')))
     ORDER BY s.local_date, s.number`,
    [businessId, requestId, where.orderIds ?? null, where.kind ?? null, where.own === true],
  );
  return rows.map(rowOf);
}

/** Summary invoices by number (a credit note's allocations need their Xero ids). */
export async function summaryInvoiceIds(
  db: Db,
  businessId: string,
  numbers: string[],
): Promise<Map<string, string | null>> {
  const { rows } = await db.query<{ number: string; xero_id: string | null }>(
    `SELECT number, xero_id FROM summaries WHERE business_id = $1 AND number = ANY($2)`,
    [businessId, numbers],
  );
  return new Map(rows.map((r) => [r.number, r.xero_id]));
}

/** Writes of these summaries' stage are about to be sent: if their outcome is lost, Xero is asked first. */
export async function markTried(
  db: Db,
  businessId: string,
  numbers: string[],
  tried: boolean,
): Promise<void> {
  await db.query(
    'UPDATE summaries SET tried = $3, updated_at = now() WHERE business_id = $1 AND number = ANY($2)',
    [businessId, numbers, tried],
  );
}

/** The document is in Xero: its id, its money check, and the next stage. */
export async function documentWritten(
  db: Db,
  businessId: string,
  s: { number: string; requestId: string; next: SummaryStage },
  xero: { id: string; total: string; tax: string; difference: string | null },
): Promise<void> {
  await db.query(
    `UPDATE summaries SET xero_id = $3, xero_total = $4, xero_tax = $5, difference = $6, stage = $7,
       tried = false, request_id = $8, updated_at = now()
     WHERE business_id = $1 AND number = $2`,
    [businessId, s.number, xero.id, xero.total, xero.tax, xero.difference, s.next, s.requestId],
  );
}

export async function setStage(
  db: Db,
  businessId: string,
  number: string,
  stage: SummaryStage,
  error: string | null = null,
): Promise<void> {
  await db.query(
    `UPDATE summaries SET stage = $3, error = $4, tried = false, updated_at = now()
     WHERE business_id = $1 AND number = $2`,
    [businessId, number, stage, error],
  );
}

export interface RefundedOrder {
  order: Order;
  invoiceNumber: string;
  contact: ContactRef;
}

/** Refunded orders of the range whose summary invoice is in Xero and whose refund is in no credit note yet. */
export async function refundsToSummarise(db: Db, input: ManualSyncInput): Promise<RefundedOrder[]> {
  const params: unknown[] = [];
  const where = rangeWhere(orderRangeOf(input), params);
  const { rows } = await db.query<{ payload: Order; number: string; contact: ContactRef }>(
    `SELECT o.payload, s.number, s.document->'invoice'->'contact' AS contact FROM orders o
     JOIN summary_orders so ON so.business_id = o.business_id AND so.order_id = o.id AND so.kind = 'invoice'
     JOIN summaries s ON s.business_id = so.business_id AND s.number = so.number AND s.stage = 'done'
     WHERE ${where} AND o.status = 'refunded' AND NOT EXISTS (SELECT 1 FROM summary_orders c
       WHERE c.business_id = o.business_id AND c.order_id = o.id AND c.kind = 'credit_note')
     ORDER BY o.placed_at, o.id`,
    params,
  );
  return rows.map((r) => ({ order: r.payload, invoiceNumber: r.number, contact: r.contact }));
}
