import type { z } from 'zod';
import type { PreviewResult, SummariesPage } from '../../src/contract';
import { parseDecimal, sumDecimal } from '../../src/money';
import type { Order } from '../../src/orders/schema';
import { generateDemoOrders } from '../../src/orders/seed';
import { localDateOf } from '../../src/calendar';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import type { ApiClient } from '../support/api';
import {
  businessOnOwnOrganisation,
  createBusiness,
  loadDemoOrders,
  loadOrders,
  seedSimContacts,
  simStats,
} from '../support/orders';
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

  it('compares both posting modes for the same range: a year of POS as daily summaries takes fewer invoices and payments; online with auto contacts refuses a summary with the reason', async () => {
    const api = await system.api('biz_year');
    const range = { channel: 'pos', startDate: '2025-01-01', endDate: '2025-12-31' };
    const summary = await preview(api, { ...range, options: { posting: 'daily-summary' } });
    const perOrder = await preview(api, { ...range, options: { posting: 'per-order' } });
    expect(summary.posting.mode).toBe('daily-summary');
    expect(perOrder.posting.mode).toBe('per-order');
    // Both previews show the same two modes side by side.
    expect(summary.posting.modes).toEqual(perOrder.posting.modes);
    const [byOrder, byDay] = summary.posting.modes;
    expect(byOrder!.mode).toBe('per-order');
    expect(byDay!.mode).toBe('daily-summary');
    const pos = year.filter((o) => o.channel === 'pos' && o.status !== 'voided');
    // One summary per location, local day, currency and tax mode that had live orders.
    const keys = new Set(
      pos.map((o) =>
        [o.location.id, localDateOf(o.placedAt, 'Asia/Singapore'), o.currency, o.pricesIncludeTax].join(),
      ),
    );
    expect(byDay!.estimate).toMatchObject({ orders: pos.length, invoices: keys.size });
    expect(byOrder!.estimate).toMatchObject({ orders: pos.length, invoices: pos.length });
    // About 3 orders a location a day here: a third of the invoices; payments one per method per day, fewer too.
    expect(keys.size).toBeLessThan(pos.length / 2);
    expect(byDay!.estimate!.payments).toBeLessThan(byOrder!.estimate!.payments);
    // (Their calls are compared by the bench's DS rows, at a POS chain's volume: here a day has few orders.)
    // The request's own estimate is its mode's.
    expect(summary.estimate.calls.total).toBe(byDay!.estimate!.calls);
    expect(perOrder.estimate.calls.total).toBe(byOrder!.estimate!.calls);
    // As the engine writes them: 50 to a call, a day's summaries at a time (so some batches take 50 and a few).
    const batches = Math.ceil(keys.size / 50);
    expect(summary.estimate.calls.invoices).toBeGreaterThanOrEqual(batches);
    expect(summary.estimate.calls.invoices).toBeLessThanOrEqual(2 * batches);
    expect(summary.orders.toSync).toBe(pos.length);
    expect(byDay!.skipped.count).toBe(0);

    const online = await preview(api, { channel: 'online', startDate: '2025-01-01', endDate: '2025-01-31' });
    const refused = online.posting.modes.find((m) => m.mode === 'daily-summary')!;
    expect(refused.estimate).toBeNull();
    expect(refused.refusal).toMatch(/one contact for the whole day/);
    const asked = await api.post('/api/sync-requests/preview', {
      channel: 'online',
      locationId: 'all',
      startDate: '2025-01-01',
      endDate: '2025-01-31',
      contactMapping: { mode: 'auto' },
      options: { posting: 'daily-summary' },
    });
    expect(asked.status).toBe(400);
    expect(JSON.stringify(asked.body.errors)).toMatch(
      /body\.options\.posting.*one contact for the whole day/,
    );
  });

  it('says how many orders of the range a summary skips because a per-order request already sent them', async () => {
    const businessId = 'biz_skip';
    await createBusiness(system.database.db, businessId);
    await loadDemoOrders(system.database.db, {
      businessId,
      from: '2025-05-01',
      to: '2025-05-04',
      ordersPerDay: 8,
      seed: 12,
    });
    await syncToEnd(system, { businessId, channel: 'pos', startDate: '2025-05-01', endDate: '2025-05-01' });
    const { rows } = await system.database.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM order_ledger WHERE business_id = $1 AND status = 'synced'",
      [businessId],
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    const api = await system.api(businessId);
    const p = await preview(api, {
      channel: 'pos',
      startDate: '2025-05-01',
      endDate: '2025-05-04',
      options: { posting: 'daily-summary' },
    });
    const byDay = p.posting.modes.find((m) => m.mode === 'daily-summary')!;
    expect(byDay.skipped.count).toBe(rows[0]!.n);
    expect(byDay.skipped.reason).toMatch(/already in Xero as their own invoices/);
    expect(p.orders.toSync).toBe(p.orders.total - p.orders.voided - rows[0]!.n);
  });

  it('a daily-summary request makes the Xero calls its preview estimated, and its detail lists its summaries with their orders', async () => {
    // Its own organisation: no contact another test created there, so the estimate's new contacts are new.
    const businessId = 'biz_summary_calls';
    const tenantId = await businessOnOwnOrganisation(system, {
      businessId,
      name: 'Summary calls',
      clientPrefix: 'preview',
    });
    const orders = await loadDemoOrders(system.database.db, {
      businessId,
      from: '2025-06-01',
      to: '2025-07-15',
      ordersPerDay: 10,
      seed: 13,
    });
    const api = await system.api(businessId);
    const range = { channel: 'pos', startDate: '2025-06-01', endDate: '2025-07-15' };
    const body = { ...range, options: { posting: 'daily-summary' } };
    const estimate = await preview(api, body);
    // Per order, the same range takes another number of calls (so the request's plan below is the summaries').
    expect(estimate.posting.modes[0]!.estimate!.calls).not.toBe(estimate.estimate.calls.total);
    const before = await simStats(system.xero.baseUrl, tenantId);
    const { id } = await syncToEnd(system, { businessId, ...body });
    const after = await simStats(system.xero.baseUrl, tenantId);
    expect(after.calls.total - before.calls.total).toBe(estimate.estimate.calls.total);
    // The request planned the same calls at its start (its progress and ETA count from there).
    const detail = await api.get<{ plannedCalls: number; xeroCalls: number }>(`/api/sync-requests/${id}`);
    expect(detail.body.plannedCalls).toBe(estimate.estimate.calls.total);
    expect(detail.body.xeroCalls).toBe(estimate.estimate.calls.total);

    const live = orders.filter((o) => o.channel === 'pos' && o.status !== 'voided');
    const all: SummariesPage['items'] = [];
    for (let cursor = ''; ;) {
      const page = await api.get<SummariesPage>(`/api/sync-requests/${id}/summaries?limit=100${cursor}`);
      expect(page.status).toBe(200);
      all.push(...page.body.items);
      if (!page.body.nextCursor) break;
      cursor = `&cursor=${page.body.nextCursor}`;
    }
    const invoices = all.filter((s) => s.kind === 'invoice');
    expect(invoices.length).toBe(estimate.posting.modes[1]!.estimate!.invoices);
    // Every live order in exactly one summary, whose total is its orders' sum, as Xero holds it.
    expect(invoices.flatMap((s) => s.orders.map((o) => o.orderId)).sort()).toEqual(
      live.map((o) => o.id).sort(),
    );
    for (const s of invoices) {
      expect(s).toMatchObject({ state: 'done', difference: null, xeroTotal: s.total });
      expect(s.xeroId).toEqual(expect.any(String));
      expect(parseDecimal(s.total)).toBe(sumDecimal(s.orders.map((o) => parseDecimal(o.total!))));
    }
    // Each synced order names the summary holding it (the page links it there).
    const results = await api.get<{ items: Array<{ orderId: string; invoiceNumber: string | null }> }>(
      `/api/sync-requests/${id}/orders?status=synced&limit=100`,
    );
    const holder = new Map(invoices.flatMap((s) => s.orders.map((o) => [o.orderId, s.number] as const)));
    for (const r of results.body.items) expect(r.invoiceNumber).toBe(holder.get(r.orderId));
    // Pages: one summary at a time, in day order.
    const first = await api.get<SummariesPage>(`/api/sync-requests/${id}/summaries?limit=1`);
    const second = await api.get<SummariesPage>(
      `/api/sync-requests/${id}/summaries?limit=1&cursor=${first.body.nextCursor}`,
    );
    expect([first.body.items[0]!.number, second.body.items[0]!.number]).toEqual(
      all.slice(0, 2).map((s) => s.number),
    );
    const forged = await api.get(`/api/sync-requests/${id}/summaries?cursor=bm90IGpzb24`);
    expect(forged.status).toBe(400);
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
