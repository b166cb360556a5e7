import { randomUUID } from 'node:crypto';
import type { Db } from '../db/pool';
import { metrics } from '../observability/metrics';
import type { RateLimitHeaders } from './errors';

/**
 * The per-tenant Xero limiter. Every call for a tenant, from any process (workers and API alike), goes through
 * PostgreSQL here, so all requests for one organisation together stay within its limits:
 * - at most `concurrency` calls in flight (lease rows, expiring so a killed process cannot hold one forever);
 * - at most `perMinute` calls per window: each call reserves a start time spaced window/perMinute after the
 *   previous one (a strict pacer, so no window of any alignment can hold more);
 * - a 429's Retry-After blocks the tenant for everyone until then;
 * - the daily budget: calls stop while X-DayLimit-Remaining is at or below the caller's reserve.
 *
 * Cost per call: one statement to start it (budget check, lease, paced start and the request's call count,
 * together) and one to finish it (lease back, remaining quota, reset learning).
 *
 * The daily window resets at a fixed time of day that Xero does not announce. It is learnt, per organisation,
 * from a day-limit 429's Retry-After (exact) or from X-DayLimit-Remaining rising again (the reset lies between
 * the two readings), and then assumed to recur every `dayWindowMs`. While the reset is unknown and the budget is
 * spent, one call per `probeMs` per organisation (not per request) may look whether the window has reset.
 */
/**
 * What a large organisation showed of the contacts `where` it answers (it refuses larger ones with Xero's
 * HighVolumeException, and says nothing of its limit): the fewest names of one it refused, and the most it answered
 * since. Both null for an organisation that never refused one.
 */
export interface WhereLimit {
  refused: number | null;
  answered: number | null;
}

export interface LimiterOptions {
  perMinute: number;
  concurrency: number;
  /** The length of Xero's minute window in ms (60,000; tests shrink it along with the simulator's clock). */
  windowMs: number;
  /** The length of Xero's daily window in ms (a day; tests shrink it along with the simulator's clock). */
  dayWindowMs: number;
  /** How long a lease outlives a stalled call: longer than the request timeout. */
  leaseMs: number;
  /** While the daily budget is spent and its reset unknown: one probe per organisation this often. */
  probeMs: number;
  /** How often to look for a free lease while all are taken (first wait; it backs off to 10×). */
  pollMs?: number;
}

export interface CallRequest {
  tenantId: string;
  /** Calls of the daily quota to leave for the platform's real-time sync. */
  dailyReserve: number;
  /** The sync request the call is for: counted in its progress as the call starts. */
  requestId?: string;
  /** Aborts the wait (an activity that was cancelled or timed out stops waiting). */
  signal?: AbortSignal;
  /** Called while the call waits (activities heartbeat here). */
  onWait?: () => void;
}

export interface Lease {
  /** True when this call spends part of the reserve to look whether the daily window has reset. */
  readonly probe: boolean;
  /**
   * Whether the call's request had a pause accepted (sync_requests.pause_requested), read by the statement that
   * took the slot; undefined when not read (no request) or when the call then waited for its paced start, so the
   * read is older than the start. A step's pause check uses it instead of a statement of its own per call.
   */
  readonly pausing: boolean | undefined;
  release(quota?: RateLimitHeaders): Promise<void>;
}

export interface DailyQuota {
  dayRemaining: number | null;
  observedAt: Date | null;
  /** The next reset, when known (exact or learnt). */
  resetAt: Date | null;
  /** When the next probe may look, while the reset is unknown and the budget spent. */
  probeAt: Date | null;
  /** The largest remaining seen plus one: the organisation's daily limit as observed. */
  limitSeen: number | null;
  contactsCount: number | null;
  /** What the organisation showed of the contacts `where` it answers (src/engine/packing.ts, whereGroupSize). */
  contactWhere: WhereLimit;
  /**
   * The organisation's measured send rate: `calls` started over the last `ms` of sending (quota waits and probes
   * left out), or null before any call. The ETA goes no faster than this (src/requests/progress.ts).
   */
  sendRate: { calls: number; ms: number } | null;
}

