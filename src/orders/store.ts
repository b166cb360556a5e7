import type { PoolClient } from 'pg';
import { inTransaction } from '../db/pool';
import type { Db } from '../db/pool';
import type { Channel } from '../contract';
import type { OrderChange } from './revisions';
import type { Order } from './schema';

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
  await inTransaction(db, async (tx) => {
    await ensureBusinesses(tx, orders);
    await writeOrders(
      tx,
      orders.map((order) => ({ order, line: null })),
      null,
    );
    await upsertLocations(tx, orders);
  });
}

type Queryable = Db | PoolClient;

/** Creates the businesses of orders about to be written (a business exists only once it has an order). */
export async function ensureBusinesses(q: Queryable, orders: Order[]): Promise<void> {
  await q.query(
    `INSERT INTO businesses (id, name) SELECT DISTINCT b, b FROM unnest($1::text[]) AS b ON CONFLICT (id) DO NOTHING`,
    [[...new Set(orders.map((o) => o.businessId))]],
  );
}

/** Writes orders (new or changed), stamping the import run and line that wrote them. */
export async function writeOrders(
  q: Queryable,
  rows: Array<{ order: Order; line: number | null }>,
  importRun: string | null,
): Promise<void> {
  if (rows.length === 0) return;
  const orders = rows.map((r) => r.order);
  await q.query(
    `INSERT INTO orders (business_id, id, number, channel, location_id, placed_at, status, total, payload,
                         import_run, import_line)
     SELECT b, i, n, c, l, p, s, t, j, $10, ln
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                 $7::text[], $8::numeric[], $9::jsonb[], $11::int[]) AS x(b, i, n, c, l, p, s, t, j, ln)
     ON CONFLICT (business_id, id) DO UPDATE SET
       number = EXCLUDED.number, channel = EXCLUDED.channel, location_id = EXCLUDED.location_id,
       placed_at = EXCLUDED.placed_at, status = EXCLUDED.status, total = EXCLUDED.total,
       payload = EXCLUDED.payload, import_run = EXCLUDED.import_run, import_line = EXCLUDED.import_line,
       updated_at = now()
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
      importRun,
      rows.map((r) => r.line),
    ],
  );
}

/** What is stored for orders about to be imported: whether each is the same, who wrote it, whether it is in Xero. */
export interface StoredVersion {
  /** The line is the order's latest content (its latest revision, if it has any). */
  same: boolean;
  importRun: string | null;
  importLine: number | null;
  /** The ledger says Xero has (or may have) it: synced, a write in flight, or an invoice id. */
  inXero: boolean;
  invoiceNumber: string | null;
  /** The order's latest content and its revision number (0: as first imported). */
  latest: Order;
  revision: number;
}

/** Locks and reads the stored versions of these orders (key: business and order id, NUL-separated). */
export async function storedVersions(tx: PoolClient, orders: Order[]): Promise<Map<string, StoredVersion>> {
  const { rows } = await tx.query<{
    business_id: string;
    id: string;
    same: boolean;
    import_run: string | null;
    import_line: number | null;
    in_xero: boolean;
    invoice_number: string | null;
    latest: Order;
    revision: number;
  }>(
    `SELECT o.business_id, o.id, COALESCE(r.payload, o.payload) = x.j AS same, o.import_run, o.import_line,
            COALESCE(l.status IN ('synced', 'pending') OR l.xero_invoice_id IS NOT NULL, false) AS in_xero,
            l.invoice_number, COALESCE(r.payload, o.payload) AS latest, o.revision
     FROM unnest($1::text[], $2::text[], $3::jsonb[]) AS x(b, i, j)
     JOIN orders o ON o.business_id = x.b AND o.id = x.i
     LEFT JOIN order_ledger l ON l.business_id = o.business_id AND l.order_id = o.id
     LEFT JOIN order_revisions r ON r.business_id = o.business_id AND r.order_id = o.id AND r.revision = o.revision
     FOR UPDATE OF o`,
    [orders.map((o) => o.businessId), orders.map((o) => o.id), orders.map((o) => JSON.stringify(o))],
  );
  return new Map(
    rows.map((r) => [
      orderKey(r.business_id, r.id),
      {
        same: r.same,
        importRun: r.import_run,
        importLine: r.import_line,
        inXero: r.in_xero,
        invoiceNumber: r.invoice_number,
        latest: r.latest,
        revision: r.revision,
      },
    ]),
  );
}

/** A new revision of an order in Xero, with the changes it brings (src/orders/revisions.ts). */
export interface RevisionRow {
  order: Order;
  line: number;
  revision: number;
  changes: OrderChange[];
}

/**
 * Records revisions: the revision itself, its changes (a change already listed, by key, is not listed again) and
 * the order's revision number and import stamp. The order's first-synced content (payload) is left as it is.
 */
export async function writeRevisions(tx: PoolClient, rows: RevisionRow[], importRun: string): Promise<void> {
  if (rows.length === 0) return;
  const key = (r: RevisionRow) => [r.order.businessId, r.order.id];
  await tx.query(
    `INSERT INTO order_revisions (business_id, order_id, revision, payload, changes, import_run, import_line)
     SELECT b, i, r, j, ARRAY(SELECT jsonb_array_elements_text(c)), $6, ln
     FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[], $5::jsonb[], $7::int[]) AS x(b, i, r, j, c, ln)`,
    [
      rows.map((r) => key(r)[0]),
      rows.map((r) => key(r)[1]),
      rows.map((r) => r.revision),
      rows.map((r) => JSON.stringify(r.order)),
      rows.map((r) => JSON.stringify(r.changes.map((c) => c.says))),
      importRun,
      rows.map((r) => r.line),
    ],
  );
  const changes = rows.flatMap((r) => r.changes.map((c) => ({ row: r, change: c })));
  await tx.query(
    `INSERT INTO order_changes (business_id, order_id, change_key, kind, revision, detail)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::jsonb[])
     ON CONFLICT (business_id, order_id, change_key) DO NOTHING`,
    [
      changes.map((c) => c.row.order.businessId),
      changes.map((c) => c.row.order.id),
      changes.map((c) => c.change.key),
      changes.map((c) => c.change.kind),
      changes.map((c) => c.row.revision),
      changes.map((c) => JSON.stringify(c.change.detail)),
    ],
  );
  await tx.query(
    `UPDATE orders o SET revision = x.r, import_run = $4, import_line = x.ln, updated_at = now()
     FROM unnest($1::text[], $2::text[], $3::int[], $5::int[]) AS x(b, i, r, ln)
     WHERE o.business_id = x.b AND o.id = x.i`,
    [
      rows.map((r) => key(r)[0]),
      rows.map((r) => key(r)[1]),
      rows.map((r) => r.revision),
      importRun,
      rows.map((r) => r.line),
    ],
  );
}

/** Marks unchanged orders as seen by this run and line, so a later line of the same file is compared with it. */
export async function stampOrders(
  tx: PoolClient,
  rows: Array<{ order: Order; line: number }>,
  importRun: string,
): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `UPDATE orders o SET import_run = $3, import_line = x.ln
     FROM unnest($1::text[], $2::text[], $4::int[]) AS x(b, i, ln) WHERE o.business_id = x.b AND o.id = x.i`,
    [rows.map((r) => r.order.businessId), rows.map((r) => r.order.id), importRun, rows.map((r) => r.line)],
  );
}

export function orderKey(businessId: string, orderId: string): string {
  return `${businessId}\u0000${orderId}`;
}

/**
 * Learns locations and the channels they serve. One row per (business, location): a location that serves
 * several channels (a POS that also takes B2B orders) gets them all, in one statement per page.
 */
export async function upsertLocations(q: Queryable, orders: Order[]): Promise<void> {
  const byKey = new Map<string, { businessId: string; id: string; name: string; channels: Set<Channel> }>();
  for (const o of orders) {
    const key = orderKey(o.businessId, o.location.id);
    const seen = byKey.get(key);
    if (seen) {
      seen.name = o.location.name;
      seen.channels.add(o.channel);
    } else
      byKey.set(key, {
        businessId: o.businessId,
        id: o.location.id,
        name: o.location.name,
        channels: new Set([o.channel]),
      });
  }
  const rows = [...byKey.values()];
  await q.query(
    `INSERT INTO locations (business_id, id, name, channels)
     SELECT b, i, n, string_to_array(c, ',') FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(b, i, n, c)
     ON CONFLICT (business_id, id) DO UPDATE SET name = EXCLUDED.name,
       channels = (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(locations.channels || EXCLUDED.channels) AS x)`,
    [
      rows.map((r) => r.businessId),
      rows.map((r) => r.id),
      rows.map((r) => r.name),
      rows.map((r) => [...r.channels].sort().join(',')),
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
