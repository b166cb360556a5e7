import type { Db } from '../db/pool';
import { listOrderResults } from './order-results';

/**
 * A request's orders as CSV (RFC 4180): each order with its outcome, its Xero invoice number and, for a failed or
 * skipped one, why (the plain reason and the recorded text, without internal ids). The rows are the per-order
 * results the API lists, read a page at a time in order-id order.
 */
export const ORDERS_CSV_COLUMNS = [
  'order_number',
  'placed_at',
  'total',
  'currency',
  'outcome',
  'xero_invoice_number',
  'xero_invoice_id',
  'reason',
  'details',
] as const;

/** One CSV field: quoted when it must be, and a text that a spreadsheet would run as a formula made plain text. */
export function csvField(value: string | null, text = true): string {
  if (value === null) return '';
  const safe = text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export async function ordersCsv(db: Db, businessId: string, requestId: string): Promise<string> {
  const lines = [ORDERS_CSV_COLUMNS.join(',')];
  let cursor: string | undefined;
  do {
    const page = await listOrderResults(db, { businessId, requestId, limit: 500, cursor });
    for (const o of page.items)
      lines.push(
        [
          csvField(o.orderNumber ?? o.orderId),
          csvField(o.placedAt, false),
          csvField(o.total, false),
          csvField(o.currency),
          csvField(o.status),
          csvField(o.invoiceNumber),
          csvField(o.xeroInvoiceId),
          csvField(o.reason?.text ?? null),
          csvField(o.reason?.detail ?? (o.status === 'failed' ? null : o.message)),
        ].join(','),
      );
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return `${lines.join('\r\n')}\r\n`;
}