/** Thrown instead of calling Xero when the tenant's daily budget (less the reserve) is spent. */
export class DailyQuotaExhausted extends Error {
  override readonly name = 'DailyQuotaExhausted';
  constructor(
    readonly resumeAt: Date,
    /** true: resumeAt is the window's reset (known or learnt); false: only the next probe. */
    readonly resetKnown: boolean,
  ) {
    super(
      `Xero's daily call limit for this organisation is used up; ${resetKnown ? 'it resets' : 'looking again'} at ${resumeAt.toISOString()}`,
    );
  }
}

export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  constructor() {
    super('The wait was aborted (the activity was cancelled or timed out)');
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(new AbortedError());
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });

/** Sleeps in slices of at most 2 s, calling `onWait` before each (so any wait keeps heartbeating). */
export async function waitFor(ms: number, signal?: AbortSignal, onWait?: () => void): Promise<void> {
  for (let left = ms; left > 0; left -= 2000) {
    onWait?.();
    await sleep(Math.min(left, 2000), signal);
  }
}

// A reading of X-DayLimit-Remaining counts only if its call started after the one whose reading is kept (a call
// whose finish was held up must not bring back an older, higher number). Calls in flight together can still reach
// Xero out of their start order, raising the reading by up to one less than the concurrency: a rise by the
// concurrency or more means the window reset (issue 24: a fixed threshold of 15 missed a reset that came after
// only a few calls of the window, and the ETA stayed a range for a whole window more).

// The send rate (DailyQuota.sendRate): a gap between two starts of more than this many minute windows is not
// sending (a quota wait), and the measure keeps about the last this many windows (2 to 4: halved past 4).
const SEND_RATE_IDLE_WINDOWS = 2;
const SEND_RATE_MEMORY_WINDOWS = 4;

// One statement starts a call: the budget check (with the probe claim), a free lease, the paced start time and
// the request's call count. Nothing is taken unless the budget allows it.
const ACQUIRE_SQL = `
WITH p AS (
  SELECT day_reset_at, probe_at, last_start_at,
    GREATEST(next_slot_at, clock_timestamp(), COALESCE(blocked_until, '-infinity')) AS start_at,
    (day_remaining IS NOT NULL AND day_remaining <= $6
      AND (day_reset_at IS NULL OR day_reset_at > clock_timestamp())) AS exhausted
  FROM xero_tenant_pacing WHERE tenant_id = $1 FOR UPDATE
), gate AS (
  SELECT exhausted, exhausted AND day_reset_at IS NULL
           AND (probe_at IS NULL OR probe_at <= clock_timestamp()) AS probing FROM p
), lease AS (
  UPDATE xero_tenant_leases SET holder = $2, expires_at = clock_timestamp() + $3 * interval '1 millisecond'
  WHERE (tenant_id, slot) = (
      SELECT tenant_id, slot FROM xero_tenant_leases
      WHERE tenant_id = $1 AND slot < $4 AND (holder IS NULL OR expires_at < clock_timestamp())
      ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
    AND (SELECT NOT exhausted OR probing FROM gate)
  RETURNING slot
), rate AS (
  -- The send rate's measure (migration 024): a probe or a start after a long gap (a quota wait) is not sending;
  -- a measure older than its memory is halved, keeping its rate.
  SELECT p.start_at, p.last_start_at IS NULL OR t.rate_since IS NULL AS fresh,
    (SELECT probing FROM gate) OR p.start_at - p.last_start_at > $9 * interval '1 millisecond' AS idle,
    p.start_at - t.rate_since > $10 * interval '1 millisecond' AS old
  FROM p, xero_tenant_pacing t WHERE t.tenant_id = $1
), pace AS (
  UPDATE xero_tenant_pacing t SET
    next_slot_at = r.start_at + $5 * interval '1 millisecond',
    probe_at = CASE WHEN (SELECT probing FROM gate) THEN clock_timestamp() + $7 * interval '1 millisecond'
                    ELSE t.probe_at END,
    last_start_at = r.start_at,
    rate_since = CASE WHEN r.fresh THEN r.start_at WHEN r.idle THEN t.rate_since + (r.start_at - t.last_start_at)
      WHEN r.old THEN r.start_at - (r.start_at - t.rate_since) / 2 ELSE t.rate_since END,
    rate_calls = CASE WHEN r.fresh THEN 0 WHEN r.idle THEN t.rate_calls
      WHEN r.old THEN (t.rate_calls + 1) / 2 ELSE t.rate_calls + 1 END
  FROM rate r
  WHERE t.tenant_id = $1 AND EXISTS (SELECT 1 FROM lease)
  RETURNING r.start_at
), counted AS (
  INSERT INTO sync_request_progress (request_id, xero_calls)
  SELECT $8, 1 WHERE $8::text IS NOT NULL AND EXISTS (SELECT 1 FROM lease)
  ON CONFLICT (request_id) DO UPDATE SET xero_calls = sync_request_progress.xero_calls + 1, updated_at = now()
)
SELECT (SELECT slot FROM lease) AS slot,
  (SELECT (EXTRACT(EPOCH FROM (start_at - clock_timestamp())) * 1000)::bigint FROM pace) AS wait_ms,
  (SELECT exhausted FROM gate) AS exhausted, (SELECT probing FROM gate) AS probing,
  (SELECT day_reset_at FROM p) AS reset_at, (SELECT probe_at FROM p) AS probe_at,
  (SELECT start_at FROM pace) AS start_at,
  (SELECT pause_requested FROM sync_requests WHERE id = $8) AS pausing`;

