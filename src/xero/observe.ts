import { metrics } from '../observability/metrics';
import type { XeroApiError } from './errors';

/**
 * What the gateway tells operators about each Xero call: the metrics (by organisation, never business data) and,
 * for a step's calls, log lines through the step's own logger (the activity's `log`). Kept apart from the
 * gateway so its call loop stays about calling.
 */
export interface CallLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

interface Observed {
  tenantId: string;
  requestId?: string;
  dailyReserve: number;
  log?: CallLog;
}

// A wait in the limiter longer than this is worth a log line (pacing alone is about a second per call).
const LOGGED_WAIT_MS = 1000;

export function observeWait(ctx: Observed, endpoint: string, waitedMs: number): void {
  metrics().xeroLimiterWait.observe({ organisation: ctx.tenantId }, waitedMs / 1000);
  if (waitedMs > LOGGED_WAIT_MS)
    ctx.log?.info('Waited for the Xero limiter', {
      organisation: ctx.tenantId,
      requestId: ctx.requestId,
      endpoint,
      waitedSeconds: Math.round(waitedMs / 100) / 10,
    });
}

/** An answer (or none): its status, and the daily quota it reported. */
export function observeAnswer(
  ctx: Observed,
  endpoint: string,
  status: number | 'network_error' | 'aborted',
  dayRemaining: number | undefined,
): void {
  const m = metrics();
  m.xeroCalls.inc({ organisation: ctx.tenantId, endpoint, status: String(status) });
  m.dayLimitReserve.set({ organisation: ctx.tenantId }, ctx.dailyReserve);
  if (dayRemaining !== undefined) m.dayLimitRemaining.set({ organisation: ctx.tenantId }, dayRemaining);
}

const KINDS: Partial<Record<XeroApiError['kind'], string>> = {
  'minute-limit': 'minute',
  'day-limit': 'day',
  'concurrent-limit': 'concurrent',
};

/** A 429: counted by kind, and logged for a step (with how long the organisation is now blocked). */
export function observeRateLimit(ctx: Observed, endpoint: string, err: XeroApiError): void {
  if (err.status !== 429) return;
  // Xero's per-app minute limit (all organisations of the app together) is told apart from the organisation's.
  const kind = err.rateLimitProblem === 'appminute' ? 'app_minute' : (KINDS[err.kind] ?? 'unknown');
  metrics().xeroRateLimited.inc({ organisation: ctx.tenantId, kind });
  if (kind === 'day') metrics().dayLimitRemaining.set({ organisation: ctx.tenantId }, 0);
  ctx.log?.warn('Xero answered 429', {
    organisation: ctx.tenantId,
    requestId: ctx.requestId,
    endpoint,
    kind,
    retryAfterSeconds: err.retryAfterSeconds ?? null,
  });
}
