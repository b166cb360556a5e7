import type { ChildProcess } from 'node:child_process';
import { unconnectedBusiness } from '../support/businesses';
import { expectExactlyOnce, loadDemoOrders, simInvoices } from '../support/orders';
import { submitSync, syncResult } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { spawnWorker, stopWorker, workerEnv } from '../support/worker-process';
import {
  connectThroughOAuth,
  identityStats,
  storedConnection,
  WEB_APP,
  WEB_APP_ENV,
} from '../support/xero-connect';

describe('single-flight token refresh across processes', () => {
  let system: TestSystem;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    // One simulated minute per real second (Xero's minute limit would otherwise pace the 20 requests).
    system = await startTestSystem('token-refresh-concurrency', {
      sim: { timeScale: 60 },
      env: { ...WEB_APP_ENV, XERO_WINDOW_MS: '1000' },
      worker: false,
    });
    system.xero.sim.createClient({ ...WEB_APP, appName: 'Manual Sync' });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopWorker(w)));
    await system?.stop();
  });

  it('20 concurrent activities needing a token for one connection, on two worker processes, cause exactly one refresh', async () => {
    const businessId = 'biz_refresh';
    const tenantId = system.xero.sim.createTenant({ name: 'Refresh Coffee' }).tenantId;
    await unconnectedBusiness(system.database.db, businessId);
    const days = Array.from({ length: 20 }, (_, i) => `2026-01-${String(i + 1).padStart(2, '0')}`);
    const orders = await loadDemoOrders(system.database.db, {
      businessId,
      from: days[0]!,
      to: days[19]!,
      ordersPerDay: 2,
      channel: 'pos',
    });
    expect((await connectThroughOAuth(system, businessId, tenantId)).status).toBe(200);
    const before = await storedConnection(system.database.db, businessId);

    // 20 requests of one day each: 20 batch activities, all queued before any worker runs.
    const ids = await Promise.all(
      days.map((day) => submitSync(system, { businessId, channel: 'pos', startDate: day, endDate: day })),
    );
    // The stored access token has expired, and a refresh takes a second: every activity needs one at once.
    await system.database.db.query(
      `UPDATE xero_connections SET expires_at = now() - interval '1 second' WHERE business_id = $1`,
      [businessId],
    );
    system.xero.sim.setFaults([{ tokenEndpoint: true, latencyMs: 1000 }]);
    const refreshesBefore = (await identityStats(system)).tokenRequests;

    // Ten activities at a time per worker: the 20 run together.
    const env = workerEnv(system.cfg, { SYNC_MAX_CONCURRENT_ACTIVITIES: '10' });
    workers.push(spawnWorker(env), spawnWorker(env));
    const results = await Promise.all(ids.map((id) => syncResult(system, id)));
    system.xero.sim.setFaults([]);
    expect(results.map((r) => r.state)).toEqual(ids.map(() => 'completed'));

    // Both worker processes ran some of the batches (the identity of the worker that started each activity).
    const identities = new Set<string>();
    for (const id of ids) {
      const history = await system.temporal.client.workflow.getHandle(id).fetchHistory();
      for (const event of history.events ?? [])
        if (event.activityTaskStartedEventAttributes?.identity)
          identities.add(event.activityTaskStartedEventAttributes.identity);
    }
    expect(identities.size).toBe(2);

    const refreshes = (await identityStats(system)).tokenRequests;
    const delta = (key: string) => (refreshes[key] ?? 0) - (refreshesBefore[key] ?? 0);
    expect({
      ok: delta('refresh_token 200'),
      refused: delta('refresh_token 400'),
      lost: delta('refresh_token 0'),
    }).toEqual({
      ok: 1,
      refused: 0,
      lost: 0,
    });
    const after = await storedConnection(system.database.db, businessId);
    expect(after.status).toBe('active');
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expectExactlyOnce(orders, await simInvoices(system.xero.baseUrl, tenantId));
  });
});