// One statement finishes a call: the lease back, and what the answer said about the daily budget. A reading from
// a call that started before the kept reading's call is older: only the limit seen learns from it. A rise means
// the window reset since the last reading: the next reset is a window after the known one, or (unknown) at most a
// window from now. A learnt reset that passed without a rise was wrong, and is forgotten. `day_observed_at` is
// the start of the call whose reading is kept (a day-limit 429's answer for blockUntil).
const RELEASE_SQL = `
WITH freed AS (
  UPDATE xero_tenant_leases SET holder = NULL, expires_at = NULL WHERE tenant_id = $1 AND slot = $2 AND holder = $3
), seen AS (
  SELECT t.*, t.day_observed_at IS NULL OR $7::timestamptz >= t.day_observed_at AS newer,
    t.day_remaining IS NOT NULL AND $4::int >= t.day_remaining + $6
      AND (t.day_observed_at IS NULL OR $7::timestamptz >= t.day_observed_at) AS rose
  FROM xero_tenant_pacing t WHERE t.tenant_id = $1 AND $4::int IS NOT NULL FOR UPDATE
)
UPDATE xero_tenant_pacing t SET
  day_remaining = CASE WHEN s.newer THEN $4 ELSE s.day_remaining END,
  day_observed_at = CASE WHEN s.newer THEN $7::timestamptz ELSE s.day_observed_at END,
  day_limit_seen = GREATEST(COALESCE(t.day_limit_seen, 0), $4 + 1),
  day_reset_at = CASE
    WHEN NOT s.newer THEN s.day_reset_at
    WHEN s.rose AND s.day_reset_at IS NOT NULL AND s.day_reset_at <= clock_timestamp() THEN
      s.day_reset_at + ceil(EXTRACT(EPOCH FROM (clock_timestamp() - s.day_reset_at)) * 1000 / $5 + 1e-9)
        * $5 * interval '1 millisecond'
    WHEN s.rose THEN clock_timestamp() + $5 * interval '1 millisecond'
    WHEN s.day_reset_at IS NOT NULL AND s.day_reset_at <= clock_timestamp() THEN NULL
    ELSE s.day_reset_at END,
  probe_at = CASE WHEN s.rose THEN NULL ELSE s.probe_at END
FROM seen s WHERE t.tenant_id = s.tenant_id`;

/**
 * This process's share of a tenant's leases: callers queue here first, so calls of one process never poll
 * PostgreSQL for a lease another of its own calls is about to free (they are woken the moment it is).
 */
class LocalSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  async take(signal?: AbortSignal): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', aborted);
        resolve();
      };
      const aborted = () => {
        const i = this.waiting.indexOf(wake);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new AbortedError());
      };
      if (signal?.aborted) return aborted();
      signal?.addEventListener('abort', aborted, { once: true });
      this.waiting.push(wake);
    });
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

export class TenantLimiter {
  private readonly known = new Set<string>();
  private readonly local = new Map<string, LocalSlots>();

  constructor(
    private readonly db: Db,
    private readonly options: LimiterOptions,
  ) {}

