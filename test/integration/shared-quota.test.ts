import type { ChildProcess } from 'node:child_process';
import { generateDemoOrders } from '../../src/orders/seed';
import { createBusiness, expectSyncedExactlyOnce, loadOrders } from '../support/orders';
import { submitSync, syncResult } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { spawnWorker, stopWorker, workerEnv } from '../support/worker-process';

describe('shared quota', () => {
  // The issue asks for two concurrent requests; six make the 5-in-flight limit bind too.
  let system: TestSystem;
  const workers: ChildProcess[] = [];
  beforeAll(async () => {
    // Real limits (60 a minute, 5 in flight) with one simulated minute lasting one real second.
    // Each call takes 150 ms, so without the shared lease limit far more than 5 would overlap.
    system = await startTestSystem('shared-quota', {
      sim: { timeScale: 60, faults: [{ latencyMs: 150 }] },
      env: { XERO_WINDOW_MS: '1000' },
      worker: false,
    });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopWorker(w)));
    await system?.stop();
  });

  it(
    'six concurrent requests for one organisation, on two worker processes, never exceed its limits together',
    async () => {
      const businessId = 'biz_shared';
      await createBusiness(system.database.db, businessId);
      const from = '2025-09-01';
      const to = '2025-09-12';
      const orders = [
        ...generateDemoOrders({ businessId, from, to, ordersPerDay: 60, seed: 1 }),
        ...[
          ...generateDemoOrders({
            businessId,
            from: '2025-10-01',
            to: '2025-10-12',
            ordersPerDay: 40,
            channel: 'pos',
            seed: 2,
          }),
        ].map((o) => ({ ...o, id: `oct_${o.id}`, number: `O${o.number}` })),
      ];
      await loadOrders(system.database.db, orders);
      const env = workerEnv(system.cfg);
      workers.push(spawnWorker(env), spawnWorker(env));

      // Six requests at once for the one organisation: each POS location, online, B2B, and POS in October.
      const requests = [
        { channel: 'pos', locationId: 'loc_clementi', startDate: from, endDate: to },
        { channel: 'pos', locationId: 'loc_orchard', startDate: from, endDate: to },
        { channel: 'pos', locationId: 'loc_tampines', startDate: from, endDate: to },
        { channel: 'online', locationId: 'all', startDate: from, endDate: to },
        { channel: 'b2b', locationId: 'all', startDate: from, endDate: to },
        { channel: 'pos', locationId: 'all', startDate: '2025-10-01', endDate: '2025-10-12' },
      ];
      const ids = await Promise.all(requests.map((r) => submitSync(system, { businessId, ...r })));
      const results = await Promise.all(ids.map((id) => syncResult(system, id)));

      const failures = await system.database.db.query(
        "SELECT order_id, error FROM sync_request_orders WHERE outcome = 'failed'",
      );
      expect(failures.rows).toEqual([]);
      expect(results.map((r) => r.state)).toEqual(requests.map(() => 'completed'));
      const stats = await expectSyncedExactlyOnce(system, orders);
      // More than a (simulated) minute's worth of calls, so the minute limit had to bind across processes.
      expect(stats.calls.total).toBeGreaterThan(60);
      // Several requests really were in flight at once.
      expect(stats.peakInFlight).toBeGreaterThan(1);
      expect(stats.peakPerMinute).toBeLessThanOrEqual(60);
      expect(stats.peakInFlight).toBeLessThanOrEqual(5);
      expect(stats.rateLimited.total).toBe(0);
    },
    10 * 60_000,
  );
});
