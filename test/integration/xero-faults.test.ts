import { createBusiness, expectSyncedExactlyOnce, loadDemoOrders } from '../support/orders';
import { syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

describe('Xero faults', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('faults', {
      sim: {
        timeScale: 60,
        seed: 11,
        faults: [
          { errorRate: 0.08, errorStatus: 503 },
          { latencyMs: 40 },
          { writesOnly: true, dropAfterCommitRate: 0.12 },
          { rateLimitStormRate: 0.03, stormRetryAfterSeconds: 1 },
        ],
      },
      env: { XERO_WINDOW_MS: '1000', XERO_REQUEST_TIMEOUT_MS: '5000' },
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'keeps every order and payment exactly once through 5xx, latency, commit-then-drop and 429 storms',
    async () => {
      const businessId = 'biz_faults';
      await createBusiness(system.database.db, businessId);
      const orders = await loadDemoOrders(system.database.db, {
        businessId,
        from: '2025-02-01',
        to: '2025-02-14',
        ordersPerDay: 70,
        channel: 'pos',
        seed: 3,
      });
      const { result } = await syncToEnd(system, {
        businessId,
        channel: 'pos',
        locationId: 'all',
        startDate: '2025-02-01',
        endDate: '2025-02-14',
        contactMapping: { mode: 'auto' },
      });

      expect(result.state).toBe('completed');
      const stats = await expectSyncedExactlyOnce(system, orders);
      // The faults really happened: 5xx answers and dropped connections were part of this run.
      expect(stats.calls.byStatus['503'] ?? 0).toBeGreaterThan(0);
      expect(stats.duplicateReferences).toEqual([]);
    },
    10 * 60_000,
  );
});
