import type { Db } from '../db/pool';
import type { FollowUp } from './ledger';

/**
 * Follow-up writes of one request waiting to fill a Xero batch (table sync_work): payments and refunds (they share
 * PUT /Payments), credit notes, allocations. A row is added when its order's invoice is in Xero (or, for refunds
 * and allocations, when its credit note is) and removed once written. It only lists work: the ledger's claims
 * decide who writes, so a row listed twice or left behind by a crash never writes twice.
 */
export interface WorkItem {
  kind: FollowUp;
  orderId: string;
  placedAt: string;
  /** Elements the order adds to its batch. */
  elements: number;
}

/** Adds work; answers what was new (an item already listed is not listed twice). */
export async function addWork(db: Db, requestId: string, items: WorkItem[]): Promise<Counted[]> {
  if (items.length === 0) return [];
  const { rows } = await db.query<Counted>(
    `INSERT INTO sync_work (request_id, kind, order_id, placed_at, elements)
     SELECT $1, k, o, p, e FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::int[]) AS t(k, o, p, e)
     ON CONFLICT DO NOTHING RETURNING kind, elements`,
    [
      requestId,
      items.map((i) => i.kind),
      items.map((i) => i.orderId),
      items.map((i) => i.placedAt),
      items.map((i) => i.elements),
    ],
  );
  return rows;
}

interface Counted {
  kind: FollowUp;
  elements: number;
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

/** The oldest waiting items of these kinds, in the order the orders were placed. */
export async function peekWork(
  db: Db,
  requestId: string,
  kinds: FollowUp[],
  limit: number,
): Promise<WorkItem[]> {
  const { rows } = await db.query<{ kind: FollowUp; order_id: string; placed_at: string; elements: number }>(
    `SELECT kind, order_id, placed_at::text AS placed_at, elements FROM sync_work
     WHERE request_id = $1 AND kind = ANY($2) ORDER BY placed_at, order_id, kind LIMIT $3`,
    [requestId, kinds, limit],
  );
  return rows.map((r) => ({
    kind: r.kind,
    orderId: r.order_id,
    placedAt: r.placed_at,
    elements: r.elements,
  }));
}

/** Removes written work; answers what was removed. */
export async function removeWork(
  db: Db,
  requestId: string,
  items: Array<Pick<WorkItem, 'kind' | 'orderId'>>,
): Promise<Counted[]> {
  if (items.length === 0) return [];
  const { rows } = await db.query<Counted>(
    `DELETE FROM sync_work w USING unnest($2::text[], $3::text[]) AS t(k, o)
     WHERE w.request_id = $1 AND w.kind = t.k AND w.order_id = t.o RETURNING w.kind, w.elements`,
    [requestId, items.map((i) => i.kind), items.map((i) => i.orderId)],
  );
  return rows;
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
  /** Items a writer of this step has put in a batch it is writing ("kind orderId"). */
  readonly taken = new Set<string>();

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
    this.apply(await addWork(this.db, this.requestId, items), 1);
  }

  async remove(items: Array<Pick<WorkItem, 'kind' | 'orderId'>>): Promise<void> {
    this.apply(await removeWork(this.db, this.requestId, items), -1);
  }

  peek(kinds: FollowUp[], limit: number): Promise<WorkItem[]> {
    return peekWork(this.db, this.requestId, kinds, limit);
  }

  private apply(changed: Counted[], sign: 1 | -1): void {
    if (!this.counts) return; // read fresh on first use
    for (const c of changed) this.counts[c.kind] += sign * c.elements;
  }
}
