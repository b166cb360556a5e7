/**
 * Simulated time. Every Xero window (minute, day, token lifetime, idempotency) runs on this clock so a scaled run
 * (timeScale = simulated seconds per real second) keeps Xero's proportions. Values that a client waits on in real
 * time (Retry-After, expires_in) are converted back with `toRealSeconds`.
 */
import { dateLabel, isRealDate } from '../calendar';

export class SimClock {
  private readonly realStart = Date.now();
  private advancedMs = 0;

  constructor(
    readonly timeScale: number,
    private readonly simStart = Date.now(),
  ) {
    if (!(timeScale > 0)) throw new RangeError(`timeScale must be > 0, got ${timeScale}`);
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.simStart + (Date.now() - this.realStart) * this.timeScale + this.advancedMs;
  }

  /** Jumps the simulated clock forward (tests: token expiry, day windows) without waiting. */
  advance(simSeconds: number): void {
    this.advancedMs += simSeconds * 1000;
  }

  /** Real seconds a client must wait for `simSeconds` to pass: an integer, rounded up, at least 1 (Retry-After). */
  toRealSeconds(simSeconds: number): number {
    return Math.max(1, Math.ceil(simSeconds / this.timeScale - 1e-9));
  }
}

/** Xero's JSON date: "/Date(1552326816230)/" in envelopes, "/Date(…+0000)/" on records. */
export function msDate(ms: number, withZone = false): string {
  return `/Date(${Math.floor(ms)}${withZone ? '+0000' : ''})/`;
}

const MS_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Accepts "YYYY-MM-DD", an ISO date-time or "/Date(ms)/" and returns the calendar day "YYYY-MM-DD", else null. */
export function parseXeroDay(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const ms = MS_DATE.exec(value);
  if (ms) return new Date(Number(ms[1])).toISOString().slice(0, 10);
  const iso = ISO_DAY.exec(value);
  if (!iso) return null;
  const day = `${iso[1]}-${iso[2]}-${iso[3]}`;
  return isRealDate(day) ? day : null;
}

/** "2024-03-01" -> "/Date(1709251200000+0000)/", the way Xero returns Date and DueDate. */
export function dayToMsDate(day: string): string {
  return msDate(dateLabel(day).getTime(), true);
}

export function dayToDateString(day: string): string {
  return `${day}T00:00:00`;
}
