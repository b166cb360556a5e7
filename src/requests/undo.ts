import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { localDateOf } from '../calendar';
import type { Config } from '../config';
import type { LeftInPlace, UndoCancelAccepted, UndoPreview, UndoProgress, UndoRefusal } from '../contract';
import type { Db } from '../db/pool';
import { cancelUndoUpdate, stepHeartbeatMs, UNDO_REQUEST_WORKFLOW, undoWorkflowId } from '../definitions';
import type { UndoInput, UndoProgressState, UndoRequestWorkflow, UndoState } from '../definitions';
import { storedFacts } from '../businesses/organisation-facts';
import { getBusiness } from '../businesses/store';
import { undoCallsId } from '../engine/undo-context';
import { allItems } from '../engine/undo-ledger';
import type { UndoItem } from '../engine/undo-ledger';
import { undoEstimate } from '../engine/undo-estimate';
import { Conflict, NotFound, UndoRefused } from '../errors';
import { bindingLock, xeroDay } from '../xero/organisation';
import { requireRequest } from './history';
import { OPEN_UNDO_STATES } from './undo-overlap';
import type { RequestRow } from './store';
import { CLOSED_STATES } from './store';

/**
 * Undo a request (issue 27 part 2, docs/undo.md), the request layer: the preview from the ledger, the refusals,
 * starting its workflow (its own, `undo-<request id>`; started again after a cancel to finish the rest), its state
 * and left-in-place list, and cancel. The take-backs themselves are the engine's (src/engine/undo-*.ts).
 */
export interface UndoDeps {
  cfg: Config;
  db: Db;
  temporal: Client;
}

const OPEN_UNDO: ReadonlySet<UndoState> = new Set(OPEN_UNDO_STATES);
const CLOSED_UNDO: ReadonlySet<UndoState> = new Set(['completed', 'cancelled', 'failed']);

interface UndoRow {
  request_id: string;
  undo_id: string;
  state: UndoState;
  runs: number;
  planned: boolean;
  cancel_requested: boolean;
  resume_at: Date | null;
  last_error: string | null;
  started_at: Date;
  closed_at: Date | null;
}

async function undoRow(db: Db, requestId: string): Promise<UndoRow | null> {
  const { rows } = await db.query<UndoRow>('SELECT * FROM request_undos WHERE request_id = $1', [requestId]);
  return rows[0] ?? null;
}

/** Why an undo of this request cannot start now, or null. */
async function refusalOf(
  deps: UndoDeps,
  row: RequestRow,
  undo: UndoRow | null,
): Promise<{ type: UndoRefusal; detail: string } | null> {
  if (!CLOSED_STATES.has(row.state))
    return {
      type: 'request_open',
      detail: `Sync request ${row.id} is ${row.state}: cancel it, or let it end, before undoing it.`,
    };
  if (undo && OPEN_UNDO.has(undo.state))
    return {
      type: 'undo_running',
      detail: `The undo of ${row.id} is ${undo.state}; follow GET /api/sync-requests/${row.id}/undo.`,
    };
  const other = await overlappingOpenRequest(deps.db, row);
  if (other)
    return {
      type: 'orders_in_use',
      detail: `Sync request ${other.id} (${other.state}) covers orders of this request; cancel it, or let it end, first.`,
    };
  if (await nothingLeft(deps.db, row, undo))
    return {
      type: 'nothing_to_undo',
      detail: `Nothing of request ${row.id} is left to take back in Xero (what an undo left in place stays: see GET /api/sync-requests/${row.id}/undo).`,
    };
  return null;
}

/** Another request of the business, still open, whose channel, location and dates cover some of this one's. */
async function overlappingOpenRequest(
  db: Db,
  row: RequestRow,
): Promise<{ id: string; state: string } | null> {
  const { input } = row;
  const { rows } = await db.query<{ id: string; state: string }>(
    `SELECT id, state FROM sync_requests
     WHERE business_id = $1 AND id <> $2 AND channel = $3 AND state <> ALL($4)
       AND (location_id IS NULL OR $5::text IS NULL OR location_id = $5)
       AND start_date <= $7 AND end_date >= $6
     ORDER BY created_at LIMIT 1`,
    [
      input.businessId,
      row.id,
      input.channel,
      [...CLOSED_STATES],
      input.locationId,
      input.startDate,
      input.endDate,
    ],
  );
  return rows[0] ?? null;
}

/** Nothing to take back: its take-backs are listed and none is still to do, or the ledger holds nothing of it. */
async function nothingLeft(db: Db, row: RequestRow, undo: UndoRow | null): Promise<boolean> {
  if (undo?.planned) {
    const { rows } = await db.query<{ open: number }>(
      `SELECT count(*)::int AS open FROM undo_items WHERE request_id = $1 AND status IN ('due', 'pending')`,
      [row.id],
    );
    return rows[0]!.open === 0;
  }
  const estimate = await estimateOf(db, row);
  return estimate.calls.writes === 0 && estimate.orders === 0;
}

