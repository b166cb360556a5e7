import { createBusiness, loadDemoOrders, simCreditNotes, simStats } from '../support/orders';
import { summaryEstimateOf, syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Issue 23's calls: a daily-summary request writes its payments and its credit notes' refund payments 50 to a
 * `PUT /Payments`, many summaries' and many credit notes' in one call (never one call per credit note), and only
 * the walk's end sends a short batch. No faults here, so every call the simulator counts is one the engine meant.
 */

describe('daily summaries: payments batched across summaries and credit notes', () => {
  let system: TestSystem;
  const businessId = 'biz_summary_batches';
  beforeAll(async () => {
    system = await startTestSystem('summary-batches', { sim: { timeScale: 60, seed: 7 } });
    await createBusiness(system.database.db, businessId, { dailyQuotaReserve: 10 });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'three months of POS at three locations with several refund days: PUT /Payments calls are ⌈payments/50⌉ + ⌈refund payments/50⌉',
    async () => {
      await loadDemoOrders(system.database.db, {
        businessId,
        from: '2024-01-01',
        to: '2024-03-31',
        ordersPerDay: 12,
        channel: 'pos',
        seed: 5,
      });
      const { work, calls: estimated } = await summaryEstimateOf(system, businessId, {
        startDate: '2024-01-01',
        endDate: '2024-03-31',
      });
      const before = await simStats(system.xero.baseUrl);
      const { result } = await syncToEnd(system, {
        businessId,
        channel: 'pos',
        locationId: 'all',
        startDate: '2024-01-01',
        endDate: '2024-03-31',
        contactMapping: { mode: 'auto' as const },
        options: { posting: 'daily-summary' },
      });
      expect(result.state).toBe('completed');
      const after = await simStats(system.xero.baseUrl);
      const calls = (endpoint: string) =>
        (after.calls.byEndpoint[endpoint] ?? 0) - (before.calls.byEndpoint[endpoint] ?? 0);

      // Several credit notes with refund payments: the case that once took a call per credit note.
      const notes = await simCreditNotes(system.xero.baseUrl);
      const refunding = notes.filter((n) => (n as { Payments?: unknown[] }).Payments?.length);
      expect(refunding.length).toBeGreaterThan(3);
      expect(work.refunds).toBeGreaterThanOrEqual(refunding.length);
      const expected = Math.ceil(work.payments / 50) + Math.ceil(work.refunds / 50);
      expect(calls('PUT /Payments') + calls('POST /Payments')).toBe(expected);
      expect(calls('PUT /Invoices') + calls('POST /Invoices')).toBe(Math.ceil(work.summaries / 50));
      // The preview's count of the payment calls is what the engine made.
      expect(estimated.payments).toBe(expected);
    },
    10 * 60_000,
  );
});
