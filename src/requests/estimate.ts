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

function pacingSeconds(calls: number, perMinute: number): number {
  return Math.ceil((calls * 60) / perMinute);
}

/**
 * Seconds until the remaining calls are done: minute pacing while daily quota lasts; when it runs out, wait for the
 * reset, then a full day per further window (or longer, if pacing is so slow a day's budget takes more than a day).
 */
export function etaSeconds(input: EtaInput): number {
  const { remainingCalls, perMinute, dayRemaining, reserve, secondsUntilDayReset, dayLimit } = input;
  requireCount('remainingCalls', remainingCalls);
  if (!(perMinute > 0)) throw new RangeError('perMinute must be > 0');
  const today = usableToday(dayRemaining, reserve);
  if (remainingCalls <= today) return pacingSeconds(remainingCalls, perMinute);
  const perDay = usablePerDay(dayLimit, reserve);
  const afterToday = remainingCalls - today;
  const fullWindows = Math.ceil(afterToday / perDay) - 1;
  const lastWindowCalls = afterToday - fullWindows * perDay;
  const firstWait = Math.max(Math.max(0, secondsUntilDayReset), pacingSeconds(today, perMinute));
  const windowSeconds = Math.max(input.windowSeconds ?? SECONDS_PER_DAY, pacingSeconds(perDay, perMinute));
  return firstWait + fullWindows * windowSeconds + pacingSeconds(lastWindowCalls, perMinute);
}
