import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { createBusiness, expectSyncedExactlyOnce, loadDemoOrders } from '../support/orders';
import { syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

// Time is scaled: one simulated Xero minute lasts one real second, and the organisation's daily window is 30
// simulated minutes (30 real seconds) with a 200-call budget, so a year (about 860 calls) needs at least four windows.
const SIM = {
  timeScale: 60,
  dayWindowSeconds: 1800,
  tenants: [
    { tenantId: DEMO_TENANT_ID, name: 'Year Co', limits: { perDay: 200, perMinute: 60, concurrent: 5 } },
  ],
};
const ENV = { XERO_WINDOW_MS: '1000', XERO_DAY_WINDOW_MS: '30000', XERO_QUOTA_PROBE_MS: '3000' };

describe('a year in one request', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('year', { sim: SIM, env: ENV });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'syncs 366 days of 20,000+ POS orders through several daily-quota waits, every order exactly once',
    async () => {
      const businessId = 'biz_year';
      await createBusiness(system.database.db, businessId, { dailyQuotaReserve: 10 });
      const orders = await loadDemoOrders(system.database.db, {
        businessId,
        from: '2024-01-01',
        to: '2024-12-31',
        ordersPerDay: 56,
        channel: 'pos',
      });
      expect(orders.length).toBeGreaterThanOrEqual(20_000);

      const { result } = await syncToEnd(system, {
        businessId,
        channel: 'pos',
        locationId: 'all',
        startDate: '2024-01-01',
        endDate: '2024-12-31',
        contactMapping: { mode: 'auto' },
      });

      expect(result.state).toBe('completed');
      expect(result.counts.found).toBe(orders.length);
      expect(result.quotaWaits).toBeGreaterThanOrEqual(2);
      const stats = await expectSyncedExactlyOnce(system, orders);
      expect(stats.duplicateInvoiceNumbers).toEqual([]);
      expect(stats.duplicateReferences).toEqual([]);
      expect(stats.peakPerMinute).toBeLessThanOrEqual(60);
      expect(stats.peakInFlight).toBeLessThanOrEqual(5);
    },
    20 * 60_000,
  );
});
