import { callContextFor } from '../businesses/call-context';
import { getBusiness } from '../businesses/store';
import type { Business } from '../businesses/store';
import type { ManualSyncInput, OrdersCursor, StepOutcome } from '../definitions';
import type { Order } from '../orders/schema';
import type { Dependencies } from '../runtime';
import type { MappingSettings } from './invoice-mapping';
import type { OrganisationFacts } from '../xero/organisation';
import { requestCounts } from './ledger';
import type { Claimant } from './ledger';
import { WorkQueue } from './work-queue';
import type { CallContext, XeroGateway } from '../xero/gateway';
import type { DailyQuotaExhausted } from '../xero/limiter';
import { metrics } from '../observability/metrics';
import { NotConnected } from '../errors';
import type { CallLog } from '../xero/observe';
import { ConnectionNeedsReconnect } from '../xero/tokens';
import { pauseRequested } from './progress-records';

/**
 * What every step of a request shares: the business as it is now, its Xero gateway and call context, the
 * step's deadline and the identity it claims ledger rows with. A step heartbeats its checkpoint around every Xero
 * call and while it waits, and stops (its signal aborts) when Temporal cancels it or gives up on it.
 */
export interface Step {
  deps: Dependencies;
  input: ManualSyncInput;
  business: Business;
  settings: MappingSettings;
  xero: XeroGateway;
  ctx: CallContext;
  who: Claimant;
  /** Stop starting new work after this (ms since the epoch). */
  deadline: number;
  signal: AbortSignal;
  log: CallLog;
  /**
   * Whether a pause was accepted for the request (read from PostgreSQL; once seen, the step keeps it): the walk
   * starts no page after it, and no Xero call of the step starts after it (PauseRequested is thrown instead).
   */
  pausing(): Promise<boolean>;
  /** Sets what the heartbeat carries (the checkpoint a retry resumes from) and heartbeats. */
  checkpoint(details: unknown): void;
  /** Xero calls this step started that were not probes of a spent daily budget: real progress. */
  readonly calls: { work: number };
  /** Orders this step has in hand, by id: their follow-up writes need not read them again. */
  readonly orders: Map<string, Order>;
  /** The request's follow-up work queue. */
  readonly work: WorkQueue;
  /**
   * The organisation's facts the request runs by (lock dates, currencies), loaded by the orders walk before its
   * first page; null: none known (Xero then answers for itself, order by order).
   */
  facts: OrganisationFacts | null;
}

/**
 * What the engine needs of the Temporal activity that runs a step, so the engine itself knows nothing of Temporal:
 * activities/ builds these from the activity's Context (activities/hooks.ts), tests from their own.
 */
export interface StepHooks {
  /** The details of the last heartbeat of an earlier attempt: where a retried step resumes (undefined: none). */
  readonly resumed: unknown;
  /** Aborts when Temporal cancels the step or gives up on it. */
  readonly signal: AbortSignal;
  /** This attempt, as ledger claims name it (`<activity id>#<attempt>`). */
  readonly attempt: string;
  heartbeat(details?: unknown): void;
  readonly log: CallLog;
}

/**
 * A Xero call of a step found the request's pause accepted: it was not sent. The step stops as at its deadline
 * (what was done is recorded; a claim taken for the call is the ledger's to settle, as after a crash), and the
 * workflow, which holds the pause, pauses.
 */
export class PauseRequested extends Error {
  constructor(requestId: string) {
    super(`Sync request ${requestId} is pausing: no more Xero calls in this step`);
    this.name = 'PauseRequested';
  }
}

// Another request's claim on an order is taken over only when no call of it can still be in flight.
const FOREIGN_CLAIM_STALE_MS = 5 * 60_000;

