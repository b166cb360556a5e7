import type { Db } from '../db/pool';
import { moneyCheckMessages } from '../engine/ledger';
import { unprintable } from '../text';
import type { OrderOutcome } from '../contract';
import { failureReason } from './failure-reasons';
import { decodeCursor, encodeCursor } from './history';

/** Order ids are at most 100 printable characters (the import's rule). */
const isOrderId = (text: string) => text.length > 0 && text.length <= 100 && unprintable(text) === undefined;

/** Per-order results of one request, in order-id order, keyset-paginated. */
export async function listOrderResults(
  db: Db,
  q: { businessId: string; requestId: string; status?: OrderOutcome; limit: number; cursor?: string },
) {
  const params: unknown[] = [q.requestId, q.businessId, q.limit + 1];
  const where = ['r.request_id = $1'];
  if (q.status) {
    params.push(q.status);
    where.push(`r.outcome = $${params.length}`);
  }
  if (q.cursor) {
    params.push(decodeCursor(q.cursor, { orderId: isOrderId }).orderId);
    where.push(`r.order_id > $${params.length}`);
  }
  const { rows } = await db.query<{
    order_id: string;
    outcome: OrderOutcome;
    error: string | null;
    xero_invoice_id: string | null;
    invoice_number: string | null;
    updated_at: Date;
    number: string | null;
    placed_at: Date | null;
    total: string | null;
    currency: string | null;
    money_checks: Record<string, string> | null;
  }>(
    `SELECT r.order_id, r.outcome, r.error, r.xero_invoice_id, r.invoice_number, r.updated_at,
            o.number, o.placed_at, o.payload->>'total' AS total,
            o.payload->>'currency' AS currency, l.money_checks
     FROM sync_request_orders r LEFT JOIN orders o ON o.business_id = $2 AND o.id = r.order_id
       LEFT JOIN order_ledger l ON l.business_id = $2 AND l.order_id = r.order_id
     WHERE ${where.join(' AND ')} ORDER BY r.order_id LIMIT $3`,
    params,
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      orderId: r.order_id,
      orderNumber: r.number,
      placedAt: r.placed_at?.toISOString() ?? null,
      total: r.total,
      currency: r.currency,
      status: r.outcome,
      // Where Xero's amounts differ from the order's (the ledger's money checks), that is said here too.
      message: [r.error, ...moneyCheckMessages(r.money_checks)].filter(Boolean).join('; ') || null,
      reason: r.outcome === 'failed' && r.error ? failureReason(r.error, r.order_id) : null,
      xeroInvoiceId: r.xero_invoice_id,
      invoiceNumber: r.invoice_number,
      updatedAt: r.updated_at.toISOString(),
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ orderId: last.order_id }) : null,
  };
}
