import type { TenantState } from './state';

export type LimitProblem = 'minute' | 'day' | 'concurrent' | 'appminute';

/** Timestamps of accepted calls inside a rolling window (oldest first). */
export class SlidingWindow {
  private times: number[] = [];
  private head = 0;

  count(nowMs: number, windowMs: number): number {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= nowMs - windowMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  push(nowMs: number): void {
    this.times.push(nowMs);
  }

  /** Simulated ms until the oldest call leaves the window. */
  msUntilSlot(nowMs: number, windowMs: number): number {
    const oldest = this.times[this.head] ?? nowMs;
    return Math.max(0, oldest + windowMs - nowMs);
  }
}

export interface LimitConfig {
  minuteWindowMs: number;
  dayWindowMs: number;
  appPerMinute: number;
}

/** Per-tenant counters: calls in flight, a rolling minute and a fixed daily window (resets at the tenant's offset). */
export class TenantLimiter {
  readonly minute = new SlidingWindow();
  inFlight = 0;
  private dayStart = Number.NEGATIVE_INFINITY;
  private dayCount = 0;

  constructor(private readonly tenant: TenantState) {}

  private rollDay(nowMs: number, dayMs: number): void {
    const offset = this.tenant.dayResetOffsetSeconds * 1000;
    const start = Math.floor((nowMs - offset) / dayMs) * dayMs + offset;
    if (start !== this.dayStart) {
      this.dayStart = start;
      this.dayCount = 0;
    }
  }

  dayRemaining(nowMs: number, dayMs: number): number {
    this.rollDay(nowMs, dayMs);
    return Math.max(0, this.tenant.limits.perDay - this.dayCount);
  }

  msUntilDayReset(nowMs: number, dayMs: number): number {
    this.rollDay(nowMs, dayMs);
    return this.dayStart + dayMs - nowMs;
  }

  countDay(): void {
    this.dayCount++;
  }
}

export interface Admission {
  ok: boolean;
  problem?: LimitProblem;
  /** Simulated seconds until the limit frees up. */
  retryAfterSimSeconds?: number;
  headers: Record<string, string>;
}

/**
 * Decides whether a call may run. Rejected calls are not counted against the minute and day budgets: they did no
 * work, and counting them would let a client that retries too early extend its own ban.
 */
export function admit(
  tenant: TenantState,
  limiter: TenantLimiter,
  app: SlidingWindow,
  nowMs: number,
  cfg: LimitConfig,
): Admission {
  const { perMinute, concurrent } = tenant.limits;
  const minuteUsed = limiter.minute.count(nowMs, cfg.minuteWindowMs);
  const appUsed = app.count(nowMs, cfg.minuteWindowMs);
  const dayLeft = limiter.dayRemaining(nowMs, cfg.dayWindowMs);
  const reject = (problem: LimitProblem, ms: number): Admission => ({
    ok: false,
    problem,
    retryAfterSimSeconds: ms / 1000,
    headers: remainingHeaders(dayLeft, perMinute - minuteUsed, cfg.appPerMinute - appUsed),
  });
  if (limiter.inFlight >= concurrent) return reject('concurrent', 1000);
  if (dayLeft <= 0) return reject('day', limiter.msUntilDayReset(nowMs, cfg.dayWindowMs));
  if (minuteUsed >= perMinute) return reject('minute', limiter.minute.msUntilSlot(nowMs, cfg.minuteWindowMs));
  if (appUsed >= cfg.appPerMinute) return reject('appminute', app.msUntilSlot(nowMs, cfg.minuteWindowMs));
  limiter.minute.push(nowMs);
  app.push(nowMs);
  limiter.countDay();
  limiter.inFlight++;
  tenant.stats.peakInFlight = Math.max(tenant.stats.peakInFlight, limiter.inFlight);
  tenant.stats.peakPerMinute = Math.max(tenant.stats.peakPerMinute, minuteUsed + 1);
  return {
    ok: true,
    headers: remainingHeaders(dayLeft - 1, perMinute - minuteUsed - 1, cfg.appPerMinute - appUsed - 1),
  };
}

function remainingHeaders(day: number, minute: number, appMinute: number): Record<string, string> {
  return {
    'X-DayLimit-Remaining': String(Math.max(0, day)),
    'X-MinLimit-Remaining': String(Math.max(0, minute)),
    'X-AppMinLimit-Remaining': String(Math.max(0, appMinute)),
  };
}
