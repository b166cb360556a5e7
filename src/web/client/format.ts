import { addDays, localDateOf } from '../../calendar';
import type { ChangeKinds, Channel, SyncState } from '../../contract';
import type { RequestView } from './request-view';
import { day } from './day';
import { plural } from './plural';

export { plural };

/**
 * Words, dates, times and money as a merchant reads them: times in the business's time zone (not the
 * browser's), 24-hour clock, money in the order's currency from its decimal string (never through a float).
 */
export const CHANNELS: Record<Channel, string> = { pos: 'POS', online: 'Online Store', b2b: 'B2B' };

export const STATE_NAMES: Record<SyncState, string> = {
  queued: 'Queued',
  running: 'Running',
  waiting_for_quota: "Waiting for Xero's daily limit",
  paused: 'Paused',
  needs_reconnect: 'Needs Xero reconnect',
  completed: 'Completed',
  completed_with_errors: 'Completed with errors',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const CLOSED: ReadonlySet<SyncState> = new Set([
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
]);

let zone = 'UTC';
export function setTimeZone(timeZone: string): void {
  zone = timeZone;
}
export function timeZone(): string {
  return zone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const id = `${zone}|${key}`;
  let f = formatters.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, { timeZone: zone, ...options });
    formatters.set(id, f);
  }
  return f;
}

/** "3 Nov 2026, 14:05" in the business's time zone. */
export function dateTime(iso: string): string {
  return formatter('dt', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

/** "14:05" in the business's time zone. */
export function clock(iso: string): string {
  return formatter('t', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** The business's local date (YYYY-MM-DD) of an instant: today's, by default. */
export function localDate(at: Date = new Date()): string {
  return localDateOf(at.toISOString(), zone);
}

export { day };

export function dateRange(start: string, end: string): string {
  return start === end ? day(start) : `${day(start)} – ${day(end)}`;
}

export { addDays };

/** "about 3 min", "less than a minute", "about 2 h 10 min". */
export function duration(seconds: number): string {
  if (seconds < 60) return 'less than a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours >= 48) return `about ${Math.round(hours / 24)} days`;
  return rest ? `about ${hours} h ${rest} min` : `about ${hours} h`;
}

/** Money from its decimal string, in its currency: Intl formats the string itself, exactly. */
export function money(amount: string | null, currency: string | null): string {
  if (amount === null) return '—';
  if (!currency) return amount;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(
      amount as unknown as number,
    );
  } catch {
    return `${currency} ${amount}`;
  }
}

/** Changes of orders already in Xero, by kind: "2 payments, 1 refund, 1 line change" (the kinds with none left out). */
export function changeKindsWords(kinds: ChangeKinds): string {
  const parts = [
    kinds.payments > 0 && plural(kinds.payments, 'payment'),
    kinds.refunds > 0 && plural(kinds.refunds, 'refund'),
    kinds.voids > 0 && plural(kinds.voids, 'void'),
    kinds.lineChanges > 0 && plural(kinds.lineChanges, 'line change'),
  ].filter((p): p is string => typeof p === 'string');
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** When a wait ends: "14:05", or with its date when that is not today (in the business's time zone). */
/** A time of `now`'s day as its clock time, any other with its date (`now` given, so the words are of one moment). */
function when(iso: string, now: number): string {
  return localDate(new Date(iso)) === localDate(new Date(now)) ? clock(iso) : dateTime(iso);
}

/**
 * The ETA in words, one sentence per case: a range ("done between 14:00 and tomorrow 13:00") while Xero's daily
 * reset is not known yet, a duration once it is; and the daily limit it assumed. Null while it cannot be known.
 */
export function etaWords(r: RequestView, now = Date.now()): string | null {
  const eta = r.eta;
  if (CLOSED.has(r.state) || !eta || eta.latestSeconds <= 0) return null;
  const assumed = `assuming ${eta.dailyLimit.calls.toLocaleString()} Xero calls a day, ${eta.dailyReserve.toLocaleString()} kept back`;
  if (!eta.resetKnown && eta.earliestSeconds < eta.latestSeconds) {
    const at = (seconds: number) => when(new Date(now + seconds * 1000).toISOString(), now);
    return `done between ${at(eta.earliestSeconds)} and ${at(eta.latestSeconds)} (Xero's daily reset is not known yet; ${assumed})`;
  }
  return `${duration(eta.latestSeconds)} left (${assumed})`;
}

/**
 * The request's state in words, as the status bar says it: one sentence per state, true of what the request is
 * doing (its phase while it runs), and for a quota wait the same moment as `resumeAt` (a reset, or only a look
 * while the reset is not known; "now" once that moment has passed and the step is looking again).
 */
export function stateWords(r: RequestView, now = Date.now()): string {
  if (r.pausing && (r.state === 'running' || r.state === 'queued' || r.state === 'waiting_for_quota'))
    return 'Pausing…';
  switch (r.state) {
    case 'completed_with_errors':
      return `Completed with ${plural(r.counts.failed, 'error')}`;
    case 'waiting_for_quota':
      return quotaWords(r, now);
    case 'running':
      return runningWords(r);
    case 'failed':
      return r.lastError ? `Failed: ${r.lastError}` : 'Failed';
    default:
      return STATE_NAMES[r.state];
  }
}

function runningWords(r: RequestView): string {
  switch (r.phase) {
    case 'queued':
      return "Preparing: reading the orders and the organisation's settings";
    case 'contacts':
      return r.contacts
        ? `Matching contacts (${r.contacts.done} of ${r.contacts.total})`
        : 'Matching contacts';
    case 'orders':
      return 'Sending orders to Xero';
    default:
      // The history log's rows carry no phase.
      return 'Running';
  }
}

function quotaWords(r: RequestView, now: number): string {
  if (!r.resumeAt) return "Waiting for Xero's daily limit";
  if (Date.parse(r.resumeAt) <= now)
    return r.resumeAtIsReset
      ? "Waiting for Xero's daily limit, which has reset: resuming now"
      : "Waiting for Xero's daily limit, looking again now";
  return r.resumeAtIsReset
    ? `Waiting for Xero's daily limit, resumes at ${when(r.resumeAt, now)}`
    : `Waiting for Xero's daily limit, tries again at ${when(r.resumeAt, now)} (its reset is not known yet)`;
}

/** Orders done of the orders the range holds, as a whole percentage (null while the total is unknown). */
export function percent(r: RequestView): number | null {
  if (r.state === 'completed' || r.state === 'completed_with_errors') return 100;
  if (r.expected === null) return null;
  if (r.expected === 0) return CLOSED.has(r.state) ? 100 : 0;
  return Math.min(100, Math.floor((r.counts.found * 100) / r.expected));
}

/** Auto-match, or the manual contact by the name Xero gave it when the request was submitted. */
export function contactMappingWords(r: Pick<RequestView, 'contactMapping' | 'contactName'>): string {
  if (r.contactMapping.mode === 'auto') return 'Auto-match by name';
  return r.contactName ? `Manual: ${r.contactName}` : 'Manual: one Xero contact';
}
