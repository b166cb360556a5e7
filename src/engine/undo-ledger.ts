import { createHash } from 'node:crypto';
import type { Db } from '../db/pool';
import type { LeftInPlaceReason } from '../contract';

/**
 * The undo's ledger (table undo_items, docs/undo.md): one row per take-back, claimed (`pending`, with the
 * attempt that holds it) before its Xero write and finished (`done`, or `left` with the reason) after it. A
 * `pending` row found by a later attempt is a write of unknown outcome: its writer reads Xero back first
 * (src/engine/undo-writes.ts). A group (an order, or a daily summary) is taken back whole: once one of its
 * take-backs is left in place, the rest of the group is left too, so no invoice is voided under a payment Xero
 * keeps.
 */

export type UndoItemKind = 'payment' | 'refund' | 'allocation' | 'credit_note' | 'invoice';
export type UndoAction = 'delete' | 'void' | 'remove';

/** Xero's order: payments and refunds, then allocations, then credit notes, then invoices. */
export const PHASE_OF: Record<UndoItemKind, number> = {
  payment: 1,
  refund: 1,
  allocation: 2,
  credit_note: 3,
  invoice: 4,
};

export interface UndoItem {
  key: string;
  kind: UndoItemKind;
  action: UndoAction;
  xeroId: string;
  parentId: string | null;
  group: string;
  orderId: string | null;
  orderNumber: string | null;
  number: string | null;
  amount: string | null;
  status: 'due' | 'pending' | 'done' | 'left';
  reason: LeftInPlaceReason | null;
  detail: string | null;
  idempotencyKey: string;
}

/** A take-back as the plan lists it: left in place already (with why), done already, or due. */
export type PlannedItem = Omit<UndoItem, 'key' | 'idempotencyKey'>;

export function itemKey(kind: UndoItemKind, xeroId: string): string {
  return `${kind}:${xeroId}`;
}

/** The Idempotency-Key of a take-back: the same for every attempt and run, so Xero replays a write that landed. */
export function undoKey(requestId: string, key: string): string {
  return createHash('sha256').update(`undo|${requestId}|${key}`).digest('hex');
}

interface ItemRow {
  item_key: string;
  kind: UndoItemKind;
  action: UndoAction;
  xero_id: string;
  parent_id: string | null;
  grp: string;
  order_id: string | null;
  order_number: string | null;
  number: string | null;
  amount: string | null;
  status: UndoItem['status'];
  reason: LeftInPlaceReason | null;
  detail: string | null;
  idempotency_key: string;
}

const COLUMNS = `item_key, kind, action, xero_id, parent_id, grp, order_id, order_number, number, amount, status,
  reason, detail, idempotency_key`;

function itemOf(r: ItemRow): UndoItem {
  return {
    key: r.item_key,
    kind: r.kind,
    action: r.action,
    xeroId: r.xero_id,
    parentId: r.parent_id,
    group: r.grp,
    orderId: r.order_id,
    orderNumber: r.order_number,
    number: r.number,
    amount: r.amount,
    status: r.status,
    reason: r.reason,
    detail: r.detail,
    idempotencyKey: r.idempotency_key,
  };
}

/** Records the plan's take-backs in one statement; a take-back already listed keeps its row. */
export async function insertItems(db: Db, requestId: string, items: PlannedItem[]): Promise<void> {
  if (items.length === 0) return;
  const keys = items.map((i) => itemKey(i.kind, i.xeroId));
  const col = <T>(f: (i: PlannedItem) => T) => items.map(f);
  await db.query(
    `INSERT INTO undo_items (request_id, item_key, phase, kind, action, xero_id, parent_id, grp, order_id,
       order_number, number, amount, status, reason, detail, idempotency_key)
     SELECT $1, k, p, t, a, x, pa, g, o, n, nu, am, s, r, d, ik
     FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
       $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
       AS u(k, p, t, a, x, pa, g, o, n, nu, am, s, r, d, ik)
     ON CONFLICT (request_id, item_key) DO NOTHING`,
    [
      requestId,
      keys,
      col((i) => PHASE_OF[i.kind]),
      col((i) => i.kind),
      col((i) => i.action),
      col((i) => i.xeroId),
      col((i) => i.parentId),
      col((i) => i.group),
      col((i) => i.orderId),
      col((i) => i.orderNumber),
      col((i) => i.number),
      col((i) => i.amount),
      col((i) => i.status),
      col((i) => i.reason),
      col((i) => i.detail),
      keys.map((k) => undoKey(requestId, k)),
    ],
  );
}

/** The take-backs of one phase still to do (due, or pending from an attempt that may have written). */
export async function openItems(db: Db, requestId: string, phase: number): Promise<UndoItem[]> {
  const { rows } = await db.query<ItemRow>(
    `SELECT ${COLUMNS} FROM undo_items WHERE request_id = $1 AND phase = $2 AND status IN ('due', 'pending')
     ORDER BY grp, item_key`,
    [requestId, phase],
  );
  return rows.map(itemOf);
}

