import type { UndoSummary } from '../contract';
import type { Db } from '../db/pool';
import type { UndoState } from '../definitions';

/** The undos of these requests as the history log and a request's detail show them (src/requests/undo.ts). */
export async function undoSummaries(db: Db, requestIds: string[]): Promise<Map<string, UndoSummary>> {
  if (requestIds.length === 0) return new Map();
  const { rows } = await db.query<{
    request_id: string;
    undo_id: string;
    state: UndoState;
    started_at: Date;
    closed_at: Date | null;
    done: number;
    total: number;
    left: number;
    contacts: number;
  }>(
    `SELECT u.request_id, u.undo_id, u.state, u.started_at, u.closed_at,
       (SELECT count(*) FILTER (WHERE i.status = 'done') FROM undo_items i WHERE i.request_id = u.request_id)::int AS done,
       (SELECT count(*) FROM undo_items i WHERE i.request_id = u.request_id)::int AS total,
       (SELECT count(*) FILTER (WHERE i.status = 'left') FROM undo_items i WHERE i.request_id = u.request_id)::int AS left,
       (SELECT count(*) FROM request_contacts c WHERE c.request_id = u.request_id AND c.created)::int AS contacts
     FROM request_undos u WHERE u.request_id = ANY($1)`,
    [requestIds],
  );
  return new Map(
    rows.map((r) => [
      r.request_id,
      {
        undoId: r.undo_id,
        state: r.state,
        done: r.done,
        total: r.total,
        leftInPlace: r.left + r.contacts,
        startedAt: r.started_at.toISOString(),
        closedAt: r.closed_at?.toISOString() ?? null,
      },
    ]),
  );
}
