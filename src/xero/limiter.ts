import { randomUUID } from 'node:crypto';
import type { Db } from '../db/pool';
import type { RateLimitHeaders } from './errors';

/**
 * The per-tenant Xero limiter. Every call for a tenant, from any process (workers and API alike), goes through
 * PostgreSQL here, so all requests for one organisation together stay within its limits:
 * - at most `concurrency` calls in flight (lease rows, expiring so a killed process cannot hold one forever);
 * - at most `perMinute` calls per window: each call reserves a start time spaced window/perMinute after the
 *   previous one (a strict pacer, so no window of any alignment can hold more);
 * - a 429's Retry-After blocks the tenant for everyone until then.
 * The daily budget is tracked from X-DayLimit-Remaining; `dailyQuota` tells callers when to stop for the day.
 */
export interface LimiterOptions {
  perMinute: number;
  concurrency: number;
  /** The length of Xero's minute window in ms (60,000; tests shrink it along with the simulator's clock). */
  windowMs: number;
  /** How long a lease outlives a stalled call: longer than the request timeout. */
  leaseMs: number;
  /** How often to look for a free lease while all are taken. */
  pollMs?: number;
}

export interface Lease {
  release(quota?: RateLimitHeaders): Promise<void>;
}

export interface DailyQuota {
  dayRemaining: number | null;
  observedAt: Date | null;
  resetAt: Date | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Sleeps in slices of at most 5 s, calling `onWait` between them (so long waits keep heartbeating). */
async function waitFor(ms: number, onWait?: () => void): Promise<void> {
  for (let left = ms; left > 0; left -= 5000) {
    await sleep(Math.min(left, 5000));
    if (left > 5000) onWait?.();
  }
}

export class TenantLimiter {
  constructor(
    private readonly db: Db,
    private readonly options: LimiterOptions,
  ) {}

  /** Waits for a free lease and this call's paced start time; the caller must release the lease. */
  async acquire(tenantId: string, onWait?: () => void): Promise<Lease> {
    const holder = randomUUID();
    const slot = await this.takeLease(tenantId, holder, onWait);
    try {
      await waitFor(await this.reserveStart(tenantId), onWait);
    } catch (err) {
      await this.freeLease(tenantId, slot, holder);
      throw err;
    }
    return {
      release: async (quota) => {
        if (quota?.dayRemaining !== undefined) await this.recordDayRemaining(tenantId, quota.dayRemaining);
        await this.freeLease(tenantId, slot, holder);
      },
    };
  }

  /** Blocks the tenant for every process until `until` (a 429's Retry-After). */
  async blockUntil(tenantId: string, until: Date, dayReset = false): Promise<void> {
    await this.db.query(
      `INSERT INTO xero_tenant_pacing (tenant_id, blocked_until, day_reset_at) VALUES ($1, $2, CASE WHEN $3 THEN $2::timestamptz END)
       ON CONFLICT (tenant_id) DO UPDATE SET
         blocked_until = GREATEST(xero_tenant_pacing.blocked_until, EXCLUDED.blocked_until),
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
    }>('SELECT day_remaining, day_observed_at, day_reset_at FROM xero_tenant_pacing WHERE tenant_id = $1', [
      tenantId,
    ]);
    const row = rows[0];
    return {
      dayRemaining: row?.day_remaining ?? null,
      observedAt: row?.day_observed_at ?? null,
      resetAt: row?.day_reset_at ?? null,
    };
  }

  private async takeLease(tenantId: string, holder: string, onWait?: () => void): Promise<number> {
    await this.db.query(
      `INSERT INTO xero_tenant_leases (tenant_id, slot) SELECT $1, s FROM generate_series(0, $2 - 1) AS s
       ON CONFLICT DO NOTHING`,
      [tenantId, this.options.concurrency],
    );
    for (;;) {
      const { rows } = await this.db.query<{ slot: number }>(
        `UPDATE xero_tenant_leases SET holder = $2, expires_at = clock_timestamp() + $3 * interval '1 millisecond'
         WHERE (tenant_id, slot) = (
           SELECT tenant_id, slot FROM xero_tenant_leases
           WHERE tenant_id = $1 AND slot < $4 AND (holder IS NULL OR expires_at < clock_timestamp())
           ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING slot`,
        [tenantId, holder, this.options.leaseMs, this.options.concurrency],
      );
      if (rows[0]) return rows[0].slot;
      onWait?.();
      await sleep(this.options.pollMs ?? 20);
    }
  }

  private async freeLease(tenantId: string, slot: number, holder: string): Promise<void> {
    await this.db.query(
      'UPDATE xero_tenant_leases SET holder = NULL, expires_at = NULL WHERE tenant_id = $1 AND slot = $2 AND holder = $3',
      [tenantId, slot, holder],
    );
  }

  /** Reserves this call's start time and returns how many ms to wait for it. */
  private async reserveStart(tenantId: string): Promise<number> {
    const spacingMs = this.options.windowMs / this.options.perMinute;
    const { rows } = await this.db.query<{ wait_ms: string }>(
      `INSERT INTO xero_tenant_pacing (tenant_id, next_slot_at) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (tenant_id) DO UPDATE SET next_slot_at =
         GREATEST(xero_tenant_pacing.next_slot_at, clock_timestamp(), COALESCE(xero_tenant_pacing.blocked_until, '-infinity'))
         + $2 * interval '1 millisecond'
       RETURNING (EXTRACT(EPOCH FROM (next_slot_at - $2 * interval '1 millisecond' - clock_timestamp())) * 1000)::bigint AS wait_ms`,
      [tenantId, spacingMs],
    );
    return Number(rows[0]?.wait_ms ?? 0);
  }

  private async recordDayRemaining(tenantId: string, remaining: number): Promise<void> {
    await this.db.query(
      `INSERT INTO xero_tenant_pacing (tenant_id, day_remaining, day_observed_at) VALUES ($1, $2, clock_timestamp())
       ON CONFLICT (tenant_id) DO UPDATE SET day_remaining = EXCLUDED.day_remaining, day_observed_at = EXCLUDED.day_observed_at,
         -- A reading taken after the learnt reset belongs to the new window, whose reset is not known yet.
         day_reset_at = CASE WHEN xero_tenant_pacing.day_reset_at <= clock_timestamp() THEN NULL
                             ELSE xero_tenant_pacing.day_reset_at END`,
      [tenantId, remaining],
    );
  }
}
