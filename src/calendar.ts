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
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A local date as the API takes it, for its documents and fuzzers: years 1900–9999, months 01–12, days 01–31
 * (isRealDate then refuses the days a month does not have, "2026-02-30").
 */
export const LOCAL_DATE_PATTERN = /^(19|[2-9]\d)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

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

// A zone's offset is the same all through almost every hour of UTC, so it is asked of Intl once per hour boundary
// rather than once per order: a year of orders dates tens of thousands of instants, and Intl took a third of the
// engine's own CPU mapping them (bench P5). An hour whose two boundaries agree is steady (no zone has changed its
// offset twice within an hour); one holding a change (they differ; St. John's changed at 00:01 until 2011, and a
// change on the hour makes the hour before it differ too) is not cached, and each of its instants asks Intl.
const STRETCH_MS = 3_600_000;
const offsets = new Map<string, number | null>();
const boundaries = new Map<string, number>();

/** The offset at the first millisecond of stretch `k`, asked of Intl once (two stretches share each boundary). */
function boundaryOffsetMs(k: number, timeZone: string): number {
  const key = `${timeZone}|${k}`;
  let offset = boundaries.get(key);
  if (offset === undefined) {
    if (boundaries.size > 100_000) boundaries.clear();
    offset = offsetMsAt(k * STRETCH_MS, timeZone);
    boundaries.set(key, offset);
  }
  return offset;
}

function steadyOffsetMs(epochMs: number, timeZone: string): number | null {
  const stretch = Math.floor(epochMs / STRETCH_MS);
  const key = `${timeZone}|${stretch}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size > 100_000) offsets.clear();
    const first = boundaryOffsetMs(stretch, timeZone);
    offset = first === boundaryOffsetMs(stretch + 1, timeZone) ? first : null;
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

/**
 * Why a range's last day cannot be synced yet: it is after today in the business's time zone (its orders may
 * still come). The rest of a range (real dates, in order) is the contract's to check, at the edge
 * (src/contract/); this needs the business, so the request layer asks it. `now` is passed in to stay pure.
 */
export function futureEndProblem(end: string, timeZone: string, now: Date): FieldProblem | null {
  const today = localDateOf(now.toISOString(), timeZone);
  if (end <= today) return null;
  return {
    path: 'endDate',
    message: `endDate ${end} is in the future in ${timeZone} (today there is ${today}); use ${today} or earlier.`,
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

/** A local date moved by whole days ("2024-02-28" + 1 is "2024-02-29"); a date has no zone, so none is needed. */
export function addDays(date: string, days: number): string {
  return dateText(requireEpochDay(date, 'date') + days);
}

/** Every local date from `start` to `end`, both included ([] when `end` is before `start`). */
export function datesBetween(start: string, end: string): string[] {
  const [first, last] = [requireEpochDay(start, 'start'), requireEpochDay(end, 'end')];
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => dateText(first + i));
}

/**
 * The label a local date gets where only an instant can be stored (the range search attributes XeroSyncRangeStart
 * and XeroSyncRangeEnd, which are Datetime): the date at 00:00 UTC, whatever the business's zone. It is a label,
 * not the instant the day starts there, so a filter reads in local dates for every zone:
 * `XeroSyncRangeStart < "2026-03-31T12:00:00Z" AND XeroSyncRangeEnd > "2026-02-28T12:00:00Z"` finds the requests
 * whose range touches March, local (docs/first-sync.md "Finding requests by date in the Web UI"; see labelBound).
 */
export function dateLabel(date: string): Date {
  return new Date(requireEpochDay(date, 'date') * DAY_MS);
}

/**
 * A bound between two labels, as a visibility filter writes it: noon (UTC) of the date's label, never equal to a
 * label. Temporal's SQLite visibility (the dev server's) compares Datetime values as text in a format of its own,
 * so a filter on a label itself (`<=` or `=` a midnight) can miss; one on noon before or after cannot.
 */
export function labelBound(date: string): string {
  return `${dateText(requireEpochDay(date, 'date'))}T12:00:00Z`;
}

/** The local date a label stands for (the inverse of dateLabel). */
export function dateOfLabel(label: Date): string {
  return dateText(Math.floor(label.getTime() / DAY_MS));
}

/**
 * The local date of an instant, as a PostgreSQL expression, for a query that groups or compares orders by their
 * local day (the preview's counts by month and lock date): `instant` is a timestamptz expression, `zone` the
 * parameter holding the business's IANA zone. PostgreSQL reads the same IANA zone database as Intl.
 */
export function localDateSql(instant: string, zone: string): string {
  return `((${instant})::timestamptz AT TIME ZONE ${zone})::date`;
}
