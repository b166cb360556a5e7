import type { ChildProcess } from 'node:child_process';
import type { ManualSyncInput } from '../../src/definitions';
import { PLAN_VERSION } from '../../src/definitions';
import { insertRequest } from '../../src/requests/store';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { checkedFetch } from '../support/api';
import { createBusiness, loadDemoOrders, simInvoices, simStats } from '../support/orders';
import { freePort } from '../support/ports';
import { syncToEnd } from '../support/requests';
import { eventually, startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { spawnWorker, stopWorker, workerEnv } from '../support/worker-process';

/**
 * /metrics against what really happened: the worker runs as its own process (as `npm run worker` does, with
 * WORKER_HTTP_PORT), so its metrics are its calls alone, and are compared with the simulator's own counts.
 */

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format's samples (comments and blank lines skipped). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sums a metric's samples grouped by one label (only samples matching `where`). */
function sumBy(samples: Sample[], name: string, by: string, where: Record<string, string> = {}) {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name) continue;
    if (!Object.entries(where).every(([k, v]) => s.labels[k] === v)) continue;
    const key = s.labels[by] ?? '';
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

describe('Prometheus metrics of the worker and the API', () => {
  let system: TestSystem;
  let worker: ChildProcess;
  let workerMetrics: string;
  beforeAll(async () => {
    system = await startTestSystem('metrics', {
      worker: false,
      sim: { timeScale: 60 },
      env: { XERO_WINDOW_MS: '1000' },
    });
    const port = await freePort();
    workerMetrics = `http://127.0.0.1:${port}/metrics`;
    worker = spawnWorker(workerEnv(system.cfg, { WORKER_HTTP_PORT: String(port) }));
    await eventually(async () => (await fetch(workerMetrics).catch(() => null))?.ok, 60_000);
  });
  afterAll(async () => {
    if (worker) await stopWorker(worker);
    await system?.stop();
  });

  // The API's answers are checked against its OpenAPI document too; the worker's server is not in it.
  const scrape = async (url: string) => {
    const res = url.startsWith(system.apiUrl) ? await checkedFetch(url) : await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  it("the worker's /metrics shows the calls and orders the simulator counted, and the Temporal SDK's own", async () => {
    const businessId = 'biz_metrics';
    await createBusiness(system.database.db, businessId, { dailyQuotaReserve: 100 });
    const orders = await loadDemoOrders(system.database.db, {
      businessId,
      from: '2025-07-01',
      to: '2025-07-03',
      ordersPerDay: 30,
      channel: 'pos',
    });
    const { result } = await syncToEnd(system, {
      businessId,
      channel: 'pos',
      startDate: '2025-07-01',
      endDate: '2025-07-03',
    });
    expect(result.state).toBe('completed');

    const text = await scrape(workerMetrics);
    const samples = parse(text);
    const stats = await simStats(system.xero.baseUrl);
    const organisation = { organisation: DEMO_TENANT_ID };
    // Every call the simulator answered, by status and by endpoint, as the worker counted it.
    expect(stats.calls.total).toBeGreaterThan(3);
    expect(sumBy(samples, 'xero_calls_total', 'status', organisation)).toEqual(stats.calls.byStatus);
    expect(sumBy(samples, 'xero_calls_total', 'endpoint', organisation)).toEqual(stats.calls.byEndpoint);
    expect(value(samples, 'xero_limiter_wait_seconds_count', organisation)).toBe(stats.calls.total);
    // Orders by outcome: as the request counted them, and as many synced as invoices reached Xero.
    expect(sumBy(samples, 'sync_orders_total', 'outcome')).toEqual(
      Object.fromEntries(
        Object.entries({ synced: result.counts.synced, skipped: result.counts.skipped }).filter(
          ([, n]) => n > 0,
        ),
      ),
    );
    expect(result.counts.synced).toBe((await simInvoices(system.xero.baseUrl)).length);
    // The quota as Xero last reported it (answers may finish out of order, by up to the calls in flight).
    const remaining = value(samples, 'xero_day_limit_remaining', organisation);
    expect(remaining).toBeGreaterThanOrEqual(5000 - stats.calls.total);
    expect(remaining).toBeLessThanOrEqual(5000 - stats.calls.total + system.cfg.XERO_CONCURRENCY);
    expect(value(samples, 'xero_day_limit_reserve', organisation)).toBe(100);
    expect(value(samples, 'xero_rate_limited_total', organisation)).toBe(stats.rateLimited.total);
    // The Temporal SDK's own metrics, served on the same port.
    expect(text).toMatch(/^temporal_workflow_completed\{.*\} [1-9]/m);
    expect(text).toMatch(/^temporal_activity_execution_latency_(count|bucket)\{/m);
    // Ids, no business data: no name of the business, its locations or its customers.
    for (const o of orders) {
      expect(text).not.toContain(o.location.name);
      if (o.customer?.name) expect(text).not.toContain(o.customer.name);
    }
  });

  it("the API's /metrics counts its requests by route and status, and shows stuck and open requests", async () => {
    const api = await system.api('biz_metrics');
    const before = parse(await scrape(`${system.apiUrl}/metrics`));
    const ROUTE = '/api/sync-requests/:id';
    const count = (samples: Sample[], route: string, status: string) =>
      value(samples, 'http_requests_total', { method: 'GET', route, status });

    const { rows } = await system.database.db.query<{ id: string }>('SELECT id FROM sync_requests LIMIT 1');
    for (let i = 0; i < 3; i += 1)
      expect((await api.get(`/api/sync-requests/${rows[0]!.id}`)).status).toBe(200);
    expect((await api.get('/api/sync-requests/sr_0000000000')).status).toBe(404);
    expect((await api.get('/api/sync-requests', null)).status).toBe(401);
    const answered = await checkedFetch(`${system.apiUrl}/healthz`);
    expect(answered.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // A sane X-Request-Id of the caller's is kept, so both sides' logs meet.
    const traced = await checkedFetch(`${system.apiUrl}/healthz`, {
      headers: { 'x-request-id': 'platform-42' },
    });
    expect(traced.headers.get('x-request-id')).toBe('platform-42');

    // A request recorded as running whose progress went quiet 40 minutes ago: what the stuck alert watches.
    const stuck: ManualSyncInput = {
      requestId: 'sr_stuck0000000000',
      businessId: 'biz_metrics',
      channel: 'pos',
      locationId: null,
      startDate: '2025-07-01',
      endDate: '2025-07-01',
      timeZone: 'Asia/Singapore',
      contactMapping: { mode: 'auto' },
      options: { invoiceStatus: 'AUTHORISED', recordPayments: true, resyncPolicy: 'skip' },
      planVersion: PLAN_VERSION,
      stepHeartbeatMs: 60_000,
    };
    await insertRequest(system.database.db, { input: stuck, contactName: null }, null);
    await system.database.db.query(
      "UPDATE sync_requests SET state = 'running', updated_at = now() - interval '40 minutes' WHERE id = $1",
      [stuck.requestId],
    );

    const after = parse(await scrape(`${system.apiUrl}/metrics`));
    expect(count(after, ROUTE, '200') - count(before, ROUTE, '200')).toBe(3);
    expect(count(after, ROUTE, '404') - count(before, ROUTE, '404')).toBe(1);
    expect(count(after, '/healthz', '200') - count(before, '/healthz', '200')).toBe(2);
    // An unauthenticated call never reached a route: counted, but under no route template.
    expect(count(after, 'unmatched', '401') - count(before, 'unmatched', '401')).toBe(1);
    expect(
      value(after, 'http_request_duration_seconds_count', { method: 'GET', route: ROUTE }),
    ).toBeGreaterThanOrEqual(3);
    const silent = value(after, 'sync_request_seconds_since_progress', {
      request_id: stuck.requestId,
      business_id: 'biz_metrics',
    });
    expect(silent).toBeGreaterThanOrEqual(40 * 60 - 5);
    expect(value(after, 'sync_requests_open', { state: 'running' })).toBe(1);
    // No path with an id becomes a label of its own.
    expect(after.filter((s) => s.name === 'http_requests_total' && /sr_/.test(s.labels.route ?? ''))).toEqual(
      [],
    );
  });
});
