/**
 * The one calendar: a business's local dates (YYYY-MM-DD, in its IANA time zone) and the instants they cover.
 * Every conversion between the two is here: a request's range in UTC, an order's local day, the label a local date
 * gets where only an instant can be stored (the range search attributes), and the real-date check. Nothing else in
 * the product writes `AT TIME ZONE` or a midnight literal (test/unit/calendar-only.test.ts).
 *
 * Pure and deterministic, with no Node built-ins and no libraries: only `Intl.DateTimeFormat`.
 */
import type { FieldProblem } from './errors';

const DAY_MS = 86_400_000;
/** YYYY-MM-DD digits; isRealDate says whether they name a real day. */
export const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

// Formatter construction is slow; one per timezone is reused. The cache holds no time-dependent state.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockAt(epochMs: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const get = (key: string): number => parts[key] ?? 0;
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour') % 24,
    minute: get('minute'),
    second: get('second'),
  };
}

/** Milliseconds the zone's wall clock is ahead of UTC at that instant (Singapore: +8 h). */
function offsetMsAt(epochMs: number, timeZone: string): number {
  const w = wallClockAt(epochMs, timeZone);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallAsUtc - (epochMs - (((epochMs % 1000) + 1000) % 1000));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function dateText(epochDay: number): string {
  const d = new Date(epochDay * DAY_MS);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** "2024-02-29" -> days since 1970-01-01, or undefined when it is not a real calendar date. */
function epochDayOf(date: string): number | undefined {
  const match = DATE_PATTERN.exec(date);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utc = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  utc.setUTCFullYear(year);
  const ms = utc.getTime();
  // Date.UTC rolls 2023-02-29 over to 03-01; the round trip catches it.
  return dateText(ms / DAY_MS) === date ? ms / DAY_MS : undefined;
}

function requireEpochDay(date: string, name: string): number {
  const day = epochDayOf(date);
  if (day === undefined)
    throw new RangeError(`${name} must be a real date in YYYY-MM-DD form, got ${JSON.stringify(date)}`);
  return day;
}

/** The local calendar date (YYYY-MM-DD) of an instant in `timeZone`: 23:30 local belongs to that local day. */
export function localDateOf(instantIso: string, timeZone: string): string {
  const epochMs = Date.parse(instantIso);
  if (Number.isNaN(epochMs)) throw new RangeError(`not an ISO instant: ${JSON.stringify(instantIso)}`);
  const offset = steadyOffsetMs(epochMs, timeZone);
  if (offset !== null) return dateText(Math.floor((epochMs + offset) / DAY_MS));
  const w = wallClockAt(epochMs, timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

// A zone's offset is the same all through almost every 15-minute stretch of UTC, so it is asked of Intl once per
// stretch (at its first and last millisecond) rather than once per order: a year of orders dates tens of thousands
// of instants. A stretch holding a change (the two differ; St. John's changed at 00:01 until 2011) is not cached.
const STRETCH_MS = 900_000;
const offsets = new Map<string, number | null>();

function steadyOffsetMs(epochMs: number, timeZone: string): number | null {
  const stretch = Math.floor(epochMs / STRETCH_MS);
  const key = `${timeZone}|${stretch}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size > 100_000) offsets.clear();
    const first = offsetMsAt(stretch * STRETCH_MS, timeZone);
    offset = first === offsetMsAt((stretch + 1) * STRETCH_MS - 1, timeZone) ? first : null;
    offsets.set(key, offset);
  }
  return offset;
}

/**
 * The first instant of a local day. Candidates use the offsets in force around that day (a DST change can fall on
 * it); the earliest candidate whose local date is the day wins. That is local midnight when it exists, the first
 * of two midnights when clocks go back over midnight, and the transition instant when midnight is skipped.
 */
function startOfLocalDayMs(epochDay: number, timeZone: string): number {
  const naive = epochDay * DAY_MS;
  const date = dateText(epochDay);
  const offsets = new Set([naive - DAY_MS, naive, naive + DAY_MS].map((t) => offsetMsAt(t, timeZone)));
  const candidates = [...offsets]
    .map((offset) => naive - offset)
    .filter((t) => localDateOf(new Date(t).toISOString(), timeZone) === date);
  if (candidates.length === 0) throw new RangeError(`cannot find the start of ${date} in ${timeZone}`);
  return Math.min(...candidates);
}

/** The instant (ISO, UTC) that the local date `date` begins in `timeZone`. */
export function localDayStartUtc(date: string, timeZone: string): string {
  return new Date(startOfLocalDayMs(requireEpochDay(date, 'date'), timeZone)).toISOString();
}

/** Problems with a user-supplied date range, or [] when it can be planned. `now` is passed in to stay pure. */
export function validateDateRange(start: string, end: string, timeZone: string, now: Date): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const zoneOk = isValidTimeZone(timeZone);
  if (!zoneOk) {
    problems.push({
      path: 'timeZone',
      message: `"${timeZone}" is not an IANA timezone; use a name such as "Asia/Singapore" or "America/New_York".`,
    });
  }
  const startDay = epochDayOf(start);
  const endDay = epochDayOf(end);
  if (startDay === undefined) problems.push(dateProblem('startDate', start));
  if (endDay === undefined) problems.push(dateProblem('endDate', end));
  if (startDay !== undefined && endDay !== undefined && startDay > endDay) {
    problems.push({
      path: 'endDate',
      message: `endDate ${end} is before startDate ${start}; swap them or pick a later endDate.`,
    });
  }
  if (zoneOk && endDay !== undefined) {
    const today = localDateOf(now.toISOString(), timeZone);
    if (end > today) {
      problems.push({
        path: 'endDate',
        message: `endDate ${end} is in the future in ${timeZone} (today there is ${today}); use ${today} or earlier.`,
      });
    }
  }
  return problems;
}

function dateProblem(field: string, value: string): FieldProblem {
  return {
    path: field,
    message: `${field} must be a real calendar date written YYYY-MM-DD (for example 2024-02-29), got ${JSON.stringify(value)}.`,
  };
}

/**
 * The instants an inclusive local-date range covers in the business's time zone: orders with
 * fromUtc <= placedAt < toUtcExclusive belong to it (local midnights, DST included). Throws on invalid input.
 */
export function rangeUtc(
  startDate: string,
  endDate: string,
  timeZone: string,
): { fromUtc: string; toUtcExclusive: string; dayCount: number } {
  const startDay = requireEpochDay(startDate, 'startDate');
  const endDay = requireEpochDay(endDate, 'endDate');
  if (endDay < startDay) throw new RangeError(`endDate ${endDate} is before startDate ${startDate}`);
  if (!isValidTimeZone(timeZone)) throw new RangeError(`not an IANA timezone: ${JSON.stringify(timeZone)}`);
  return {
    fromUtc: new Date(startOfLocalDayMs(startDay, timeZone)).toISOString(),
    toUtcExclusive: new Date(startOfLocalDayMs(endDay + 1, timeZone)).toISOString(),
    dayCount: endDay - startDay + 1,
  };
}

/** A real calendar day ("2026-02-30" is not one), given as YYYY-MM-DD digits (years 0000–9999). */
export function isRealDate(text: string): boolean {
  return epochDayOf(text) !== undefined;
}
