import type { z } from 'zod';
import type { PreviewResult } from '../../src/contract';
import type { Order } from '../../src/orders/schema';
import { generateDemoOrders } from '../../src/orders/seed';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import type { ApiClient } from '../support/api';
import { createBusiness, loadDemoOrders, loadOrders, seedSimContacts, simStats } from '../support/orders';
import { syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

// The API's own answer schema: a changed preview breaks this test at compile time.
type Preview = z.infer<typeof PreviewResult>;

/** Xero write calls the simulator counted for the organisation, by its "METHOD /path" endpoint labels. */
const writes = (byEndpoint: Record<string, number>) =>
  Object.entries(byEndpoint)
    .filter(([endpoint]) => /^(PUT|POST|DELETE)/.test(endpoint))
    .reduce((n, [, c]) => n + c, 0);

describe('previewing a sync request', () => {
  let system: TestSystem;
  let year: Order[];
  beforeAll(async () => {
    system = await startTestSystem('api-preview');
    await createBusiness(system.database.db, 'biz_year');
    year = await loadDemoOrders(system.database.db, {
      businessId: 'biz_year',
      from: '2025-01-01',
      to: '2025-12-31',
      ordersPerDay: 12,
      seed: 7,
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const preview = async (api: ApiClient, body: Record<string, unknown>) => {
    const res = await api.post<Preview>('/api/sync-requests/preview', {
      locationId: 'all',
      contactMapping: { mode: 'auto' },
      ...body,
    });
    expect(res.status).toBe(200);
    return res.body;
  };

  it('reports the call estimate and the quota windows for a year of demo orders, calling no Xero write endpoint', async () => {
    const api = await system.api('biz_year');
    const XERO_DAY_LIMIT = system.cfg.XERO_DAILY_LIMIT;
    const before = await simStats(system.xero.baseUrl);
    const online = year.filter((o) => o.channel === 'online');
    const fresh = await preview(api, { channel: 'online', startDate: '2025-01-01', endDate: '2025-12-31' });
    expect(fresh.orders.total).toBe(online.length);
    expect(fresh.orders.voided).toBe(online.filter((o) => o.status === 'voided').length);
    expect(fresh.orders.toSync).toBe(online.length - fresh.orders.voided);
    const { calls } = fresh.estimate;
    expect(calls.invoices).toBe(Math.ceil(fresh.orders.toSync / 50));
    expect(calls.creditNotes).toBe(Math.ceil(fresh.orders.refunded / 50));
    expect(calls.allocations).toBeLessThanOrEqual(fresh.orders.refunded);
    // A fresh business: every contact is assumed new, and the assumption is stated.
    expect(fresh.estimate.contacts.assumedNew).toBe(fresh.estimate.contacts.distinct);
    expect(fresh.estimate.contacts.assumption).toMatch(/assumed new/);
    // One read of the organisation's facts at the request's start (no order in another currency than the base).
    expect(calls.organisation).toBe(1);
    expect(calls.total).toBe(
      calls.invoices +
        calls.payments +
        calls.creditNotes +
        calls.allocations +
        calls.contacts +
        calls.organisation,
    );
    // A fresh organisation: the full daily limit (less any read the preview itself made) less the reserve.
    // At most two reads: the organisation's facts (GET /Organisation, none read in the last minutes) and the
    // directory's size (one contact of one page).
    const after1 = await simStats(system.xero.baseUrl);
    const previewReads = after1.calls.total - before.calls.total;
    expect(previewReads).toBeLessThanOrEqual(2);
    expect(after1.calls.byEndpoint['GET /Organisation'] ?? 0).toBe(
      (before.calls.byEndpoint['GET /Organisation'] ?? 0) + 1,
    );
    expect(fresh.estimate).toMatchObject({
      dayRemaining: XERO_DAY_LIMIT - previewReads,
      dayLimit: XERO_DAY_LIMIT,
      dailyReserve: 500,
    });
    const today = XERO_DAY_LIMIT - previewReads - 500;
    expect(fresh.estimate.quotaWindows).toBe(
      calls.total <= today ? 1 : 1 + Math.ceil((calls.total - today) / 4500),
    );
    expect(fresh.estimate.etaSeconds).toBeGreaterThanOrEqual(Math.ceil((calls.total * 60) / 55));

    // Xero last told us the organisation has the reserve plus half the job left today: two windows.
    const remaining = 500 + Math.floor(calls.total / 2);
    await system.database.db.query(
      `INSERT INTO xero_tenant_pacing (tenant_id, day_remaining, day_observed_at) VALUES ($1, $2, now())
       ON CONFLICT (tenant_id) DO UPDATE SET day_remaining = $2, day_observed_at = now(), day_reset_at = NULL`,
      [DEMO_TENANT_ID, remaining],
    );
    const busy = await preview(api, { channel: 'online', startDate: '2025-01-01', endDate: '2025-12-31' });
    expect(busy.estimate.dayRemaining).toBe(remaining);
    expect(busy.estimate.calls).toEqual(calls);
    expect(busy.estimate.quotaWindows).toBe(2);
    // A day of waiting at least, since today's 100 calls cannot finish it.
    expect(busy.estimate.etaSeconds).toBeGreaterThan(fresh.estimate.etaSeconds);

    const after = await simStats(system.xero.baseUrl);
    expect(writes(after.calls.byEndpoint)).toBe(writes(before.calls.byEndpoint));
    const { rows } = await system.database.db.query('SELECT count(*)::int AS n FROM sync_requests');
    expect(rows[0].n).toBe(0);
  });

  it('warns of unmapped tax codes and payment methods, contact-name clashes, an archived manual contact and orders already synced', async () => {
    const businessId = 'biz_warn';
    await createBusiness(system.database.db, businessId);
    const orders = [
      ...generateDemoOrders({
        businessId,
        from: '2025-03-01',
        to: '2025-03-02',
        ordersPerDay: 6,
        channel: 'online',
        seed: 9,
      }),
    ];
    // Two orders use the unmapped tax code: the warning says so.
    for (const o of [orders[0]!, orders[4]!]) o.lines = o.lines.map((l) => ({ ...l, taxCode: 'EXEMPT' }));
    orders[4]!.status = 'completed';
    orders[1]!.payments = orders[1]!.payments.map((p) => ({ ...p, method: 'crypto' }));
    orders[1]!.status = 'completed';
    orders[2]!.customer = { name: 'Clash Person', email: null };
    orders[3]!.customer = { name: 'clash  PERSON', email: null };
    orders[2]!.status = orders[3]!.status = 'completed';
    await loadOrders(system.database.db, orders);
    const api = await system.api(businessId);
    await syncToEnd(system, {
      businessId,
      channel: 'online',
      startDate: '2025-03-01',
      endDate: '2025-03-01',
    });
    const { rows } = await system.database.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM order_ledger WHERE business_id = $1 AND status = 'synced'",
      [businessId],
    );

    const statsBefore = await simStats(system.xero.baseUrl);
    // The count sees writes: the sync just made some (so an unchanged count below means none, not blindness).
    expect(writes(statsBefore.calls.byEndpoint)).toBeGreaterThan(0);
    const auto = await preview(api, { channel: 'online', startDate: '2025-03-01', endDate: '2025-03-02' });
    const byCode = Object.fromEntries(auto.warnings.map((w) => [w.code, w]));
    expect(byCode.unmapped_tax_code).toMatchObject({
      count: 1,
      examples: ['EXEMPT'],
      perCode: [{ code: 'EXEMPT', orders: 2 }],
    });
    expect(byCode.unmapped_payment_method).toMatchObject({
      count: 1,
      examples: ['crypto'],
      perCode: [{ code: 'crypto', orders: 1 }],
    });
    expect(byCode.contact_name_clash?.examples[0]).toMatch(/Clash Person/);
    expect(byCode.already_synced).toMatchObject({ count: rows[0]!.n });
    expect(auto.orders.alreadySynced).toBe(rows[0]!.n);
    expect(rows[0]!.n).toBeGreaterThan(0);

    const [archived] = await seedSimContacts(system.xero.baseUrl, DEMO_TENANT_ID, [
      { Name: 'Old Walk-in', ContactStatus: 'ARCHIVED' },
    ]);
    const manual = await preview(api, {
      channel: 'online',
      startDate: '2025-03-01',
      endDate: '2025-03-02',
      contactMapping: { mode: 'manual', contactId: archived!.ContactID },
    });
    expect(manual.warnings).toContainEqual(
      expect.objectContaining({
        code: 'manual_contact_archived',
        message: expect.stringContaining('Old Walk-in'),
      }),
    );
    expect(manual.estimate.calls.contacts).toBe(0);
    const statsAfter = await simStats(system.xero.baseUrl);
    expect(writes(statsAfter.calls.byEndpoint)).toBe(writes(statsBefore.calls.byEndpoint));

    const empty = await preview(api, { channel: 'b2b', startDate: '2024-01-01', endDate: '2024-01-02' });
    expect(empty.warnings.map((w) => w.code)).toEqual(['no_orders']);
    expect(empty.estimate.quotaWindows).toBe(0);
  });

  it('refuses bad preview input like a submit, naming the field', async () => {
    const api = await system.api('biz_year');
    const res = await api.post('/api/sync-requests/preview', {
      channel: 'pos',
      locationId: 'all',
      startDate: '2025-01-31',
      endDate: '2025-01-01',
      contactMapping: { mode: 'auto' },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors)).toMatch(/body\.(startDate|endDate)/);
  });
});