  /**
   * Waits for a free lease and this call's paced start time; the caller must release the lease. Throws
   * DailyQuotaExhausted when the daily budget (less the reserve) is spent, AbortedError when aborted.
   */
  async acquire(call: CallRequest): Promise<Lease> {
    await this.ensureTenant(call.tenantId);
    const local = this.localSlots(call.tenantId);
    await local.take(call.signal);
    const holder = randomUUID();
    let slot: number;
    let waitMs: number;
    let probe: boolean;
    let startAt: Date;
    let pausing: boolean | undefined;
    try {
      ({ slot, waitMs, probe, startAt, pausing } = await this.takeSlot(call, holder));
    } catch (err) {
      local.give();
      throw err;
    }
    const release = async (dayRemaining: number | undefined) => {
      try {
        await this.release(call.tenantId, slot, holder, dayRemaining, startAt);
      } finally {
        local.give();
      }
    };
    try {
      await waitFor(waitMs, call.signal, call.onWait);
    } catch (err) {
      await release(undefined);
      throw err;
    }
    // A call that waited for its start is answered no pause read: one may have been accepted during the wait.
    return {
      probe,
      pausing: waitMs > 0 ? undefined : pausing,
      release: (quota) => release(quota?.dayRemaining),
    };
  }

  private localSlots(tenantId: string): LocalSlots {
    let slots = this.local.get(tenantId);
    if (!slots) this.local.set(tenantId, (slots = new LocalSlots(this.options.concurrency)));
    return slots;
  }

  /** Blocks the tenant for every process until `until` (a 429's Retry-After); a day-limit 429 also tells the reset. */
  async blockUntil(tenantId: string, until: Date, dayReset = false): Promise<void> {
    await this.db.query(
      `INSERT INTO xero_tenant_pacing (tenant_id, blocked_until, day_reset_at, day_remaining, day_observed_at)
       VALUES ($1, CASE WHEN $3 THEN NULL ELSE $2::timestamptz END, CASE WHEN $3 THEN $2::timestamptz END,
               CASE WHEN $3 THEN 0 END, CASE WHEN $3 THEN now() END)
       ON CONFLICT (tenant_id) DO UPDATE SET
         blocked_until = CASE WHEN $3 THEN xero_tenant_pacing.blocked_until
                              ELSE GREATEST(xero_tenant_pacing.blocked_until, EXCLUDED.blocked_until) END,
         day_reset_at = CASE WHEN $3 THEN EXCLUDED.day_reset_at ELSE xero_tenant_pacing.day_reset_at END,
         day_remaining = CASE WHEN $3 THEN 0 ELSE xero_tenant_pacing.day_remaining END,
         day_observed_at = CASE WHEN $3 THEN now() ELSE xero_tenant_pacing.day_observed_at END`,
      [tenantId, until, dayReset],
    );
  }

  async dailyQuota(tenantId: string): Promise<DailyQuota> {
    const { rows } = await this.db.query<{
      day_remaining: number | null;
      day_observed_at: Date | null;
      day_reset_at: Date | null;
      probe_at: Date | null;
      day_limit_seen: number | null;
      contacts_count: number | null;
      contact_where_refused: number | null;
      contact_where_answered: number | null;
      rate_calls: number;
      rate_ms: number | null;
    }>(
      `SELECT day_remaining, day_observed_at, day_reset_at, probe_at, day_limit_seen, contacts_count,
              contact_where_refused, contact_where_answered, rate_calls,
              (EXTRACT(EPOCH FROM (last_start_at - rate_since)) * 1000)::float8 AS rate_ms
       FROM xero_tenant_pacing WHERE tenant_id = $1`,
      [tenantId],
    );
    const row = rows[0];
    return {
      dayRemaining: row?.day_remaining ?? null,
      observedAt: row?.day_observed_at ?? null,
      resetAt: row?.day_reset_at ?? null,
      probeAt: row?.probe_at ?? null,
      limitSeen: row?.day_limit_seen ?? null,
      contactsCount: row?.contacts_count ?? null,
      contactWhere: {
        refused: row?.contact_where_refused ?? null,
        answered: row?.contact_where_answered ?? null,
      },
      sendRate: row && row.rate_ms !== null ? { calls: row.rate_calls, ms: Math.max(0, row.rate_ms) } : null,
    };
  }

