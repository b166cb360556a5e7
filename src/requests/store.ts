import type { Db } from '../db/pool';
import type { ManualSyncInput, SyncProgress, SyncState } from '../definitions';

/**
 * The history log's own table (sync_requests): every request is written at submission and its state is recorded
 * by the workflow on every change, so the log outlives Temporal's retention.
 */
export interface RequestRow {
  id: string;
  businessId: string;
  input: ManualSyncInput;
  state: SyncState;
  progress: SyncProgress | null;
  retryOf: string | null;
  idempotencyKey: string | null;
  bodyHash: string | null;
  createdAt: Date;
  /** created_at as PostgreSQL's text (microseconds kept), for the keyset cursor. */
  createdKey: string;
  closedAt: Date | null;
  /** A pause the workflow accepted and the step in flight has to stop for (cleared on resume). */
  pauseRequested: boolean;
  /** The manual contact's name when the request was submitted (null for auto-match). */
  contactName: string | null;
}

interface DbRow {
  id: string;
  business_id: string;
  input: ManualSyncInput;
  state: SyncState;
  progress: SyncProgress | null;
  retry_of: string | null;
  idempotency_key: string | null;
  body_hash: string | null;
  created_at: Date;
  created_key: string;
  closed_at: Date | null;
  pause_requested: boolean;
  contact_name: string | null;
}

const COLUMNS =
  'id, business_id, input, state, progress, retry_of, idempotency_key, body_hash, created_at, ' +
  'created_at::text AS created_key, closed_at, pause_requested, contact_name';

function fromDb(r: DbRow): RequestRow {
  return {
    id: r.id,
    businessId: r.business_id,
    input: r.input,
    state: r.state,
    progress: r.progress,
    retryOf: r.retry_of,
    idempotencyKey: r.idempotency_key,
    bodyHash: r.body_hash,
    createdAt: r.created_at,
    createdKey: r.created_key,
    closedAt: r.closed_at,
    pauseRequested: r.pause_requested,
    contactName: r.contact_name,
  };
}

export const CLOSED_STATES: ReadonlySet<SyncState> = new Set([
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
]);

/** A request ready to record: its workflow input, and the manual contact's name to show beside it. */
export interface NewRequest {
  input: ManualSyncInput;
  contactName: string | null;
}

/** Inserts the request's row; false when the id (an idempotent retry) is already there. */
export async function insertRequest(
  db: Db,
  { input, contactName }: NewRequest,
  idempotency: { key: string; bodyHash: string } | null,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO sync_requests (id, business_id, channel, location_id, start_date, end_date, input, retry_of,
       idempotency_key, body_hash, contact_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
    [
      input.requestId,
      input.businessId,
      input.channel,
      input.locationId,
      input.startDate,
      input.endDate,
      JSON.stringify(input),
      input.retryOf ?? null,
      idempotency?.key ?? null,
      idempotency?.bodyHash ?? null,
      contactName,
    ],
  );
  return (rowCount ?? 0) > 0;
}

/** The request if it belongs to the business; another business's request is as absent as a missing one. */
export async function getRequest(db: Db, businessId: string, id: string): Promise<RequestRow | null> {
  const { rows } = await db.query<DbRow>(
    `SELECT ${COLUMNS} FROM sync_requests WHERE id = $1 AND business_id = $2`,
    [id, businessId],
  );
  return rows[0] ? fromDb(rows[0]) : null;
}

export async function findByIdempotencyKey(
  db: Db,
  businessId: string,
  key: string,
): Promise<RequestRow | null> {
  const { rows } = await db.query<DbRow>(
    `SELECT ${COLUMNS} FROM sync_requests WHERE business_id = $1 AND idempotency_key = $2`,
    [businessId, key],
  );
  return rows[0] ? fromDb(rows[0]) : null;
}

/**
 * Called by the workflow (through an activity) on every state change. Answers the request's input and the
 * orders its plan expects (what its webhook event says beside the progress), or null for an unknown request.
 */
export async function recordRequestState(
  db: Db,
  progress: SyncProgress,
): Promise<{ input: ManualSyncInput; expected: number | null } | null> {
  const { rows } = await db.query<{ input: ManualSyncInput; expected: number | null }>(
    `UPDATE sync_requests SET state = $2, progress = $3, updated_at = now(),
       closed_at = CASE WHEN $4 THEN COALESCE(closed_at, now()) ELSE NULL END
     WHERE id = $1
     RETURNING input, (SELECT expected FROM sync_request_progress WHERE request_id = $1) AS expected`,
    [progress.requestId, progress.state, JSON.stringify(progress), CLOSED_STATES.has(progress.state)],
  );
  return rows[0] ?? null;
}

/**
 * The workflow's pause handler sets this before it answers, its resume handler clears it before the next step
 * starts (through an activity): the step in flight reads it (src/engine/progress-records.ts pauseRequested).
 */
export async function setPauseRequested(db: Db, id: string, requested: boolean): Promise<void> {
  await db.query('UPDATE sync_requests SET pause_requested = $2, updated_at = now() WHERE id = $1', [
    id,
    requested,
  ]);
}

/** Corrects a row whose workflow Temporal closed without the workflow recording it (terminated, timed out). */
export async function correctState(
  db: Db,
  id: string,
  state: SyncState,
  closedAt: Date | null,
): Promise<void> {
  await db.query(
    'UPDATE sync_requests SET state = $2, closed_at = COALESCE(closed_at, $3), updated_at = now() WHERE id = $1',
    [id, state, closedAt],
  );
}

export interface HistoryFilter {
  businessId: string;
  state?: SyncState;
  channel?: string;
  /** null: requests of every location. */
  locationId?: string | null;
  date?: string;
  /** An order number or invoice number (any case): requests that covered that order. */
  search?: string;
  limit: number;
  after?: { createdAt: string; id: string };
}

/** Requests with a result for the order whose number, or whose invoice's number, is $n (any case). */
const coveredOrder = (n: number) =>
  `EXISTS (SELECT 1 FROM sync_request_orders r WHERE r.request_id = sync_requests.id AND r.order_id IN (
     SELECT id FROM orders WHERE business_id = $1 AND lower(number) = lower($${n})
     UNION SELECT order_id FROM order_ledger WHERE business_id = $1 AND lower(invoice_number) = lower($${n})))`;

/** Newest first, keyset-paginated on (created_at, id). */
export async function listRequests(db: Db, f: HistoryFilter): Promise<RequestRow[]> {
  const params: unknown[] = [f.businessId];
  const where = ['business_id = $1'];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    where.push(sql(params.length));
  };
  if (f.state) add((n) => `state = $${n}`, f.state);
  if (f.channel) add((n) => `channel = $${n}`, f.channel);
  if (f.locationId === null) where.push('location_id IS NULL');
  else if (f.locationId !== undefined) add((n) => `location_id = $${n}`, f.locationId);
  if (f.date) add((n) => `start_date <= $${n}::date AND end_date >= $${n}::date`, f.date);
  if (f.search) add(coveredOrder, f.search);
  if (f.after) {
    params.push(f.after.createdAt, f.after.id);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
  }
  params.push(f.limit);
  const { rows } = await db.query<DbRow>(
    `SELECT ${COLUMNS} FROM sync_requests WHERE ${where.join(' AND ')}
     ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(fromDb);
}
