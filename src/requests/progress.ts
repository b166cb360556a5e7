import type { Db } from '../db/pool';
import type { SyncPhase } from '../definitions';

/**
 * A request's live progress in PostgreSQL (table sync_request_progress): outcome counts (kept by a trigger), Xero
 * calls (counted by the limiter as each starts), and what the activities record as they go: the phase, the
 * plan, the contacts resolved and the point the walk has reached. Reads of progress come from here and cost the
 * worker nothing.
 */
export interface RecordedProgress {
  requestId: string;
  synced: number;
  failed: number;
  skipped: number;
  xeroCalls: number;
  expected: number | null;
  plannedCalls: number | null;
  phase: SyncPhase;
  contactsTotal: number;
  contactsDone: number;
  reachedAt: Date | null;
  updatedAt: Date;
}

export interface ProgressFields {
  phase?: SyncPhase;
  expected?: number;
  plannedCalls?: number;
  contactsTotal?: number;
  contactsDone?: number;
  /** placed_at (PostgreSQL text) of the last order the walk has passed. */
  reachedAt?: string;
}

const COLUMNS: Record<keyof ProgressFields, string> = {
  phase: 'phase',
  expected: 'expected',
  plannedCalls: 'planned_calls',
  contactsTotal: 'contacts_total',
  contactsDone: 'contacts_done',
  reachedAt: 'reached_at',
};

export async function setProgress(db: Db, requestId: string, fields: ProgressFields): Promise<void> {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined) as Array<
    [keyof ProgressFields, unknown]
  >;
  if (entries.length === 0) return;
  const names = entries.map(([k]) => COLUMNS[k]);
  const values = entries.map(([, v]) => v);
  const placeholders = names.map((_, i) => `$${i + 2}`);
  await db.query(
    `INSERT INTO sync_request_progress (request_id, ${names.join(', ')}) VALUES ($1, ${placeholders.join(', ')})
     ON CONFLICT (request_id) DO UPDATE SET ${names.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}, updated_at = now()`,
    [requestId, ...values],
  );
}

interface Row {
  request_id: string;
  synced: number;
  failed: number;
  skipped: number;
  xero_calls: number;
  expected: number | null;
  planned_calls: number | null;
  phase: SyncPhase;
  contacts_total: number;
  contacts_done: number;
  reached_at: Date | null;
  updated_at: Date;
}

export async function readProgress(db: Db, requestIds: string[]): Promise<Map<string, RecordedProgress>> {
  if (requestIds.length === 0) return new Map();
  const { rows } = await db.query<Row>('SELECT * FROM sync_request_progress WHERE request_id = ANY($1)', [
    requestIds,
  ]);
  return new Map(
    rows.map((r) => [
      r.request_id,
      {
        requestId: r.request_id,
        synced: r.synced,
        failed: r.failed,
        skipped: r.skipped,
        xeroCalls: r.xero_calls,
        expected: r.expected,
        plannedCalls: r.planned_calls,
        phase: r.phase,
        contactsTotal: r.contacts_total,
        contactsDone: r.contacts_done,
        reachedAt: r.reached_at,
        updatedAt: r.updated_at,
      },
    ]),
  );
}

/**
 * For the API's /metrics: open requests by recorded state, and how long each running one has gone without
 * recording progress (its last call, page or phase; a running request silent for long is stuck). At most
 * `limit` running requests, the most silent first.
 */
export async function requestGauges(
  db: Db,
  limit = 500,
): Promise<{
  openByState: Array<{ state: string; count: number }>;
  running: Array<{ requestId: string; businessId: string; secondsSinceProgress: number }>;
}> {
  const [open, running] = await Promise.all([
    db.query<{ state: string; count: number }>(
      'SELECT state, count(*)::int AS count FROM sync_requests WHERE closed_at IS NULL GROUP BY state',
    ),
    db.query<{ id: string; business_id: string; seconds: number }>(
      `SELECT r.id, r.business_id,
         EXTRACT(EPOCH FROM now() - GREATEST(r.updated_at, COALESCE(p.updated_at, r.updated_at)))::float8 AS seconds
       FROM sync_requests r LEFT JOIN sync_request_progress p ON p.request_id = r.id
       WHERE r.closed_at IS NULL AND r.state = 'running' ORDER BY seconds DESC LIMIT $1`,
      [limit],
    ),
  ]);
  return {
    openByState: open.rows,
    running: running.rows.map((r) => ({
      requestId: r.id,
      businessId: r.business_id,
      secondsSinceProgress: Math.max(0, Math.round(r.seconds)),
    })),
  };
}
