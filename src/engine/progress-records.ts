import type { Db } from '../db/pool';
import type { SyncPhase } from '../definitions';

/**
 * What the engine records of a request's progress as it goes (table sync_request_progress): the phase, the plan
 * (orders expected, calls planned), the contacts resolved and the point the walk has reached. Outcome counts are
 * kept by a trigger on the per-order results, and Xero calls by the limiter as each starts. What is shown of it
 * (counts, ETA) is computed from these records in src/requests/progress.ts.
 */
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

/** Whether a pause was accepted for the request (src/requests/store.ts setPauseRequested): the step stops. */
export async function pauseRequested(db: Db, requestId: string): Promise<boolean> {
  const { rows } = await db.query<{ pause_requested: boolean }>(
    'SELECT pause_requested FROM sync_requests WHERE id = $1',
    [requestId],
  );
  return rows[0]?.pause_requested ?? false;
}