function estimateOf(db: Db, row: RequestRow) {
  const { input } = row;
  return undoEstimate(db, input.businessId, row.id, {
    posting: input.options.posting ?? 'per-order',
    drafts: input.options.invoiceStatus !== 'AUTHORISED',
  });
}

const CONTACT_DETAIL =
  'created by this request: contacts are never deleted (Xero only archives them, and other documents may name them)';

/** Contacts the request created (auto-match), left in place by every undo. */
async function createdContacts(db: Db, requestId: string): Promise<LeftInPlace[]> {
  const { rows } = await db.query<{ contact_id: string; spelling: string | null }>(
    `SELECT contact_id, spelling FROM request_contacts
     WHERE request_id = $1 AND created AND contact_id IS NOT NULL ORDER BY spelling`,
    [requestId],
  );
  return rows.map((r) => ({
    kind: 'contact',
    xeroId: r.contact_id,
    number: r.spelling,
    orderId: null,
    orderNumber: null,
    amount: null,
    reason: 'contact_created',
    detail: CONTACT_DETAIL,
  }));
}

/** Before reading Xero: the request's invoices dated in the locked period, as the organisation's last facts say. */
async function lockedInvoices(deps: UndoDeps, row: RequestRow): Promise<LeftInPlace[]> {
  const business = await getBusiness(deps.db, row.input.businessId);
  const facts = business?.xeroTenantId ? await storedFacts(deps.db, business.xeroTenantId) : null;
  const lock = facts ? bindingLock(facts) : null;
  if (!lock) return [];
  const { rows } = await deps.db.query<{
    order_id: string;
    number: string;
    invoice_number: string;
    xero_invoice_id: string;
    placed_at: Date;
    total: string;
  }>(
    `SELECT l.order_id, o.number, l.invoice_number, l.xero_invoice_id, o.placed_at, o.total::text
     FROM order_ledger l JOIN orders o ON o.business_id = l.business_id AND o.id = l.order_id
     WHERE l.business_id = $1 AND l.request_id = $2 AND l.status = 'synced' AND l.xero_invoice_id IS NOT NULL
     ORDER BY o.placed_at, o.id`,
    [row.input.businessId, row.id],
  );
  return rows.flatMap((r) => {
    const day = localDateOf(r.placed_at.toISOString(), row.input.timeZone);
    if (day > lock.date) return [];
    return [
      {
        kind: 'invoice' as const,
        xeroId: r.xero_invoice_id,
        number: r.invoice_number,
        orderId: r.order_id,
        orderNumber: r.number,
        amount: r.total,
        reason: 'locked_period' as const,
        detail: `dated ${xeroDay(day)}, on or before Xero's ${lock.kind} lock date ${xeroDay(lock.date)} (as last read): its order is left whole`,
      },
    ];
  });
}

export async function previewUndo(
  deps: UndoDeps,
  businessId: string,
  requestId: string,
): Promise<UndoPreview> {
  const row = await requireRequest(deps, businessId, requestId);
  const undo = await undoRow(deps.db, requestId);
  const [estimate, contacts, locked, refusal] = await Promise.all([
    estimateOf(deps.db, row),
    createdContacts(deps.db, requestId),
    lockedInvoices(deps, row),
    refusalOf(deps, row, undo),
  ]);
  return {
    requestId,
    posting: row.input.options.posting ?? 'per-order',
    orders: estimate.orders,
    takeBack: estimate.takeBack,
    summaries: estimate.summaries,
    calls: estimate.calls,
    leftInPlace: [...contacts, ...locked],
    canStart: refusal === null,
    refusal,
  };
}

/**
 * Starts the undo: refused (409, `type` naming why) while the request or another covering its orders is open,
 * while its undo runs, or with nothing left to take back. A cancelled or ended undo is started again under the
 * same workflow id: its ledger keeps what is done, so the new run finishes the rest.
 */
