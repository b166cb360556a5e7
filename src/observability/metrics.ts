import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics (prom-client), one registry per process, served at /metrics by the API and
 * by the worker. Labels carry ids only (Xero organisation ids, routes, outcomes), never business data. The
 * docs/operations.md ("Metrics") lists them, with example alert rules.
 */
export interface Metrics {
  registry: Registry;
  /** Every Xero call that got an answer or none: `status` is the HTTP status, `network_error` or `aborted`. */
  xeroCalls: Counter<'organisation' | 'endpoint' | 'status'>;
  /** 429s by Xero's X-Rate-Limit-Problem: minute, day, concurrent (or app_minute). */
  xeroRateLimited: Counter<'organisation' | 'kind'>;
  /** Time a call waited in the limiter for a lease and its paced start. */
  xeroLimiterWait: Histogram<'organisation'>;
  /** The limiter's statements: `start` (one per call, more while every lease is taken) and `finish`. */
  xeroLimiterStatements: Counter<'kind'>;
  /** Steps stopped by a spent daily budget, and how long they are to wait. */
  quotaWaits: Counter<'organisation'>;
  quotaWaitSeconds: Histogram<'organisation'>;
  /** X-DayLimit-Remaining as last seen, and the reserve the calls keep. */
  dayLimitRemaining: Gauge<'organisation'>;
  dayLimitReserve: Gauge<'organisation'>;
  /** Per-order outcomes as the steps record them (a re-walked page counts again). */
  orders: Counter<'outcome'>;
  /** Delivery attempts of signed webhooks, and deliveries that ended. */
  webhookAttempts: Counter<'outcome'>;
  webhookDeliveries: Counter<'outcome'>;
  /** The API's requests, by route template (never the raw path) and status. */
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  /** Set from PostgreSQL at each scrape of the API: open requests by state, and each running one's silence. */
  openRequests: Gauge<'state'>;
  secondsSinceProgress: Gauge<'request_id' | 'business_id'>;
}

function create(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    xeroCalls: new Counter({
      name: 'xero_calls_total',
      help: 'Xero Accounting API calls, by organisation, endpoint and answer status.',
      labelNames: ['organisation', 'endpoint', 'status'],
      registers: r,
    }),
    xeroRateLimited: new Counter({
      name: 'xero_rate_limited_total',
      help: "Xero 429 answers, by organisation and kind (Xero's X-Rate-Limit-Problem).",
      labelNames: ['organisation', 'kind'],
      registers: r,
    }),
    xeroLimiterWait: new Histogram({
      name: 'xero_limiter_wait_seconds',
      help: 'Time a Xero call waited in the limiter for a free slot and its paced start.',
      labelNames: ['organisation'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: r,
    }),
    xeroLimiterStatements: new Counter({
      name: 'xero_limiter_statements_total',
      help: 'Statements the Xero limiter ran on PostgreSQL: start (each look for a free lease) and finish.',
      labelNames: ['kind'],
      registers: r,
    }),
    quotaWaits: new Counter({
      name: 'xero_quota_waits_total',
      help: "Steps stopped because the organisation's daily Xero budget (less the reserve) was spent.",
      labelNames: ['organisation'],
      registers: r,
    }),
    quotaWaitSeconds: new Histogram({
      name: 'xero_quota_wait_seconds',
      help: 'How long a step stopped by the daily budget is to wait (until the reset, or the next look).',
      labelNames: ['organisation'],
      buckets: [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400],
      registers: r,
    }),
    dayLimitRemaining: new Gauge({
      name: 'xero_day_limit_remaining',
      help: "The organisation's X-DayLimit-Remaining, as Xero last reported it.",
      labelNames: ['organisation'],
      registers: r,
    }),
    dayLimitReserve: new Gauge({
      name: 'xero_day_limit_reserve',
      help: 'Calls of the daily quota the business keeps for its live sync (the sync stops at it).',
      labelNames: ['organisation'],
      registers: r,
    }),
    orders: new Counter({
      name: 'sync_orders_total',
      help: 'Orders handled by sync steps, by outcome (synced, failed, skipped).',
      labelNames: ['outcome'],
      registers: r,
    }),
    webhookAttempts: new Counter({
      name: 'webhook_delivery_attempts_total',
      help: 'Webhook delivery attempts, by outcome (delivered, http_error, timeout, network_error, refused).',
      labelNames: ['outcome'],
      registers: r,
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook deliveries that ended, by outcome (delivered, given_up, endpoint_deleted).',
      labelNames: ['outcome'],
      registers: r,
    }),
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'API requests, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers: r,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'API request durations, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    }),
    openRequests: new Gauge({
      name: 'sync_requests_open',
      help: 'Sync requests not yet ended, by recorded state (read from PostgreSQL at scrape time).',
      labelNames: ['state'],
      registers: r,
    }),
    secondsSinceProgress: new Gauge({
      name: 'sync_request_seconds_since_progress',
      help: 'Seconds since each running request last recorded progress (a call, a page, a phase).',
      labelNames: ['request_id', 'business_id'],
      registers: r,
    }),
  };
}

let current: Metrics | undefined;

/** This process's metrics, made on first use. */
export function metrics(): Metrics {
  current ??= create();
  return current;
}

/** The text a scrape gets: this registry's, followed by `extra` (the Temporal SDK's own exporter, on the worker). */
export async function metricsText(extra?: () => Promise<string>): Promise<string> {
  const own = await metrics().registry.metrics();
  if (!extra) return own;
  return `${own.trimEnd()}\n${(await extra()).trimEnd()}\n`;
}

/** What the API reads from PostgreSQL for the request gauges, at each scrape (the worker leaves them empty). */
export interface RequestGauges {
  openByState: Array<{ state: string; count: number }>;
  running: Array<{ requestId: string; businessId: string; secondsSinceProgress: number }>;
}

export function setRequestGauges(gauges: RequestGauges): void {
  const m = metrics();
  m.openRequests.reset();
  for (const row of gauges.openByState) m.openRequests.set({ state: row.state }, row.count);
  m.secondsSinceProgress.reset();
  for (const row of gauges.running)
    m.secondsSinceProgress.set(
      { request_id: row.requestId, business_id: row.businessId },
      row.secondsSinceProgress,
    );
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
