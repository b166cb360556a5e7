import type { Db } from '../db/pool';
import type { Business } from '../businesses/store';
import { localDateOf } from '../calendar';
import { newProgress } from '../definitions';
import type { SyncCounts, SyncPhase, SyncState } from '../definitions';
import type { Config } from '../config';
import type { DailyLimitSource, RequestEta } from '../contract';
import type { DailyQuota } from '../xero/limiter';
import { CLOSED_STATES } from './store';
import type { RequestRow } from './store';

/**
 * PROGRESS AND THE ETA: everything a request shows of how far it is and when it will be done, computed here when
 * it is read (never asked of the worker). What it is computed from is recorded as the sync goes: outcome counts by
 * a trigger on the per-order results, Xero calls by the limiter as each starts, the phase, plan and point reached
 * by the engine (src/engine/progress-records.ts), states by the workflow (src/requests/store.ts).
 *
 * Three parts: the recorded progress (read), the quota arithmetic (estimates before and while a job runs), and the
 * ETA of a request sharing its organisation with the others running on it.
 */

// RECORDED PROGRESS
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

export function countsOf(p: RecordedProgress | undefined): SyncCounts {
  const synced = p?.synced ?? 0;
  const failed = p?.failed ?? 0;
  const skipped = p?.skipped ?? 0;
  return { found: synced + failed + skipped, synced, failed, skipped };
}

/**
 * What a request's detail shows of its progress: the phase, the local date the walk has reached, contacts, calls
 * made and planned, and the ETA (0 once it has ended; null while it cannot be known or the request is not moving).
 */
export async function progressDetail(
  deps: EtaDeps,
  business: Business | null,
  row: Pick<RequestRow, 'id' | 'state' | 'progress' | 'input'>,
  state: SyncState,
  progress: RecordedProgress | undefined,
) {
  const recorded = row.progress ?? newProgress(row.id, row.state);
  const closed = CLOSED_STATES.has(state);
  const eta =
    business?.xeroTenantId && !closed
      ? await requestEta(deps, business.xeroTenantId, row.id, {
          dailyReserve: business.settings.dailyQuotaReserve,
          dailyCallLimit: business.settings.dailyCallLimit,
        })
      : null;
  // While waiting for the daily quota the request is done no sooner than its wait ends (the wait and its ETA say
  // one thing: never "less than a minute" while the timer is hours away).
  const waitLeft =
    state === 'waiting_for_quota' && recorded.resumeAt
      ? Math.max(0, Math.ceil((Date.parse(recorded.resumeAt) - Date.now()) / 1000))
      : 0;
  return {
    phase: closed ? ('done' as const) : (progress?.phase ?? recorded.phase),
    reachedDate: progress?.reachedAt
      ? localDateOf(progress.reachedAt.toISOString(), row.input.timeZone)
      : null,
    contacts: { total: progress?.contactsTotal ?? 0, done: progress?.contactsDone ?? 0 },
    xeroCalls: progress?.xeroCalls ?? 0,
    plannedCalls: progress?.plannedCalls ?? null,
    etaSeconds: closed ? 0 : eta === null ? null : Math.max(eta.seconds, waitLeft),
    eta: eta && !closed ? etaView(eta, waitLeft) : null,
  };
}

/** The detail's ETA: a range while the reset is unknown, a point once known, and what it assumed. */
function etaView(eta: Awaited<ReturnType<typeof sharedEta>>, waitLeft: number): RequestEta {
  const latestSeconds = Math.max(eta.seconds, waitLeft);
  return {
    earliestSeconds: Math.min(latestSeconds, Math.max(eta.earliestSeconds, waitLeft)),
    latestSeconds,
    resetKnown: eta.resetKnown,
    dailyLimit: { calls: eta.dayLimit, source: eta.dayLimitSource },
    dailyReserve: eta.reserve,
  };
}

// QUOTA ARITHMETIC
/**
 * Time estimates shown before a job starts and while it runs, from a number of calls (src/engine/packing.ts counts
 * those). Integers only; each estimate is an upper bound, because running out of daily quota part-way stops the
 * business's live sync too (it shares the budget).
 */

const SECONDS_PER_DAY = 86_400;