export async function startUndo(
  deps: UndoDeps,
  businessId: string,
  requestId: string,
): Promise<UndoProgress> {
  const row = await requireRequest(deps, businessId, requestId);
  const refusal = await refusalOf(deps, row, await undoRow(deps.db, requestId));
  if (refusal) throw new UndoRefused(refusal.type, refusal.detail);
  const { rows } = await deps.db.query<{ runs: number }>(
    `INSERT INTO request_undos (request_id, business_id, undo_id) VALUES ($1, $2, $3)
     ON CONFLICT (request_id) DO UPDATE SET state = 'queued', runs = request_undos.runs + 1,
       cancel_requested = false, resume_at = NULL, last_error = NULL, started_at = now(), closed_at = NULL,
       updated_at = now()
     WHERE request_undos.state <> ALL($4)
     RETURNING runs`,
    [requestId, businessId, undoWorkflowId(requestId), [...OPEN_UNDO]],
  );
  if (!rows[0]) throw new UndoRefused('undo_running', `The undo of ${requestId} was started a moment ago.`);
  const input: UndoInput = {
    requestId,
    businessId,
    run: rows[0].runs,
    stepHeartbeatMs: stepHeartbeatMs(deps.cfg),
  };
  try {
    await deps.temporal.workflow.start<UndoRequestWorkflow>(UNDO_REQUEST_WORKFLOW, {
      taskQueue: deps.cfg.TEMPORAL_TASK_QUEUE,
      workflowId: undoWorkflowId(requestId),
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `Undo request ${requestId} of ${businessId} in Xero (run ${input.run})`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new UndoRefused('undo_running', `The undo of ${requestId} is running.`);
    await deps.db.query(
      `UPDATE request_undos SET state = 'failed', last_error = 'its workflow could not be started', closed_at = now()
       WHERE request_id = $1`,
      [requestId],
    );
    throw err;
  }
  return undoProgress(deps, businessId, requestId);
}

function leftOf(item: UndoItem): LeftInPlace {
  return {
    kind: item.kind,
    xeroId: item.xeroId,
    number: item.number,
    orderId: item.orderId,
    orderNumber: item.orderNumber,
    amount: item.amount,
    reason: item.reason ?? 'refused_by_xero',
    detail: item.detail ?? '',
  };
}

const KINDS = {
  payments: ['payment'],
  refunds: ['refund'],
  allocations: ['allocation'],
  creditNotes: ['credit_note'],
  invoices: ['invoice'],
} as const;

/** The undo's state, its take-backs done of total by kind, and what it left in place and why. */
export async function undoProgress(
  deps: UndoDeps,
  businessId: string,
  requestId: string,
): Promise<UndoProgress> {
  await requireRequest(deps, businessId, requestId);
  const undo = await undoRow(deps.db, requestId);
  if (!undo) throw new NotFound(`An undo of sync request ${JSON.stringify(requestId)}`);
  const [items, contacts, calls] = await Promise.all([
    allItems(deps.db, requestId),
    createdContacts(deps.db, requestId),
    deps.db.query<{ xero_calls: number }>(
      'SELECT xero_calls FROM sync_request_progress WHERE request_id = $1',
      [undoCallsId(requestId)],
    ),
  ]);
  const count = (kinds: readonly string[]) => {
    const mine = items.filter((i) => kinds.includes(i.kind));
    return { done: mine.filter((i) => i.status === 'done').length, total: mine.length };
  };
  const progress = Object.fromEntries(
    Object.entries(KINDS).map(([name, kinds]) => [name, count(kinds)]),
  ) as UndoProgress['progress'];
  return {
    requestId,
    undoId: undo.undo_id,
    state: undo.state,
    runs: undo.runs,
    startedAt: undo.started_at.toISOString(),
    closedAt: undo.closed_at?.toISOString() ?? null,
    cancelling: undo.cancel_requested && !CLOSED_UNDO.has(undo.state),
    progress,
    done: items.filter((i) => i.status === 'done').length,
    total: items.length,
    leftInPlace: [...contacts, ...items.filter((i) => i.status === 'left').map(leftOf)],
    xeroCalls: calls.rows[0]?.xero_calls ?? 0,
    resumeAt: undo.state === 'waiting_for_quota' ? (undo.resume_at?.toISOString() ?? null) : null,
    lastError: undo.last_error,
  };
}

/**
 * Cancel: kept where the step in flight reads it (before each take-back and each call), then told to the workflow,
 * which ends `cancelled` once the step stops. What is done stays done; starting the undo again finishes the rest.
 */
export async function cancelUndo(
  deps: UndoDeps,
  businessId: string,
  requestId: string,
): Promise<UndoCancelAccepted> {
  await requireRequest(deps, businessId, requestId);
  const undo = await undoRow(deps.db, requestId);
  if (!undo) throw new NotFound(`An undo of sync request ${JSON.stringify(requestId)}`);
  if (CLOSED_UNDO.has(undo.state))
    throw new Conflict(
      'Undo has ended',
      `The undo of ${requestId} is ${undo.state}; there is nothing to cancel.`,
    );
  await deps.db.query(
    'UPDATE request_undos SET cancel_requested = true, updated_at = now() WHERE request_id = $1',
    [requestId],
  );
  try {
    const answer = await deps.temporal.workflow.getHandle(undo.undo_id).executeUpdate(cancelUndoUpdate);
    return { requestId, ...answer };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      throw new Conflict('Cannot cancel', err.cause?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError)
      throw new Conflict('Undo has ended', `The undo of ${requestId} has ended; there is nothing to cancel.`);
    throw err;
  }
}

/** What the undo workflow records on every state change (activities/undo.ts). */
export async function recordUndoState(db: Db, progress: UndoProgressState): Promise<void> {
  await db.query(
    `UPDATE request_undos SET state = $2, resume_at = $3, last_error = $4, updated_at = now(),
       closed_at = CASE WHEN $2 = ANY($5) THEN now() ELSE NULL END
     WHERE request_id = $1`,
    [progress.requestId, progress.state, progress.resumeAt, progress.lastError, [...CLOSED_UNDO]],
  );
}
