import type { ManualSyncInput } from '../definitions';
import type { Db } from '../db/pool';
import { parseDecimal, sumDecimal } from '../money';
import { refundsOf } from '../orders/revisions';
import type { Order } from '../orders/schema';
import type { ContactRef } from '../xero/documents';
import { money2 } from '../xero/amounts';
import { orderRangeOf } from './plan';
import { openChangeRows } from './change-ledger';
import type { Change } from './change-ledger';

/**
 * Changes of orders inside posted daily summaries (issue 26 meets issue 23; docs/revisions.md "Daily summaries").
 * A posted summary is never edited: a later refund, or a void, of an order it holds is credited by an adjustment
 * credit note of the summary's key dated on the change's own day, built from the order's per-order credit-note plan
 * (so it is allocated or paid back as per order). A later payment and a change of lines are refused with the reason
 * and what to do. This module finds them and turns each refund or void into the refunded order the credit-note
 * builder takes (src/engine/summary.ts buildRefundSummaries).
 */

/** A change of an order a summary invoice holds (`base`: the order as summarised). */
export interface SummaryChange extends Change {
  /** The summary invoice holding the order, its contact and the status it was written with. */
  summary: string;
  contact: ContactRef;
  status: string;
}

/** Open changes of the range's orders that a summary invoice in Xero holds, in the order they were placed. */
export async function summaryChanges(db: Db, input: ManualSyncInput): Promise<SummaryChange[]> {
  const rows = await openChangeRows<{ summary: string; contact: ContactRef; status: string | null }>(
    db,
    orderRangeOf(input),
    'summary',
    `s.number AS summary, s.document->'invoice'->'contact' AS contact, s.document->'invoice'->>'Status' AS status`,
  );
  return rows.map((r) => ({ ...r, status: r.status ?? 'AUTHORISED' }));
}

/** Why a change of a summarised order is not written (null: a refund or void the summary's credit note takes). */
export function refusal(change: SummaryChange): string | null {
  const order = `order ${change.base.number} (${change.orderId}) is in daily summary ${change.summary}, which is never edited`;
  if (change.kind === 'payment')
    return `${order}: a later payment of a summarised order is not written (summaries are paid when they are written); record it in Xero as a payment on ${change.summary}, dated on its own day`;
  if (change.kind === 'amend')
    return `${order}: a change of its lines or total is not written; record money given back as a refund (refunds[]), or void the order and import the sale as a new order with another id (it goes into an adjustment summary of its day)`;
  if (change.status !== 'AUTHORISED')
    return `${order}: the summary was written as ${change.status}, and credit notes go only on approved summaries; correct it in Xero`;
  return null;
}

/**
 * The refunded order a refund or void of a summarised order credits as: the order as summarised (its payments, so
 * the per-order policy allocates what it still owed and pays back the rest), refunded by this change alone on its
 * own day. A void credits what the order still counts: its total less every refund recorded for it. Null: a void
 * of an order refunded in full already credits nothing.
 */
export function creditedAs(change: SummaryChange): Order | null {
  const { base, latest } = change;
  if (change.kind === 'refund') {
    const r = change.detail as { id: string; amount: string; refundedAt: string; reason?: string };
    return refundedBy(base, { amount: r.amount, refundedAt: r.refundedAt, reason: r.reason });
  }
  const refunded = sumDecimal(refundsOf(latest).map((r) => parseDecimal(r.amount)));
  const left = parseDecimal(base.total) - refunded;
  if (left <= 0n) return null;
  // The import dates a void on `voidedAt`, else the moment it was imported.
  const at = (change.detail as { at: string }).at;
  return refundedBy(base, { amount: money2(left), refundedAt: at, reason: 'Voided' });
}

function refundedBy(base: Order, refund: { amount: string; refundedAt: string; reason?: string }): Order {
  const { amount, refundedAt, reason } = refund;
  return {
    ...base,
    refund: undefined,
    status: 'refunded',
    refunds: [{ id: 'change', amount, refundedAt, ...(reason ? { reason } : {}) }],
  };
}