function requireCount(name: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${name} must be a whole number >= ${min}`);
}

export interface QuotaInput {
  calls: number;
  dayRemaining: number;
  dayLimit: number;
  /** Calls left untouched each day for the business's live sync. */
  reserve: number;
}

function usableToday(dayRemaining: number, reserve: number): number {
  return Math.max(0, dayRemaining - reserve);
}

function usablePerDay(dayLimit: number, reserve: number): number {
  const perDay = dayLimit - reserve;
  if (perDay <= 0)
    throw new RangeError(`reserve (${reserve}) leaves nothing of the daily limit (${dayLimit})`);
  return perDay;
}

/** Daily quota windows the job touches: 1 when it fits in what is left today (beyond the reserve). */
export function estimateQuotaWindows({ calls, dayRemaining, dayLimit, reserve }: QuotaInput): number {
  requireCount('calls', calls);
  const today = usableToday(dayRemaining, reserve);
  if (calls <= today) return 1;
  const later = Math.ceil((calls - today) / usablePerDay(dayLimit, reserve));
  return today > 0 ? 1 + later : later;
}

export interface EtaInput {
  remainingCalls: number;
  perMinute: number;
  dayRemaining: number;
  reserve: number;
  secondsUntilDayReset: number;
  dayLimit: number;
  /** The daily window's length (a day; tests scale it). */
  windowSeconds?: number;
}

/**
 * Seconds until the remaining calls are done, at `perMinute` calls a minute: today's usable budget until it is spent
 * or the window resets (whichever comes first: budget left at a reset is lost, the next window brings its own),
 * then each window's budget, waiting for its reset when it runs out. A pace too slow to spend a window's budget
 * never waits after the first reset.
 */
export function etaSeconds(input: EtaInput): number {
  const { remainingCalls, perMinute, dayRemaining, reserve, secondsUntilDayReset, dayLimit } = input;
  requireCount('remainingCalls', remainingCalls);
  if (!(perMinute > 0)) throw new RangeError('perMinute must be > 0');
  const rate = perMinute / 60;
  const today = usableToday(dayRemaining, reserve);
  if (remainingCalls <= today) return Math.ceil(remainingCalls / rate);
  const perDay = usablePerDay(dayLimit, reserve);
  const untilReset = Math.max(0, secondsUntilDayReset);
  const left = remainingCalls - Math.min(today, Math.floor(untilReset * rate));
  const perWindow = Math.min(perDay, Math.floor((input.windowSeconds ?? SECONDS_PER_DAY) * rate));
  // The budget never runs out again: the calls go on at their pace.
  if (perWindow < perDay || left <= perDay) return Math.ceil(untilReset + left / rate);
  const fullWindows = Math.ceil(left / perDay) - 1;
  const window = input.windowSeconds ?? SECONDS_PER_DAY;
  return Math.ceil(untilReset + fullWindows * window + (left - fullWindows * perDay) / rate);
}

// Where the unknown reset is tried over the next window (and when today's budget would run out).
const RESET_SAMPLES = 48;

/**
 * While the organisation's reset is not known (it comes somewhere in the next window): the soonest and the latest
 * the calls can be done, over every moment the reset may come. At most one window apart.
 */
export function etaRange(input: Omit<EtaInput, 'secondsUntilDayReset'>): {
  earliest: number;
  latest: number;
} {
  const window = input.windowSeconds ?? SECONDS_PER_DAY;
  const spent = usableToday(input.dayRemaining, input.reserve) / (input.perMinute / 60);
  const resets = Array.from({ length: RESET_SAMPLES + 1 }, (_, k) => (window * k) / RESET_SAMPLES);
  if (spent <= window) resets.push(spent);
  const ends = resets.map((r) => etaSeconds({ ...input, secondsUntilDayReset: r }));
  const earliest = Math.min(...ends);
  return { earliest, latest: Math.min(Math.max(...ends), earliest + Math.ceil(window)) };
}

/**
 * The range while the reset is unknown: no later than the latest end at the pace assumed, no sooner than the
 * soonest at the budget's (the pace may pick up again), and at most one window wide.
 */
function unknownResetRange(
  input: Omit<EtaInput, 'secondsUntilDayReset'>,
  budgetPerMinute: number,
): { earliest: number; latest: number } {
  const { latest } = etaRange(input);
  const fastest = etaRange({ ...input, perMinute: budgetPerMinute }).earliest;
  const window = Math.ceil(input.windowSeconds ?? SECONDS_PER_DAY);
  return { earliest: Math.min(latest, Math.max(fastest, latest - window)), latest };
}

// Calls a measured send rate needs before the ETA believes it, unless it spans two minute windows, or one window
// with a few calls (fewer over less: the minute budget's pace).
const SEND_RATE_MIN_CALLS = 20;
const SEND_RATE_MIN_WINDOWS = 2;
const SEND_RATE_FEW_CALLS = 8;

/**
 * The pace the ETA assumes, in calls a minute: the minute budget's, or the organisation's measured send rate when
 * that is slower (Xero's latency, a busy worker: a sync goes no faster than it has been going). A measure is
 * believed once it holds 20 calls, spans two minute windows (`windowMs`), or holds 8 over at least one: the limiter
 * halves a measure older than four windows, so a slow sync's measure often holds fewer than 20 calls; ignoring it
 * put the budget's pace back in the ETA every other second (issue 24: 27 s, then 89 s, then 24 s). A measure of 8
 * to 13 calls over 1 to 2 windows (7 to 9 calls a second on a busy machine, against the budget's 55) still fell
 * back to the budget's pace and made the point jump from 80 s to 23 s and back (a P3 timeline of 2026-12-06).
 */
export function sendRate(
  budgetPerMinute: number,
  measured: DailyQuota['sendRate'],
  windowMs = 60_000,
): number {
  if (!measured || measured.ms <= 0) return budgetPerMinute;
  const believed =
    measured.calls >= SEND_RATE_MIN_CALLS ||
    measured.ms >= SEND_RATE_MIN_WINDOWS * windowMs ||
    (measured.calls >= SEND_RATE_FEW_CALLS && measured.ms >= windowMs);
  if (!believed) return budgetPerMinute;
  return Math.min(budgetPerMinute, (measured.calls * 60_000) / measured.ms);
}

// THE ETA
/**
 * A request's ETA, computed when it is read, from recorded facts: its remaining calls (its plan less the calls
 * made), the other open requests of the same Xero organisation (they share its minute and daily budget, so each
 * gets a share while they run together), and the organisation's daily quota as Xero last reported it.
 *
 * Sharing: requests of one organisation are served about equally, so request i is done once every open request
 * has made min(r_j, r_i) more calls: the sum of those is what stands before it.
 */
export interface EtaDeps {
  cfg: Config;
  db: Db;
  limiter: { dailyQuota(tenantId: string): Promise<DailyQuota> };
}

// Requests that do not spend calls while in these states: the closed ones, and those waiting on the merchant.
const IDLE_STATES: ReadonlySet<SyncState> = new Set([...CLOSED_STATES, 'paused', 'needs_reconnect']);

/** Calls each open request of the organisation still needs (planned less made; at least 1 while it runs). */
export async function openRequestsOf(
  db: Db,
  tenantId: string,
): Promise<Array<{ id: string; state: SyncState; remaining: number | null }>> {
  const { rows } = await db.query<{
    id: string;
    state: SyncState;
    planned_calls: number | null;
    xero_calls: number | null;
  }>(
    `SELECT r.id, r.state, p.planned_calls, p.xero_calls FROM sync_requests r
     JOIN businesses b ON b.id = r.business_id
     LEFT JOIN sync_request_progress p ON p.request_id = r.id
     WHERE b.xero_tenant_id = $1 AND r.state NOT IN ('completed', 'completed_with_errors', 'failed', 'cancelled')`,
    [tenantId],
  );
  return rows.map((r) => ({
    id: r.id,
    state: r.state,
    remaining: r.planned_calls === null ? null : Math.max(1, r.planned_calls - (r.xero_calls ?? 0)),
  }));
}

/** The daily quota as the ETA sees it: what Xero last said, or the full limit once that reading is stale. */
export function quotaView(
  quota: DailyQuota,
  dayLimit: number,
  windowMs: number,
  now: number,
): { dayRemaining: number; secondsUntilDayReset: number; resetKnown: boolean } {
  const reset = quota.resetAt?.getTime() ?? null;
  const stale =
    quota.observedAt === null ||
    (reset !== null ? reset <= now : now - quota.observedAt.getTime() > windowMs);
  const dayRemaining = stale || quota.dayRemaining === null ? dayLimit : quota.dayRemaining;
  // Unknown reset: at worst a whole window from now (the next probe may find it sooner).
  const untilReset = reset !== null && !stale ? reset - now : windowMs;
  return {
    dayRemaining,
    secondsUntilDayReset: Math.ceil(Math.max(0, untilReset) / 1000),
    resetKnown: reset !== null && !stale,
  };
}

export interface BusinessQuota {
  dailyReserve: number;
  dailyCallLimit: number | null;
}

/**
 * The organisation's daily call limit as estimates use it: the business's `dailyCallLimit` setting, else the
 * largest X-DayLimit-Remaining Xero has shown plus one, else XERO_DAILY_LIMIT.
 */
export function dailyLimitInUse(
  business: Pick<BusinessQuota, 'dailyCallLimit'>,
  quota: Pick<DailyQuota, 'limitSeen'>,
  defaultLimit: number,
): { calls: number; source: DailyLimitSource } {
  if (business.dailyCallLimit !== null) return { calls: business.dailyCallLimit, source: 'setting' };
  if (quota.limitSeen !== null) return { calls: quota.limitSeen, source: 'xero-headers' };
  return { calls: defaultLimit, source: 'default' };
}

/**
 * Seconds until `mine` more calls are made for the organisation `tenantId`, sharing it with `peers` (the other
 * requests running on it, by the calls they still need).
 */
export async function sharedEta(
  deps: EtaDeps,
  tenantId: string,
  mine: number,
  peers: number[],
  business: BusinessQuota,
  known?: DailyQuota,
): Promise<{
  seconds: number;
  /** While the reset is unknown: the ETA if it came at the best moment (a range of at most one window). */
  earliestSeconds: number;
  /** The pace assumed, in calls a minute (the minute budget's, or the measured send rate when slower). */
  perMinute: number;
  resetKnown: boolean;
  dayRemaining: number;
  dayLimit: number;
  dayLimitSource: DailyLimitSource;
  reserve: number;
  untilReset: number;
}> {
  const shared = mine + peers.reduce((n, r) => n + Math.min(r, mine), 0);
  const quota = known ?? (await deps.limiter.dailyQuota(tenantId));
  const limit = dailyLimitInUse(business, quota, deps.cfg.XERO_DAILY_LIMIT);
  const dayLimit = limit.calls;
  const reserve = Math.min(business.dailyReserve, dayLimit - 1);
  const view = quotaView(quota, dayLimit, deps.cfg.XERO_DAY_WINDOW_MS, Date.now());
  const budget = deps.cfg.XERO_MINUTE_BUDGET * (60_000 / deps.cfg.XERO_WINDOW_MS);
  const input = {
    remainingCalls: shared,
    perMinute: sendRate(budget, quota.sendRate, deps.cfg.XERO_WINDOW_MS),
    dayRemaining: view.dayRemaining,
    reserve,
    dayLimit,
    windowSeconds: deps.cfg.XERO_DAY_WINDOW_MS / 1000,
  };
  // Known reset: one point. Unknown: it lies somewhere in the next window, so a range over where it may fall.
  const point = view.resetKnown
    ? etaSeconds({ ...input, secondsUntilDayReset: view.secondsUntilDayReset })
    : null;
  const range = point === null ? unknownResetRange(input, budget) : { earliest: point, latest: point };
  const seconds = range.latest;
  return {
    seconds,
    earliestSeconds: range.earliest,
    perMinute: Math.round(input.perMinute),
    resetKnown: view.resetKnown,
    dayRemaining: view.dayRemaining,
    dayLimit,
    dayLimitSource: limit.source,
    reserve,
    untilReset: view.secondsUntilDayReset,
  };
}

/**
 * Seconds until request `requestId` of organisation `tenantId` is done, or null when it cannot be known yet (its
 * plan is not recorded) or it is not moving (paused, needs reconnect, ended).
 */
export async function requestEta(
  deps: EtaDeps,
  tenantId: string,
  requestId: string,
  business: BusinessQuota,
): Promise<Awaited<ReturnType<typeof sharedEta>> | null> {
  const [open, quota] = await Promise.all([
    openRequestsOf(deps.db, tenantId),
    deps.limiter.dailyQuota(tenantId),
  ]);
  const self = open.find((r) => r.id === requestId);
  if (!self || self.remaining === null || IDLE_STATES.has(self.state)) return null;
  const mine = self.remaining;
  const peers = open
    .filter((r) => r.id !== requestId && !IDLE_STATES.has(r.state))
    .map((r) => r.remaining ?? mine);
  return await sharedEta(deps, tenantId, mine, peers, business, quota);
}

/** The calls still needed by the organisation's running requests (for a preview's ETA). */
export async function runningPeers(db: Db, tenantId: string): Promise<number[]> {
  return (await openRequestsOf(db, tenantId))
    .filter((r) => !IDLE_STATES.has(r.state) && r.remaining !== null)
    .map((r) => r.remaining!);
}
