import type { Db } from '../db/pool';
import type { Channel, Order } from './schema';

/** The orders a request covers: one channel (and location) in a range of instants. */
export interface OrderRange {
  businessId: string;
  channel: Channel;
  /** null means every location of the channel. */
  locationId: string | null;
  fromUtc: string;
  toUtcExclusive: string;
  /** Only the orders that failed in this request (a retry-failed request). */
  failedIn?: string;
}

export interface OrderPageQuery extends OrderRange {
  /** Keyset cursor: the last (placedAt, id) of the previous page. */
  after?: { placedAt: string; id: string } | null;
  limit: number;
}

/** The WHERE clause of a range over `orders` aliased `alias`; pushes its values onto `params`. */
export function rangeWhere(r: OrderRange, params: unknown[], alias = 'o'): string {
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = [
    `${alias}.business_id = ${add(r.businessId)}`,
    `${alias}.channel = ${add(r.channel)}`,
    `${alias}.placed_at >= ${add(r.fromUtc)}`,
    `${alias}.placed_at < ${add(r.toUtcExclusive)}`,
  ];
  if (r.locationId !== null) where.push(`${alias}.location_id = ${add(r.locationId)}`);
  if (r.failedIn) {
    where.push(
      `${alias}.id IN (SELECT order_id FROM sync_request_orders WHERE request_id = ${add(r.failedIn)} AND outcome = 'failed')`,
    );
  }
  return where.join(' AND ');
}

export interface StoredOrder {
  order: Order;
  /** placed_at as PostgreSQL prints it: the exact keyset cursor for the next page. */
  placedAtUtc: string;
}

/** Inserts or replaces orders; idempotent on (business, order id). Learns locations and their channels. */
export async function upsertOrders(db: Db, orders: Order[]): Promise<void> {
  if (orders.length === 0) return;
  await db.query(
    `INSERT INTO businesses (id, name) SELECT DISTINCT b, b FROM unnest($1::text[]) AS b ON CONFLICT (id) DO NOTHING`,
    [[...new Set(orders.map((o) => o.businessId))]],
  );
  await db.query(
    `INSERT INTO orders (business_id, id, number, channel, location_id, placed_at, status, total, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                          $7::text[], $8::numeric[], $9::jsonb[])
     ON CONFLICT (business_id, id) DO UPDATE SET
       number = EXCLUDED.number, channel = EXCLUDED.channel, location_id = EXCLUDED.location_id,
       placed_at = EXCLUDED.placed_at, status = EXCLUDED.status, total = EXCLUDED.total,
       payload = EXCLUDED.payload, updated_at = now()
     WHERE orders.payload IS DISTINCT FROM EXCLUDED.payload`,
    [
      orders.map((o) => o.businessId),
      orders.map((o) => o.id),
      orders.map((o) => o.number),
      orders.map((o) => o.channel),
      orders.map((o) => o.location.id),
      orders.map((o) => o.placedAt),
      orders.map((o) => o.status),
      orders.map((o) => o.total),
      orders.map((o) => JSON.stringify(o)),
    ],
  );
  await upsertLocations(db, orders);
}

async function upsertLocations(db: Db, orders: Order[]): Promise<void> {
  const byKey = new Map<string, { businessId: string; id: string; name: string; channel: Channel }>();
  for (const o of orders) {
    byKey.set(`${o.businessId}\u0000${o.location.id}\u0000${o.channel}`, {
      businessId: o.businessId,
      id: o.location.id,
      name: o.location.name,
      channel: o.channel,
    });
  }
  const rows = [...byKey.values()];
  await db.query(
    `INSERT INTO locations (business_id, id, name, channels)
     SELECT b, i, n, ARRAY[c] FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(b, i, n, c)
     ON CONFLICT (business_id, id) DO UPDATE SET name = EXCLUDED.name,
       channels = (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(locations.channels || EXCLUDED.channels) AS x)`,
    [
      rows.map((r) => r.businessId),
      rows.map((r) => r.id),
      rows.map((r) => r.name),
      rows.map((r) => r.channel),
    ],
  );
}

/** One page of orders in (placed_at, id) order, so a range of any size is read with flat memory. */
export async function listOrdersPage(db: Db, q: OrderPageQuery): Promise<StoredOrder[]> {
  const params: unknown[] = [];
  let where = rangeWhere(q, params);
  if (q.after) {
    params.push(q.after.placedAt, q.after.id);
    where += ` AND (o.placed_at, o.id) > ($${params.length - 1}::timestamptz, $${params.length})`;
  }
  params.push(q.limit);
  // placed_at travels as PostgreSQL's own text so the cursor keeps its full (microsecond) precision.
  const { rows } = await db.query<{ payload: Order; placed_at: string }>(
    `SELECT o.payload, o.placed_at::text AS placed_at FROM orders o WHERE ${where}
     ORDER BY o.placed_at, o.id LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({ order: r.payload, placedAtUtc: r.placed_at }));
}

/** Orders by id (the follow-up writes load the orders they were queued for). */
export async function ordersByIds(db: Db, businessId: string, ids: string[]): Promise<Map<string, Order>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ payload: Order }>(
    'SELECT payload FROM orders WHERE business_id = $1 AND id = ANY($2)',
    [businessId, ids],
  );
  return new Map(rows.map((r) => [r.payload.id, r.payload]));
}
