import type { Config } from '../config';
import type { DailyLimitSource } from '../contract';
import type { Db } from '../db/pool';
import type { SyncState } from '../definitions';
import { etaSeconds } from './estimate';
import type { DailyQuota } from '../xero/limiter';
import { CLOSED_STATES } from './store';

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
): { dayRemaining: number; secondsUntilDayReset: number } {
  const reset = quota.resetAt?.getTime() ?? null;
  const stale =
    quota.observedAt === null ||
    (reset !== null ? reset <= now : now - quota.observedAt.getTime() > windowMs);
  const dayRemaining = stale || quota.dayRemaining === null ? dayLimit : quota.dayRemaining;
  // Unknown reset: at worst a whole window from now (the next probe may find it sooner).
  const untilReset = reset !== null && !stale ? reset - now : windowMs;
  return { dayRemaining, secondsUntilDayReset: Math.ceil(Math.max(0, untilReset) / 1000) };
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
  const seconds = etaSeconds({
    remainingCalls: shared,
    perMinute: deps.cfg.XERO_MINUTE_BUDGET * (60_000 / deps.cfg.XERO_WINDOW_MS),
    ...view,
    reserve,
    dayLimit,
    windowSeconds: deps.cfg.XERO_DAY_WINDOW_MS / 1000,
  });
  return {
    seconds,
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
): Promise<number | null> {
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
  return (await sharedEta(deps, tenantId, mine, peers, business, quota)).seconds;
}

/** The calls still needed by the organisation's running requests (for a preview's ETA). */
export async function runningPeers(db: Db, tenantId: string): Promise<number[]> {
  return (await openRequestsOf(db, tenantId))
    .filter((r) => !IDLE_STATES.has(r.state) && r.remaining !== null)
    .map((r) => r.remaining!);
}