export async function openStep(
  deps: Dependencies,
  input: ManualSyncInput,
  hooks: StepHooks,
  initial: unknown,
): Promise<Step> {
  const business = await getBusiness(deps.db, input.businessId);
  if (!business) throw new NotConnected(`Business ${input.businessId} does not exist`);
  if (!business.xeroTenantId) {
    // Requests are only accepted for connected businesses: this one was disconnected while the request ran.
    throw new ConnectionNeedsReconnect(
      business.id,
      'the business was disconnected from Xero; connect it again',
    );
  }
  let details = initial;
  const pause = pauseCheck(() => pauseRequested(deps.db, input.requestId));
  const heartbeat = coalesced(
    (d) => hooks.heartbeat(d),
    () => details,
  );
  const calls = { work: 0 };
  return {
    deps,
    input,
    business,
    settings: { ...business.settings, timeZone: input.timeZone, invoiceStatus: input.options.invoiceStatus },
    xero: deps.newXeroGateway(),
    ctx: callContextFor(business, {
      requestId: input.requestId,
      signal: hooks.signal,
      heartbeat,
      onCall: (probe) => void (probe ? undefined : (calls.work += 1)),
      beforeSend: async (seen) => {
        if (await pause.beforeCall(seen)) throw new PauseRequested(input.requestId);
      },
      log: hooks.log,
    }),
    who: {
      requestId: input.requestId,
      attempt: hooks.attempt,
      foreignStaleMs: Math.max(FOREIGN_CLAIM_STALE_MS, 4 * deps.cfg.XERO_REQUEST_TIMEOUT_MS),
    },
    deadline: Date.now() + deps.cfg.SYNC_STEP_SECONDS * 1000,
    signal: hooks.signal,
    log: hooks.log,
    pausing: pause.beforePage,
    checkpoint: (next) => {
      details = next;
      heartbeat();
    },
    calls,
    orders: new Map(),
    work: new WorkQueue(deps.db, input.requestId),
    facts: null,
  };
}

// A page's pause check answers from a read this recent (the limiter's start statement reads the flag for every
// call): the calls themselves are checked by that read, so a page started on it sends nothing after the pause.
const PAUSE_READ_FRESH_MS = 250;

/**
 * The request's pause flag as a step reads it: once seen, kept. Each Xero call is checked by the read the
 * limiter's start statement made as it took the call's slot (no statement of its own; a fresh one when the call
 * then waited for its paced start, or had no read); a page's check reuses a read younger than
 * PAUSE_READ_FRESH_MS. Before, each call and each page read it again: about 1.5 statements per Xero call.
 */
export function pauseCheck(read: () => Promise<boolean>, now: () => number = Date.now) {
  let paused = false;
  let readAt = -Infinity;
  const seen = (value: boolean) => {
    readAt = now();
    return (paused ||= value);
  };
  const fresh = async () => seen(await read());
  return {
    beforeCall: async (limiterRead: boolean | undefined): Promise<boolean> =>
      paused || (limiterRead === undefined ? fresh() : seen(limiterRead)),
    beforePage: async (): Promise<boolean> =>
      paused || (now() - readAt < PAUSE_READ_FRESH_MS ? false : fresh()),
  };
}

// Heartbeats closer together than this are one: the SDK sends the server at most one per 80 % of the heartbeat
// timeout anyway, and each SDK heartbeat costs the worker an encoding and a native call (at full speed, a
// heartbeat around every call took about a tenth of the worker's CPU).
const HEARTBEAT_GAP_MS = 200;

/**
 * A heartbeat that reaches `send` at most once per HEARTBEAT_GAP_MS, always with the latest details: one asked for
 * within the gap is sent when the gap ends, so the last checkpoint is never left behind.
 */
export function coalesced(send: (details: unknown) => void, latest: () => unknown): () => void {
  let sentAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    sentAt = Date.now();
    send(latest());
  };
  return () => {
    if (timer) return;
    const wait = sentAt + HEARTBEAT_GAP_MS - Date.now();
    if (wait <= 0) flush();
    else (timer = setTimeout(flush, wait)).unref();
  };
}

/**
 * The step stops: the organisation's daily budget (less the reserve) is spent. Logged and counted once per step,
 * however many of its calls found it spent; the workflow then waits durably until `resumeAt`.
 */
export function quotaStop(step: Step, quota: DailyQuotaExhausted): void {
  const organisation = step.ctx.tenantId;
  const seconds = Math.max(0, (quota.resumeAt.getTime() - Date.now()) / 1000);
  const m = metrics();
  m.quotaWaits.inc({ organisation });
  m.quotaWaitSeconds.observe({ organisation }, seconds);
  step.log.info("Xero's daily quota is spent: the step stops", {
    requestId: step.input.requestId,
    organisation,
    resumeAt: quota.resumeAt.toISOString(),
    resetKnown: quota.resetKnown,
    waitSeconds: Math.round(seconds),
  });
}

/**
 * What a walk's step answers the workflow: done or not, the cursor committed, when to resume after a spent daily
 * quota, whether it made progress, and the request's counts now.
 */
export async function stepOutcome(
  step: Step,
  cursor: OrdersCursor,
  done: boolean,
  quota: DailyQuotaExhausted | null,
): Promise<StepOutcome> {
  return {
    done,
    cursor,
    resumeAt: quota?.resumeAt.toISOString() ?? null,
    resetKnown: quota?.resetKnown ?? false,
    progressed: step.calls.work > 0,
    counts: await requestCounts(step.deps.db, step.input.requestId),
  };
}
