import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import type { OrderRange } from '../orders/store';
import { rangeWhere } from '../orders/store';
import type { ChangeKind } from '../orders/revisions';
import type { Order } from '../orders/schema';
import type { Claimant } from './ledger';

/**
 * The changes of orders already in Xero (table order_changes, written by the import; docs/revisions.md) and what
 * Xero holds for each once applied. A change is claimed (`pending`) before any write and marked `done` with the
 * ids and amounts Xero returned, or `failed` with the reason; a `pending` claim left by a crash or a lost answer is
 * taken over like a follow-up's (src/engine/ledger.ts claimFollowUps), and its writer asks Xero first.
 */
export interface Change {
  orderId: string;
  key: string;
  kind: ChangeKind;
  detail: Record<string, unknown>;
  /** The order as first in Xero (in its invoice or its summary) and as its latest revision says. */
  base: Order;
  latest: Order;
}

/** A change of an order with its own invoice in Xero. */
export interface OpenChange extends Change {
  invoiceNumber: string;
  xeroInvoiceId: string;
  xeroContactId: string | null;
}

/** What Xero holds for an applied change: the ids and amounts it answered. */
export type XeroHolding = Record<string, unknown>;

/** Changes not yet applied of the range's orders whose invoice is in Xero, in the order the orders were placed. */
export function openChanges(db: Db, range: OrderRange): Promise<OpenChange[]> {
  return openChangeRows<Pick<OpenChange, 'invoiceNumber' | 'xeroInvoiceId' | 'xeroContactId'>>(
    db,
    range,
    'invoice',
    `l.invoice_number AS "invoiceNumber", l.xero_invoice_id AS "xeroInvoiceId", l.xero_contact_id AS "xeroContactId"`,
  );
}

/**
 * The one query of both change walks (order-changes.ts per order, summary-changes.ts in summaries): the range's
 * changes not yet applied that `holder` holds, in the order the orders were placed, each as first in Xero (`base`)
 * and as its latest revision says, with `columns` of its holder (`l`, or `so` and `s`; aliased as T's fields).
 */
export async function openChangeRows<T extends object>(
  db: Db,
  range: OrderRange,
  holder: ChangeHolder,
  columns: string,
): Promise<Array<Change & T>> {
  const params: unknown[] = [];
  const { rows } = await db.query<Change & T>(
    `SELECT c.order_id AS "orderId", c.change_key AS "key", c.kind, c.detail, o.payload AS base,
            COALESCE(r.payload, o.payload) AS latest, ${columns}
     ${openChangesOf(range, holder, params)}
     ORDER BY o.placed_at, o.id, c.created_at, c.change_key`,
    params,
  );
  return rows;
}

/** Open changes of a range, counted by what they do in Xero (the preview shows them apart from new orders). */
export interface ChangeKindCounts {
  payments: number;
  refunds: number;
  voids: number;
  lineChanges: number;
}

/** SQL: the columns of ChangeKindCounts, counted over `order_changes c` rows that pass `filter`. */
export const KIND_COUNTS = (filter: string) => `
  count(*) FILTER (WHERE ${filter} AND c.kind = 'payment')::int AS payments,
  count(*) FILTER (WHERE ${filter} AND c.kind = 'refund')::int AS refunds,
  count(*) FILTER (WHERE ${filter} AND c.kind = 'void')::int AS voids,
  count(*) FILTER (WHERE ${filter} AND c.kind = 'amend')::int AS "lineChanges"`;

/**
 * Where an order's changes are applied: its own invoice (a per-order request's change walk, order-changes.ts) or the
 * daily summary holding it (a daily-summary request's, summary-changes.ts). A request of one mode never applies the
 * other's.
 */
export type ChangeHolder = 'invoice' | 'summary';

/** SQL: joins `orders o` to what holds its changes in Xero (aliases `l`, or `so` and `s`). */
const HELD_BY: Record<ChangeHolder, string> = {
  invoice: `JOIN order_ledger l ON l.business_id = o.business_id AND l.order_id = o.id
       AND l.status = 'synced' AND l.xero_invoice_id IS NOT NULL`,
  summary: `JOIN summary_orders so ON so.business_id = o.business_id AND so.order_id = o.id AND so.kind = 'invoice'
     JOIN summaries s ON s.business_id = so.business_id AND s.number = so.number AND s.stage = 'done'`,
};

/**
 * SQL: FROM the range's changes not yet applied that `holder` holds: `order_changes c`, its order `o`, the order's
 * latest revision `r` (if any) and its holder's rows.
 */
function openChangesOf(range: OrderRange, holder: ChangeHolder, params: unknown[]): string {
  const where = rangeWhere({ ...range, failedIn: undefined }, params, 'o');
  return `FROM order_changes c
     JOIN orders o ON o.business_id = c.business_id AND o.id = c.order_id
     ${HELD_BY[holder]}
     LEFT JOIN order_revisions r ON r.business_id = o.business_id AND r.order_id = o.id AND r.revision = o.revision
     WHERE ${where} AND c.status IN ('due', 'pending')`;
}

