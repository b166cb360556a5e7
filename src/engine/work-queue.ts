import { statementParams } from '../db/params';
import type { Param } from '../db/params';
import type { Db } from '../db/pool';

/**
 * Follow-up writes of one request waiting to fill a Xero batch (table sync_work): payments and refunds (they share
 * PUT /Payments), credit notes, allocations. A row is added when its order's invoice is in Xero (or, for refunds
 * and allocations, when its credit note is) and removed once written. It only lists work: the ledger's claims
 * decide who writes, so a row listed twice or left behind by a crash never writes twice.
 */
/** The kinds of write that follow an invoice; each is claimed in the ledger (src/engine/ledger.ts) before it is made. */
export type FollowUp = 'payments' | 'credit_note' | 'refund' | 'allocation';

export interface WorkItem {
  kind: FollowUp;
  orderId: string;
  placedAt: string;
  /** Elements the order adds to its batch. */
  elements: number;
}

/** A change to the queue, as a statement answers it: the kind of an item listed or removed, and its elements. */
export interface QueueChange {
  kind: FollowUp;
  elements: number;
}

/**
 * Lists work (an item already listed is not listed twice), answering what was new: a statement part, so the
 * writes that make work due can list it in the same statement (src/engine/ledger.ts recordOrders).
 */
export const addWorkSql = ($: Param, requestId: string, items: WorkItem[]) => `
  INSERT INTO sync_work (request_id, kind, order_id, placed_at, elements)
  SELECT ${$(requestId)}, k, o, p, e
  FROM unnest(${$(items.map((i) => i.kind))}::text[], ${$(items.map((i) => i.orderId))}::text[],
    ${$(items.map((i) => i.placedAt))}::timestamptz[], ${$(items.map((i) => i.elements))}::int[]) AS t(k, o, p, e)
  ON CONFLICT DO NOTHING RETURNING kind, elements`;

/** Removes written work, answering what was removed: a statement part, like addWorkSql. */
export const removeWorkSql = (
  $: Param,
  requestId: string,
  items: Array<Pick<WorkItem, 'kind' | 'orderId'>>,
) => `
  DELETE FROM sync_work w USING unnest(${$(items.map((i) => i.kind))}::text[], ${$(items.map((i) => i.orderId))}::text[]) AS t(k, o)
  WHERE w.request_id = ${$(requestId)} AND w.kind = t.k AND w.order_id = t.o RETURNING w.kind, w.elements`;

export async function addWork(db: Db, requestId: string, items: WorkItem[]): Promise<QueueChange[]> {
  if (items.length === 0) return [];
  const { $, values } = statementParams();
  return (await db.query<QueueChange>(addWorkSql($, requestId, items), values)).rows;
}

/** Elements waiting, per kind (the queue is small: it is flushed whenever a batch fills). */
export async function queuedElements(db: Db, requestId: string): Promise<Record<FollowUp, number>> {
  const { rows } = await db.query<{ kind: FollowUp; n: number }>(
    'SELECT kind, sum(elements)::int AS n FROM sync_work WHERE request_id = $1 GROUP BY kind',
    [requestId],
  );
  const out: Record<FollowUp, number> = { payments: 0, refund: 0, credit_note: 0, allocation: 0 };
  for (const r of rows) out[r.kind] = r.n;
  return out;
}

/**
 * The oldest waiting items of these kinds, in the order the orders were placed. One ordered read of the index per
 * kind, merged: `kind = ANY(...)` cannot use the index's order across kinds, so PostgreSQL read and sorted every
 * waiting row of the request at each peek (a queue of thousands when the payments fell behind, issue 24).
 */
export async function peekWork(
  db: Db,
  requestId: string,
  kinds: FollowUp[],
  limit: number,
): Promise<WorkItem[]> {
  if (kinds.length === 0) return [];
  const { $, values } = statementParams();
  const request = $(requestId);
  const n = $(limit);
  const perKind = kinds.map(
    (kind) => `(SELECT kind, order_id, placed_at, elements FROM sync_work
     WHERE request_id = ${request} AND kind = ${$(kind)} ORDER BY placed_at, order_id LIMIT ${n})`,
  );
  const { rows } = await db.query<{ kind: FollowUp; order_id: string; placed_at: string; elements: number }>(
    `SELECT kind, order_id, placed_at::text AS placed_at, elements FROM (${perKind.join(' UNION ALL ')}) AS w
     ORDER BY w.placed_at, w.order_id, w.kind LIMIT ${n}`,
    values,
  );
  return rows.map((r) => ({
    kind: r.kind,
    orderId: r.order_id,
    placedAt: r.placed_at,
    elements: r.elements,
  }));
}

export async function removeWork(
  db: Db,
  requestId: string,
  items: Array<Pick<WorkItem, 'kind' | 'orderId'>>,
): Promise<QueueChange[]> {
  if (items.length === 0) return [];
  const { $, values } = statementParams();
  return (await db.query<QueueChange>(removeWorkSql($, requestId, items), values)).rows;
}

/**
 * One step's view of its request's queue: the counts are read once, then kept from what each add and remove
 * answers, so deciding whether a batch is full costs no statement. Kept counts can drift from the table: an add or
 * remove that commits while the first read is in flight may or may not be in what it answers. That only moves when
 * a batch is written; whether any work is left is always asked of the table (`waiting(true)`), when nothing else of
 * the step runs.
 */
export class WorkQueue {
  private counts: Record<FollowUp, number> | null = null;
  private reading: Promise<Record<FollowUp, number>> | null = null;
  /** Items a writer of this step has put in a batch it is writing ("kind orderId"), with their elements. */
  readonly taken = new Map<string, WorkItem>();

  constructor(
    private readonly db: Db,
    private readonly requestId: string,
  ) {}

  /** Elements waiting, per kind: as kept, or (`fresh`) read from the table again. */
  async waiting(fresh = false): Promise<Record<FollowUp, number>> {
    if (fresh) this.counts = null;
    if (!this.counts) {
      // One read at a time: two concurrent first reads would each overwrite what the other's writers applied.
      const read = (this.reading ??= queuedElements(this.db, this.requestId).finally(
        () => (this.reading = null),
      ));
      this.counts = await read;
    }
    return { ...this.counts };
  }

  async add(items: WorkItem[]): Promise<void> {
    this.listed(await addWork(this.db, this.requestId, items));
  }

  async remove(items: Array<Pick<WorkItem, 'kind' | 'orderId'>>): Promise<void> {
    this.removed(await removeWork(this.db, this.requestId, items));
  }

  /** What another module's statement listed (addWorkSql), counted as an add of this queue's. */
  listed(changes: QueueChange[]): void {
    this.apply(changes, 1);
  }

  /** What another module's statement removed (removeWorkSql), counted as a remove of this queue's. */
  removed(changes: QueueChange[]): void {
    this.apply(changes, -1);
  }

  peek(kinds: FollowUp[], limit: number): Promise<WorkItem[]> {
    return peekWork(this.db, this.requestId, kinds, limit);
  }

  private apply(changed: QueueChange[], sign: 1 | -1): void {
    if (!this.counts) return; // read fresh on first use
    for (const c of changed) this.counts[c.kind] += sign * c.elements;
  }
}
