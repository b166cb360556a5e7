import {
  createBusiness,
  expectExactlyOnce,
  loadOrders,
  newCustomersDay,
  simInvoices,
  simStats,
} from '../support/orders';
import { requestDetail, syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * At Xero's real pacing: the real 60-second minute window (no time scaling), the service's default 55 calls a
 * minute and default timeouts. One day of 60 online orders from 60 customers Xero has never seen must take at
 * most 8 calls (the organisation's facts, 1 contact read: the directory's first page holds it all, 2 contact
 * creates of up to 50, 2 invoice writes, 2 payment writes), and no step may time out while it waits for the
 * pacer. It asserts the calls and the history, not the time taken
 * (`npm run bench` measures that).
 */
describe('real pacing', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('real-pacing');
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('syncs a day of 60 orders from 60 new customers in at most 8 calls, with no activity timeout', async () => {
    expect(system.cfg.XERO_WINDOW_MS).toBe(60_000);
    const businessId = 'biz_pacing';
    await createBusiness(system.database.db, businessId);
    const orders = newCustomersDay(businessId, 'pace');
    await loadOrders(system.database.db, orders);
    const before = (await simStats(system.xero.baseUrl)).calls.total;

    const { id, result } = await syncToEnd(system, {
      businessId,
      channel: 'online',
      startDate: '2026-02-02',
      endDate: '2026-02-02',
    });

    expect(result.state).toBe('completed');
    expect(result.counts.synced).toBe(60);
    const stats = await simStats(system.xero.baseUrl);
    expect(stats.calls.total - before).toBeLessThanOrEqual(8);
    expect(stats.rateLimited.total).toBe(0);
    expect(stats.stored.contacts).toBeGreaterThanOrEqual(60);
    expectExactlyOnce(orders, await simInvoices(system.xero.baseUrl));
    const { events } = await system.temporal.client.workflow.getHandle(id).fetchHistory();
    const types = (events ?? []).map((e) => String(e.eventType));
    expect(types.filter((t) => /TIMED_OUT/.test(t))).toEqual([]);
    expect(types.filter((t) => /ACTIVITY_TASK_FAILED/.test(t))).toEqual([]);
    // The progress the API serves says what happened: every call counted.
    const detail = await requestDetail(system, businessId, id);
    expect(detail).toMatchObject({ xeroCalls: stats.calls.total - before, state: 'completed' });
    // The send rate the ETA goes by (issue 24), measured at the real window: every start counted (no gap of two
    // minute windows in this run), and never faster than the minute budget's pace.
    const { rows } = await system.database.db.query<{ xero_tenant_id: string }>(
      'SELECT xero_tenant_id FROM businesses WHERE id = $1',
      [businessId],
    );
    const rate = (await system.deps.limiter.dailyQuota(rows[0]!.xero_tenant_id)).sendRate!;
    expect(rate.calls).toBe(stats.calls.total - before - 1);
    expect(rate.ms).toBeGreaterThanOrEqual((rate.calls * 60_000) / system.cfg.XERO_MINUTE_BUDGET - 50);
  }, 180_000);
});