/** The changes a request of this posting mode applies. */
export const holderOf = (posting: ManualSyncInput['options']['posting']): ChangeHolder =>
  posting === 'daily-summary' ? 'summary' : 'invoice';

/** How many changes of the range that `holder` holds are not yet applied, by kind. */
export async function openChangeKinds(
  db: Db,
  range: OrderRange,
  holder: ChangeHolder,
): Promise<ChangeKindCounts> {
  const params: unknown[] = [];
  const { rows } = await db.query<ChangeKindCounts>(
    `SELECT ${KIND_COUNTS('true')} ${openChangesOf(range, holder, params)}`,
    params,
  );
  return rows[0] ?? { payments: 0, refunds: 0, voids: 0, lineChanges: 0 };
}

/** How many changes of the range that `holder` holds are not yet applied (the preview and submit count them). */
export async function openChangeCount(db: Db, range: OrderRange, holder: ChangeHolder): Promise<number> {
  const k = await openChangeKinds(db, range, holder);
  return k.payments + k.refunds + k.voids + k.lineChanges;
}

/**
 * Claims one change: `fresh` (never tried), `stale` (left pending by an earlier attempt, a lost answer, or another
 * request long ago: ask Xero first), or null (done, or another writer holds it now).
 */
export async function claimChange(
  db: Db,
  businessId: string,
  change: Pick<OpenChange, 'orderId' | 'key'>,
  who: Claimant,
): Promise<'fresh' | 'stale' | null> {
  const { rows } = await db.query<{ was: string; claimed: boolean }>(
    `WITH old AS (
       SELECT status, claimed_by, claimed_at FROM order_changes
       WHERE business_id = $1 AND order_id = $2 AND change_key = $3 FOR UPDATE),
     upd AS (
       UPDATE order_changes c SET status = 'pending', claimed_by = $4 || ' ' || $5, claimed_at = clock_timestamp(),
         request_id = $4, updated_at = now()
       FROM old WHERE c.business_id = $1 AND c.order_id = $2 AND c.change_key = $3
         AND (old.status = 'due' OR (old.status = 'pending' AND (old.claimed_by IS NULL
              OR (split_part(old.claimed_by, ' ', 1) = $4 AND old.claimed_by <> $4 || ' ' || $5)
              OR old.claimed_at < clock_timestamp() - $6 * interval '1 millisecond')))
       RETURNING 1)
     SELECT old.status AS was, EXISTS (SELECT 1 FROM upd) AS claimed FROM old`,
    [businessId, change.orderId, change.key, who.requestId, who.attempt, who.foreignStaleMs],
  );
  const row = rows[0];
  if (!row?.claimed) return null;
  return row.was === 'due' ? 'fresh' : 'stale';
}

/**
 * Lets go of a claim this attempt holds, left `pending` with no claimant, so that another request takes it over at
 * once instead of waiting for it to grow stale: for a pause or a spent daily quota, which stop before a call is
 * sent. It stays `pending` (not `due`): an earlier write of the same change may have landed, and whoever claims it
 * next asks Xero first, as every change's writer does.
 */
export async function releaseChange(
  db: Db,
  businessId: string,
  change: Pick<OpenChange, 'orderId' | 'key'>,
  who: Pick<Claimant, 'requestId' | 'attempt'>,
): Promise<void> {
  await db.query(
    `UPDATE order_changes SET claimed_by = NULL, claimed_at = NULL, updated_at = now()
     WHERE business_id = $1 AND order_id = $2 AND change_key = $3 AND status = 'pending'
       AND claimed_by = $4 || ' ' || $5`,
    [businessId, change.orderId, change.key, who.requestId, who.attempt],
  );
}

/** A change applied (with what Xero holds for it) or refused (with the reason and what to do). */
export async function finishChange(
  db: Db,
  businessId: string,
  change: Pick<OpenChange, 'orderId' | 'key'>,
  result: { done: XeroHolding } | { failed: string },
): Promise<void> {
  const done = 'done' in result;
  await db.query(
    `UPDATE order_changes SET status = $4, xero = $5, error = $6, claimed_by = NULL, claimed_at = NULL,
       updated_at = now()
     WHERE business_id = $1 AND order_id = $2 AND change_key = $3`,
    [
      businessId,
      change.orderId,
      change.key,
      done ? 'done' : 'failed',
      done ? JSON.stringify(result.done) : null,
      done ? null : result.failed,
    ],
  );
}

/** What Xero holds of an order's applied changes (for the amounts a void must credit back). */
export async function appliedChanges(
  db: Db,
  businessId: string,
  orderId: string,
): Promise<Array<{ key: string; kind: ChangeKind; xero: XeroHolding }>> {
  const { rows } = await db.query<{ change_key: string; kind: ChangeKind; xero: XeroHolding }>(
    `SELECT change_key, kind, xero FROM order_changes
     WHERE business_id = $1 AND order_id = $2 AND status = 'done' ORDER BY created_at, change_key`,
    [businessId, orderId],
  );
  return rows.map((r) => ({ key: r.change_key, kind: r.kind, xero: r.xero }));
}
