import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import { orderRangeOf } from '../engine/plan';
import { rangeWhere } from '../orders/store';

/** Where each kind of code sits in an order's payload: a line's tax code, a payment's method. */
const CODE_PATHS = {
  taxCode: { array: 'lines', field: 'taxCode' },
  paymentMethod: { array: 'payments', field: 'method' },
} as const;

/**
 * How many orders of the request's range (voided ones aside, like the codes the preview lists) use each of `codes`,
 * so a preview warning can say how many orders an unmapped code affects. One query, none when no code is asked.
 */
export async function ordersPerCode(
  db: Db,
  input: ManualSyncInput,
  kind: keyof typeof CODE_PATHS,
  codes: string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (codes.length === 0) return counts;
  const params: unknown[] = [];
  const where = rangeWhere(orderRangeOf(input), params);
  params.push(codes);
  const { array, field } = CODE_PATHS[kind];
  const { rows } = await db.query<{ code: string; orders: number }>(
    `SELECT c.code, count(DISTINCT o.id)::int AS orders
     FROM orders o, jsonb_array_elements(o.payload->'${array}') e, LATERAL (SELECT e->>'${field}' AS code) c
     WHERE ${where} AND o.status <> 'voided' AND c.code = ANY($${params.length}::text[])
     GROUP BY c.code`,
    params,
  );
  for (const r of rows) counts.set(r.code, r.orders);
  return counts;
}