  /** Remembers how many contacts the organisation has (Xero's pagination told), for choosing how to find them. */
  async recordContactsCount(tenantId: string, count: number): Promise<void> {
    await this.ensureTenant(tenantId);
    await this.db.query(
      'UPDATE xero_tenant_pacing SET contacts_count = $2, contacts_seen_at = now() WHERE tenant_id = $1',
      [tenantId, count],
    );
  }

  /**
   * Remembers how the organisation answered a contacts `where` of `names` names: refused (HighVolumeException)
   * lowers the smallest refusal, and forgets an answer as large (Xero changed its mind); answered raises the
   * largest answer below the refusal. Concurrent steps that saw different answers keep the tightest bounds.
   */
  async recordContactWhere(tenantId: string, names: number, answered: boolean): Promise<void> {
    await this.ensureTenant(tenantId);
    await this.db.query(
      answered
        ? `UPDATE xero_tenant_pacing SET contact_where_answered = GREATEST(coalesce(contact_where_answered, 0), $2)
           WHERE tenant_id = $1 AND contact_where_refused > $2`
        : `UPDATE xero_tenant_pacing SET contact_where_refused = LEAST(coalesce(contact_where_refused, $2), $2),
             contact_where_answered = CASE WHEN contact_where_answered < $2 THEN contact_where_answered END
           WHERE tenant_id = $1`,
      [tenantId, names],
    );
  }

  /** The tenant's pacing row and lease slots, created once per process. */
  private async ensureTenant(tenantId: string): Promise<void> {
    if (this.known.has(tenantId)) return;
    await this.db.query(
      `WITH p AS (INSERT INTO xero_tenant_pacing (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING)
       INSERT INTO xero_tenant_leases (tenant_id, slot) SELECT $1, s FROM generate_series(0, $2 - 1) AS s
       ON CONFLICT DO NOTHING`,
      [tenantId, this.options.concurrency],
    );
    this.known.add(tenantId);
  }

  private async takeSlot(
    call: CallRequest,
    holder: string,
  ): Promise<{ slot: number; waitMs: number; probe: boolean; startAt: Date; pausing: boolean | undefined }> {
    const { leaseMs, concurrency, windowMs, perMinute, probeMs } = this.options;
    let pollMs = this.options.pollMs ?? 20;
    for (;;) {
      metrics().xeroLimiterStatements.inc({ kind: 'start' });
      const { rows } = await this.db.query<{
        slot: number | null;
        wait_ms: string | null;
        exhausted: boolean | null;
        probing: boolean | null;
        reset_at: Date | null;
        probe_at: Date | null;
        start_at: Date | null;
        pausing: boolean | null;
      }>(ACQUIRE_SQL, [
        call.tenantId,
        holder,
        leaseMs,
        concurrency,
        windowMs / perMinute,
        call.dailyReserve,
        probeMs,
        call.requestId ?? null,
        SEND_RATE_IDLE_WINDOWS * windowMs,
        SEND_RATE_MEMORY_WINDOWS * windowMs,
      ]);
      const row = rows[0];
      if (row?.slot !== null && row?.slot !== undefined)
        return {
          slot: row.slot,
          waitMs: Number(row.wait_ms ?? 0),
          probe: row.probing === true,
          startAt: row.start_at ?? new Date(),
          pausing: row.pausing ?? undefined,
        };
      if (row?.exhausted) {
        const resumeAt = row.reset_at ?? row.probe_at ?? new Date(Date.now() + probeMs);
        throw new DailyQuotaExhausted(resumeAt, row.reset_at !== null);
      }
      // Every lease is taken: look again soon, backing off so many waiting calls do not flood PostgreSQL.
      await waitFor(pollMs, call.signal, call.onWait);
      pollMs = Math.min(pollMs * 2, (this.options.pollMs ?? 20) * 10);
    }
  }

  private async release(
    tenantId: string,
    slot: number,
    holder: string,
    dayRemaining: number | undefined,
    startAt: Date,
  ): Promise<void> {
    metrics().xeroLimiterStatements.inc({ kind: 'finish' });
    await this.db.query(RELEASE_SQL, [
      tenantId,
      slot,
      holder,
      dayRemaining ?? null,
      this.options.dayWindowMs,
      this.options.concurrency,
      startAt,
    ]);
  }
}
