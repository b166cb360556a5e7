import { callContextFor } from '../businesses/call-context';
import type { CallExtras } from '../businesses/call-context';
import { getBusiness } from '../businesses/store';
import type { Business } from '../businesses/store';
import type { Db } from '../db/pool';
import type { UndoInput } from '../definitions';
import { NotConnected } from '../errors';
import type { Dependencies } from '../runtime';
import type { CallContext, XeroGateway } from '../xero/gateway';
import { ConnectionNeedsReconnect } from '../xero/tokens';
import { coalesced } from './step';
import type { StepHooks } from './step';

/**
 * What every step of an undo shares (src/engine/undo-step.ts): the business, its gateway and call context (the
 * calls count as the undo's, and none starts once a cancel is accepted), the attempt that claims take-backs, and
 * the step's deadline.
 */
export interface UndoStep {
  deps: Dependencies;
  input: UndoInput;
  business: Business;
  xero: XeroGateway;
  ctx: CallContext;
  extras: CallExtras;
  /** This attempt, as the undo's ledger claims name it. */
  attempt: string;
  deadline: number;
  signal: AbortSignal;
  cancelling(): Promise<boolean>;
  /** Heartbeats (the step keeps no cursor: the ledger is its checkpoint). */
  checkpoint(): void;
}

/** The PostgreSQL side of a request's undo the engine needs: its posting mode, whether it is listed, a cancel. */
export interface UndoRecord {
  posting: 'per-order' | 'daily-summary';
  planned: boolean;
  cancelRequested: boolean;
}

export async function undoRecord(db: Db, requestId: string): Promise<UndoRecord | null> {
  const { rows } = await db.query<{ posting: string | null; planned: boolean; cancel_requested: boolean }>(
    `SELECT r.input->'options'->>'posting' AS posting, u.planned, u.cancel_requested
     FROM request_undos u JOIN sync_requests r ON r.id = u.request_id WHERE u.request_id = $1`,
    [requestId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    posting: row.posting === 'daily-summary' ? 'daily-summary' : 'per-order',
    planned: row.planned,
    cancelRequested: row.cancel_requested,
  };
}

export async function openUndoStep(
  deps: Dependencies,
  input: UndoInput,
  hooks: StepHooks,
): Promise<UndoStep> {
  const business = await getBusiness(deps.db, input.businessId);
  if (!business) throw new NotConnected(`Business ${input.businessId} does not exist`);
  if (!business.xeroTenantId)
    throw new ConnectionNeedsReconnect(
      business.id,
      'the business was disconnected from Xero; connect it again',
    );
  let cancelled = false;
  const cancelling = async () =>
    (cancelled ||= (await undoRecord(deps.db, input.requestId))?.cancelRequested === true);
  const heartbeat = coalesced(
    (d) => hooks.heartbeat(d),
    () => undefined,
  );
  const extras: CallExtras = {
    // Its calls count in their own progress row, apart from the request's (the undo's Xero calls).
    requestId: undoCallsId(input.requestId),
    signal: hooks.signal,
    heartbeat,
    beforeSend: async () => {
      if (await cancelling()) throw new UndoCancelRequested(input.requestId);
    },
    log: hooks.log,
  };
  return {
    deps,
    input,
    business,
    xero: deps.newXeroGateway(),
    ctx: callContextFor(business, extras),
    extras,
    attempt: hooks.attempt,
    deadline: Date.now() + deps.cfg.SYNC_STEP_SECONDS * 1000,
    signal: hooks.signal,
    cancelling,
    checkpoint: heartbeat,
  };
}

/** The id an undo's Xero calls are counted under (sync_request_progress.xero_calls, by the limiter). */
export function undoCallsId(requestId: string): string {
  return `${requestId}.undo`;
}

/** The API accepted a cancel: no call of the step starts after it. */
export class UndoCancelRequested extends Error {
  constructor(requestId: string) {
    super(`The undo of request ${requestId} is being cancelled: no more Xero calls`);
    this.name = 'UndoCancelRequested';
  }
}
