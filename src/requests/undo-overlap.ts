import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import { UndoRefused } from '../errors';

/** The undo states in which it may still write to Xero (docs/undo.md). */
export const OPEN_UNDO_STATES = ['queued', 'running', 'waiting_for_quota'] as const;

/**
 * A sync is refused while an undo of the same business covers some of its orders (same channel, location and
 * overlapping dates): the undo voids their documents and releases their ledger rows as it goes, so a sync beside
 * it could adopt a document a moment before it is voided, or write one the undo then takes for its own.
 */
export async function refuseWhileUndoing(db: Db, input: ManualSyncInput): Promise<void> {
  const { rows } = await db.query<{ id: string; state: string }>(
    `SELECT r.id, u.state FROM request_undos u JOIN sync_requests r ON r.id = u.request_id
     WHERE u.business_id = $1 AND u.state = ANY($2) AND r.channel = $3
       AND (r.location_id IS NULL OR $4::text IS NULL OR r.location_id = $4)
       AND r.start_date <= $6 AND r.end_date >= $5
     ORDER BY u.started_at LIMIT 1`,
    [
      input.businessId,
      [...OPEN_UNDO_STATES],
      input.channel,
      input.locationId,
      input.startDate,
      input.endDate,
    ],
  );
  const undo = rows[0];
  if (!undo) return;
  throw new UndoRefused(
    'undo_running',
    `The undo of sync request ${undo.id} (${undo.state}) covers orders of this range; wait until it ends ` +
      `(GET /api/sync-requests/${undo.id}/undo), or cancel it, then submit again.`,
  );
}
