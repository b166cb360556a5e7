import type { Db } from '../db/pool';
import type { DailySummaryView } from '../contract';
import { LOCAL_DATE_PATTERN } from '../calendar';
import { unprintable } from '../text';
import { decodeCursor, encodeCursor } from './history';

/**
 * The daily summaries a request wrote (issue 23), for its detail: each summary's Xero number, state, amounts and
 * the orders it holds, from the summaries' ledger (src/db/migrations/020_summaries.sql), in (day, number) order,
 * keyset-paginated.
 */

const isNumber = (text: string) => text.length > 0 && text.length <= 255 && unprintable(text) === undefined;

interface SummaryRow {
  number: string;
  kind: DailySummaryView['kind'];
  local_date: string;
  location_id: string;
  currency: string;
  adjustment: number;
  stage: 'document' | 'follow_ups' | 'done' | 'failed';
  error: string | null;
  xero_id: string | null;
  expected_total: string;
  expected_tax: string;
  xero_total: string | null;
  difference: string | null;
  orders: DailySummaryView['orders'];
}

const STATES: Record<SummaryRow['stage'], DailySummaryView['state']> = {
  document: 'writing',
  follow_ups: 'writing',
  done: 'done',
  failed: 'failed',
};

export async function listSummaries(
  db: Db,
  q: { businessId: string; requestId: string; limit: number; cursor?: string },
) {
  const params: unknown[] = [q.businessId, q.requestId, q.limit + 1];
  const where = ['s.business_id = $1', 's.request_id = $2'];
  if (q.cursor) {
    const after = decodeCursor(q.cursor, { date: (d) => LOCAL_DATE_PATTERN.test(d), number: isNumber });
    params.push(after.date, after.number);
    where.push(`(s.local_date, s.number) > ($${params.length - 1}, $${params.length})`);
  }
  const { rows } = await db.query<SummaryRow>(
    `SELECT s.number, s.kind, s.local_date, s.location_id, s.currency, s.adjustment, s.stage, s.error, s.xero_id,
            s.expected_total, s.expected_tax, s.xero_total, s.difference,
            ARRAY(SELECT json_build_object('orderId', so.order_id, 'orderNumber', o.number,
                                           'total', o.payload->>'total')
                  FROM summary_orders so
                  LEFT JOIN orders o ON o.business_id = so.business_id AND o.id = so.order_id
                  WHERE so.business_id = s.business_id AND so.number = s.number
                  ORDER BY o.placed_at, so.order_id) AS orders
     FROM summaries s WHERE ${where.join(' AND ')}
     ORDER BY s.local_date, s.number LIMIT $3`,
    params,
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r): DailySummaryView => ({
      number: r.number,
      kind: r.kind,
      date: r.local_date,
      locationId: r.location_id,
      currency: r.currency,
      adjustment: r.adjustment,
      state: STATES[r.stage],
      error: r.error,
      xeroId: r.xero_id,
      total: r.expected_total,
      tax: r.expected_tax,
      xeroTotal: r.xero_total,
      difference: r.difference,
      orders: r.orders,
    })),
    nextCursor:
      rows.length > q.limit && last ? encodeCursor({ date: last.local_date, number: last.number }) : null,
  };
}