/** Every take-back of the request (for its state and its left-in-place list). */
export async function allItems(db: Db, requestId: string): Promise<UndoItem[]> {
  const { rows } = await db.query<ItemRow>(
    `SELECT ${COLUMNS} FROM undo_items WHERE request_id = $1 ORDER BY phase, grp, item_key`,
    [requestId],
  );
  return rows.map(itemOf);
}

/**
 * Claims a take-back for this attempt: `fresh` (never tried), `stale` (pending: an earlier attempt may have
 * written it; read Xero first), or null (finished meanwhile). One undo runs per request at a time (its workflow id),
 * so an earlier attempt's claim is that of a step Temporal gave up on, and is taken over at once.
 */
export async function claimItem(
  db: Db,
  requestId: string,
  key: string,
  attempt: string,
): Promise<'fresh' | 'stale' | null> {
  const { rows } = await db.query<{ was: string }>(
    `WITH old AS (SELECT status FROM undo_items WHERE request_id = $1 AND item_key = $2 FOR UPDATE)
     UPDATE undo_items u SET status = 'pending', claimed_by = $3, updated_at = now() FROM old
     WHERE u.request_id = $1 AND u.item_key = $2 AND old.status IN ('due', 'pending')
     RETURNING old.status AS was`,
    [requestId, key, attempt],
  );
  const was = rows[0]?.was;
  return was === undefined ? null : was === 'due' ? 'fresh' : 'stale';
}

/** A claim given back before its call was sent (a spent quota, a cancel): `due` again if it was fresh. */
export async function releaseItem(db: Db, requestId: string, key: string, fresh: boolean): Promise<void> {
  await db.query(
    `UPDATE undo_items SET status = CASE WHEN $3 THEN 'due' ELSE status END, claimed_by = NULL, updated_at = now()
     WHERE request_id = $1 AND item_key = $2 AND status = 'pending'`,
    [requestId, key, fresh],
  );
}

/** A take-back done (with how it was found, when not by its own write). */
export async function finishItem(
  db: Db,
  requestId: string,
  key: string,
  detail: string | null,
): Promise<void> {
  await db.query(
    `UPDATE undo_items SET status = 'done', detail = $3, claimed_by = NULL, updated_at = now()
     WHERE request_id = $1 AND item_key = $2`,
    [requestId, key, detail],
  );
}

/**
 * A take-back left in place, and with it the rest of its group still to do: those are left with the same reason,
 * their detail naming the one that stopped them.
 */
export async function leaveItem(
  db: Db,
  requestId: string,
  item: Pick<UndoItem, 'key' | 'group' | 'kind' | 'number' | 'xeroId'>,
  reason: LeftInPlaceReason,
  detail: string,
): Promise<void> {
  const what = `${item.kind.replace('_', ' ')} ${item.number ?? item.xeroId}`;
  await db.query(
    `UPDATE undo_items SET status = 'left', claimed_by = NULL, updated_at = now(),
       reason = $4, detail = CASE WHEN item_key = $2 THEN $5 ELSE $6 END
     WHERE request_id = $1 AND (item_key = $2 OR (grp = $3 AND status = 'due'))`,
    [requestId, item.key, item.group, reason, detail, `left with ${what}: ${detail}`],
  );
}

/**
 * The orders of the request whose take-backs are all done are no longer in Xero as far as the ledger knows: their
 * ledger rows become `failed` ("undone"), with no Xero ids, so a later sync writes them again (under `-R2`, the
 * voided number being Xero's still), and their applied changes become due again, for that sync to apply to the new
 * invoice. Only rows still this request's and synced are touched, so a later sync's rows never are.
 */
export async function releaseUndoneOrders(db: Db, requestId: string, businessId: string): Promise<number> {
  const { rows } = await db.query<{ order_id: string }>(
    `WITH undone AS (
       SELECT order_id FROM undo_items WHERE request_id = $1 AND order_id IS NOT NULL
       GROUP BY order_id HAVING bool_and(status = 'done')),
     reset AS (
       UPDATE order_ledger l SET status = 'failed', error = 'undone: its documents were taken back in Xero by ' ||
           'the undo of request ' || $1, xero_invoice_id = NULL, xero_total = NULL, payments_status = 'none',
         payment_ids = '{}', credit_note_status = 'none', credit_note_id = NULL, refund_status = 'none',
         allocation_status = 'none', money_checks = NULL, updated_at = now()
       FROM undone WHERE l.business_id = $2 AND l.order_id = undone.order_id AND l.request_id = $1
         AND l.status = 'synced'
       RETURNING l.order_id),
     changes AS (
       UPDATE order_changes c SET status = 'due', xero = NULL, error = NULL, claimed_by = NULL, claimed_at = NULL,
         request_id = NULL, updated_at = now()
       FROM reset WHERE c.business_id = $2 AND c.order_id = reset.order_id AND c.status <> 'due'
       RETURNING 1)
     SELECT order_id FROM reset`,
    [requestId, businessId],
  );
  return rows.length;
}
