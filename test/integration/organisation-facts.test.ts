import type { z } from 'zod';
import type { BusinessView, OrdersPage as OrdersPageSchema, PreviewResult } from '../../src/contract';
import type { Order } from '../../src/orders/schema';
import type { ApiExchange } from '../../src/xero-sim';
import type { ApiClient } from '../support/api';
import {
  businessOnOwnOrganisation,
  expectExactlyOnce,
  loadOrders,
  simInvoices,
  simStats,
} from '../support/orders';
import { syncResult, waitForRequest } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

type Preview = z.infer<typeof PreviewResult>;
type OrdersPage = z.infer<typeof OrdersPageSchema>;
type Business = z.infer<typeof BusinessView>;

/**
 * The organisation's facts (GET /Organisation, GET /Currencies): its lock dates, enabled currencies and plan, read
 * once at each request's start; what Xero would refuse fails before any write; the preview warns; and
 * GET /api/business shows the facts and the daily limit in use with its source.
 */

// Last year's 31 December, from this machine's clock: "locked to 31 December of last year".
const LAST_YEAR = new Date().getUTCFullYear() - 1;
const LOCK = `${LAST_YEAR}-12-31`;
const NEW_YEAR = `${LAST_YEAR + 1}-01`;

function order(businessId: string, n: number, placedAt: string, extra: Partial<Order> = {}): Order {
  return {
    id: `ord_${businessId}_${n}`,
    number: String(1000 + n),
    businessId,
    channel: 'pos',
    location: { id: 'loc_a', name: 'Shop A' },
    customer: null,
    placedAt,
    currency: 'SGD',
    pricesIncludeTax: true,
    lines: [{ description: 'Latte', quantity: 2, unitPrice: '5.50', discount: '0.00', taxCode: 'GST9' }],
    total: '11.00',
    payments: [{ method: 'card', amount: '11.00', paidAt: placedAt }],
    status: 'completed',
    ...extra,
  };
}

/** Every document date of a write the simulator received for the tenant (Invoices, CreditNotes, Payments, Allocations). */
function writtenDates(exchanges: ApiExchange[], tenantId: string): string[] {
  const lists = ['Invoices', 'CreditNotes', 'Payments', 'Allocations'];
  return exchanges
    .filter((e) => e.method !== 'GET' && e.headers['xero-tenant-id'] === tenantId)
    .flatMap((e) => {
      const body = (e.requestBody ?? {}) as Record<string, Array<{ Date?: string }>>;
      return lists.flatMap((key) => (body[key] ?? []).map((d) => String(d.Date)));
    });
}

describe('the organisation’s facts: lock dates, currencies, plan caps and the daily limit', () => {
  let system: TestSystem;
  const exchanges: ApiExchange[] = [];
  beforeAll(async () => {
    system = await startTestSystem('organisation-facts', { sim: { onExchange: (e) => exchanges.push(e) } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const ownOrganisation = (businessId: string, limits?: { perDay: number }) =>
    businessOnOwnOrganisation(system, { businessId, name: businessId, clientPrefix: 'facts', limits });

  const preview = async (api: ApiClient, body: Record<string, unknown>) => {
    const res = await api.post<Preview>('/api/sync-requests/preview', {
      channel: 'pos',
      locationId: 'all',
      contactMapping: { mode: 'auto' },
      ...body,
    });
    expect(res.status).toBe(200);
    return res.body;
  };

  const submit = async (api: ApiClient, body: Record<string, unknown>) => {
    const res = await api.post<{ id: string }>('/api/sync-requests', {
      channel: 'pos',
      locationId: 'all',
      contactMapping: { mode: 'auto' },
      ...body,
    });
    expect(res.status).toBe(202);
    return res.body.id;
  };

  const failedOrders = async (api: ApiClient, id: string) =>
    (await api.get<OrdersPage>(`/api/sync-requests/${id}/orders?status=failed&limit=100`)).body.items;

  const calls = async (tenantId: string, endpoint: string) =>
    (await simStats(system.xero.baseUrl, tenantId)).calls.byEndpoint[endpoint] ?? 0;

  it(`an organisation locked to ${LOCK}: the preview counts the locked orders, they fail before any write naming the date, every other order is synced once; moved, the retry writes them`, async () => {
    const businessId = 'biz_locked';
    const tenantId = await ownOrganisation(businessId);
    system.xero.sim.setOrganisation(tenantId, { endOfYearLockDate: LOCK });
    const at = (day: string, time = '10:00') => `${day}T${time}:00+08:00`;
    const orders = [
      order(businessId, 1, at(`${LAST_YEAR}-12-29`)),
      // On the lock date itself: locked ("on and before").
      order(businessId, 2, at(LOCK, '23:30')),
      // Ten past midnight on 1 January in Singapore, still 31 December in UTC: the local date counts.
      order(businessId, 3, at(`${NEW_YEAR}-01`, '00:10')),
      // Sold before the lock date, refunded after it: the whole order waits (its invoice cannot be written).
      order(businessId, 4, at(`${LAST_YEAR}-12-30`), {
        status: 'refunded',
        refund: { amount: '11.00', refundedAt: at(`${NEW_YEAR}-02`) },
      }),
      // Sold after the lock date, paid (a deposit) before it: the payment would be refused, so the order waits.
      order(businessId, 5, at(`${NEW_YEAR}-02`), {
        payments: [{ method: 'card', amount: '11.00', paidAt: at(`${LAST_YEAR}-12-31`) }],
      }),
      order(businessId, 6, at(`${NEW_YEAR}-02`), {
        status: 'refunded',
        refund: { amount: '11.00', refundedAt: at(`${NEW_YEAR}-03`) },
      }),
      order(businessId, 7, at(`${NEW_YEAR}-01`, '12:00')),
      order(businessId, 8, at(`${NEW_YEAR}-03`)),
      order(businessId, 9, at(`${LAST_YEAR}-12-28`), { status: 'voided', payments: [] }),
    ];
    await loadOrders(system.database.db, orders);
    const locked = [1, 2, 4, 5].map((n) => `ord_${businessId}_${n}`);
    const written = orders.filter((o) => o.status !== 'voided' && !locked.includes(o.id));
    const api = await system.api(businessId);
    const range = { startDate: `${LAST_YEAR}-12-28`, endDate: `${NEW_YEAR}-03` };

    const seen = await preview(api, range);
    const warning = seen.warnings.find((w) => w.code === 'locked_period');
    expect(warning).toMatchObject({ count: locked.length });
    expect(warning?.message).toContain(`31 Dec ${LAST_YEAR}`);
    expect(seen.estimate.calls.organisation).toBe(1);

    const id = await submit(api, range);
    const done = await syncResult(system, id);
    expect(done.state).toBe('completed_with_errors');
    expect(done.counts).toMatchObject({ failed: locked.length, synced: written.length, skipped: 1 });
    const failed = await failedOrders(api, id);
    expect(failed.map((o) => o.orderId).sort()).toEqual([...locked].sort());
    for (const o of failed) {
      expect(o.message).toContain(`Xero's end of year lock date 31 Dec ${LAST_YEAR}`);
      expect(o.message).toContain('ask your adviser to move the lock date in Xero');
      expect(o.message).toContain('retry the failed orders');
    }
    // Nothing dated on or before the lock date was even sent: not an invoice, credit note, payment or allocation.
    const dates = writtenDates(exchanges, tenantId);
    expect(dates.length).toBeGreaterThan(0);
    expect(dates.filter((d) => !(d > LOCK))).toEqual([]);
    expectExactlyOnce(written, await simInvoices(system.xero.baseUrl, tenantId));
    // The preview and the request each read the organisation once; no currency but the base: no GET /Currencies.
    expect(await calls(tenantId, 'GET /Organisation')).toBe(2);
    expect(await calls(tenantId, 'GET /Currencies')).toBe(0);

    // The adviser moves the lock date back: the retry of the failed orders writes them, each once.
    system.xero.sim.setOrganisation(tenantId, { endOfYearLockDate: `${LAST_YEAR}-11-30` });
    const retry = await api.post<{ id: string }>(`/api/sync-requests/${id}/retry-failed`);
    expect(retry.status).toBe(202);
    expect(await syncResult(system, retry.body.id)).toMatchObject({
      state: 'completed',
      counts: { synced: locked.length },
    });
    expectExactlyOnce(
      orders.filter((o) => o.status !== 'voided'),
      await simInvoices(system.xero.baseUrl, tenantId),
    );
  });

  it('a request whose start cannot ask Xero (it answers 503) reads the facts at its first orders step, and still writes nothing into the locked period', async () => {
    const businessId = 'biz_locked_late';
    const tenantId = await ownOrganisation(businessId);
    system.xero.sim.setOrganisation(tenantId, { endOfYearLockDate: LOCK });
    const orders = [
      order(businessId, 1, `${LOCK}T10:00:00+08:00`),
      order(businessId, 2, `${NEW_YEAR}-02T10:00:00+08:00`),
    ];
    await loadOrders(system.database.db, orders);
    const api = await system.api(businessId);
    system.xero.sim.setFaults([{ tenantId, errorRate: 1, errorStatus: 503 }]);
    const id = await submit(api, { startDate: `${LAST_YEAR}-12-31`, endDate: `${NEW_YEAR}-02` });
    // The start has recorded its plan (the organisation could not be read), then Xero answers again.
    await waitForRequest(system, businessId, id, (detail) => detail.plannedCalls !== null);
    const answered = () =>
      exchanges.filter(
        (e) => e.headers['xero-tenant-id'] === tenantId && e.path === '/Organisation' && e.status === 200,
      ).length;
    expect(await calls(tenantId, 'GET /Organisation')).toBeGreaterThan(0);
    expect(answered()).toBe(0);
    system.xero.sim.setFaults([]);
    expect(await syncResult(system, id)).toMatchObject({
      state: 'completed_with_errors',
      counts: { failed: 1, synced: 1 },
    });
    const [failed] = await failedOrders(api, id);
    expect(failed?.message).toContain(`lock date 31 Dec ${LAST_YEAR}`);
    expect(writtenDates(exchanges, tenantId).filter((d) => !(d > LOCK))).toEqual([]);
    expect(answered()).toBe(1);
  });

  it('payments still to write for orders already in Xero are not sent into a locked period: the orders fail, and the retry after the lock moves writes them once', async () => {
    const businessId = 'biz_locked_followups';
    const tenantId = await ownOrganisation(businessId);
    const orders = [1, 2, 3].map((n) => order(businessId, n, `${LAST_YEAR}-12-2${n}T10:00:00+08:00`));
    await loadOrders(system.database.db, orders);
    const api = await system.api(businessId);
    const range = { startDate: `${LAST_YEAR}-12-21`, endDate: `${LAST_YEAR}-12-23` };
    // First the invoices alone (payments not recorded), before any lock date.
    const first = await submit(api, { ...range, options: { recordPayments: false } });
    expect(await syncResult(system, first)).toMatchObject({ state: 'completed', counts: { synced: 3 } });

    system.xero.sim.setOrganisation(tenantId, { endOfYearLockDate: LOCK });
    const second = await submit(api, range);
    expect(await syncResult(system, second)).toMatchObject({
      state: 'completed_with_errors',
      counts: { failed: 3 },
    });
    for (const o of await failedOrders(api, second))
      expect(o.message).toMatch(/whose invoice is already in Xero: a payment is dated .* lock date 31 Dec/);
    expect(await calls(tenantId, 'PUT /Payments')).toBe(0);

    system.xero.sim.setOrganisation(tenantId, { endOfYearLockDate: null });
    const retry = await api.post<{ id: string }>(`/api/sync-requests/${second}/retry-failed`);
    expect(await syncResult(system, retry.body.id)).toMatchObject({
      state: 'completed',
      counts: { failed: 0 },
    });
    expectExactlyOnce(orders, await simInvoices(system.xero.baseUrl, tenantId));
  });

  it('an order in a currency the organisation has not enabled fails before any write and the preview warns; an enabled foreign currency is sent with its code', async () => {
    const businessId = 'biz_currencies';
    const tenantId = await ownOrganisation(businessId);
    system.xero.sim.setOrganisation(tenantId, { currencies: ['USD'] });
    const orders = [
      order(businessId, 1, '2026-04-01T10:00:00+08:00'),
      order(businessId, 2, '2026-04-01T11:00:00+08:00', { currency: 'USD' }),
      order(businessId, 3, '2026-04-01T12:00:00+08:00', { currency: 'EUR' }),
    ];
    await loadOrders(system.database.db, orders);
    const api = await system.api(businessId);
    const range = { startDate: '2026-04-01', endDate: '2026-04-01' };

    const seen = await preview(api, range);
    expect(seen.warnings.find((w) => w.code === 'currency_not_enabled')).toMatchObject({
      count: 1,
      examples: ['EUR: 1 order(s)'],
    });
    expect(seen.estimate.calls.organisation).toBe(2);

    const id = await submit(api, range);
    expect(await syncResult(system, id)).toMatchObject({
      state: 'completed_with_errors',
      counts: { failed: 1, synced: 2 },
    });
    const [failed] = await failedOrders(api, id);
    expect(failed).toMatchObject({ orderId: `ord_${businessId}_3` });
    expect(failed?.message).toMatch(
      /does not have EUR enabled: ask your adviser to add the currency in Xero/,
    );
    const sent = exchanges.filter((e) => e.headers['xero-tenant-id'] === tenantId && e.path === '/Invoices');
    expect(JSON.stringify(sent.map((e) => e.requestBody))).not.toContain('EUR');
    const invoices = await simInvoices(system.xero.baseUrl, tenantId);
    expect(invoices.map((i) => (i as unknown as { CurrencyCode: string }).CurrencyCode).sort()).toEqual([
      'SGD',
      'USD',
    ]);
    // The request read its facts once each, and its plan counted those reads.
    expect(await calls(tenantId, 'GET /Currencies')).toBe(2);
    const detail = await api.get<{ xeroCalls: number; plannedCalls: number }>(`/api/sync-requests/${id}`);
    expect(detail.body.plannedCalls).toBe(detail.body.xeroCalls);
  });

  it('a plan with a monthly invoice cap gets a preview warning with the numbers, per month; past the cap Xero refuses', async () => {
    const businessId = 'biz_starter';
    const tenantId = await ownOrganisation(businessId);
    system.xero.sim.setOrganisation(tenantId, { class: 'STARTER' });
    const orders = [
      ...Array.from({ length: 25 }, (_, i) =>
        order(businessId, i, `2026-03-${String(1 + i).padStart(2, '0')}T10:00:00+08:00`),
      ),
      ...[1, 2, 3].map((d) => order(businessId, 100 + d, `2026-04-0${d}T10:00:00+08:00`)),
    ];
    await loadOrders(system.database.db, orders);
    const api = await system.api(businessId);
    const range = { startDate: '2026-03-01', endDate: '2026-04-03' };

    const seen = await preview(api, range);
    const cap = seen.warnings.find((w) => w.code === 'plan_invoice_cap');
    expect(cap).toMatchObject({
      count: 5,
      examples: ['2026-03: 25 of 20', '2026-04: 3 of 20'],
      months: [
        { month: '2026-03', invoices: 25, cap: 20 },
        { month: '2026-04', invoices: 3, cap: 20 },
      ],
    });
    expect(cap?.message).toMatch(
      /STARTER plan.*at most 20.*already in Xero for those months are not counted/,
    );
    // Drafts are not capped.
    const drafts = await preview(api, { ...range, options: { invoiceStatus: 'DRAFT' } });
    expect(drafts.warnings.map((w) => w.code)).not.toContain('plan_invoice_cap');

    const id = await submit(api, range);
    expect(await syncResult(system, id)).toMatchObject({ counts: { synced: 23, failed: 5 } });
    for (const o of await failedOrders(api, id))
      expect(o.message).toContain('You have reached the limit of invoices you can approve.');
  });

  it('in daily-summary mode the plan-cap warning counts the summaries a month would approve, not the orders', async () => {
    const businessId = 'biz_starter_summary';
    const tenantId = await ownOrganisation(businessId);
    system.xero.sim.setOrganisation(tenantId, { class: 'STARTER' });
    // 30 orders on 3 days at 2 shops: 30 invoices per order, 6 summaries.
    const orders = Array.from({ length: 30 }, (_, i) =>
      order(businessId, i, `2026-03-0${1 + (i % 3)}T1${i % 10}:00:00+08:00`, {
        location: i % 2 ? { id: 'loc_a', name: 'Shop A' } : { id: 'loc_b', name: 'Shop B' },
      }),
    );
    await loadOrders(system.database.db, orders);
    const api = await system.api(businessId);
    const range = { startDate: '2026-03-01', endDate: '2026-03-03' };
    const perOrder = await preview(api, { ...range, options: { posting: 'per-order' } });
    expect(perOrder.warnings.find((w) => w.code === 'plan_invoice_cap')).toMatchObject({
      count: 10,
      months: [{ month: '2026-03', invoices: 30, cap: 20 }],
    });
    const summary = await preview(api, { ...range, options: { posting: 'daily-summary' } });
    expect(summary.warnings.find((w) => w.code === 'plan_invoice_cap')).toMatchObject({
      count: 0,
      months: [{ month: '2026-03', invoices: 6, cap: 20 }],
    });
    expect(summary.posting.modes.find((m) => m.mode === 'daily-summary')?.estimate?.invoices).toBe(6);
  });

  it('GET /api/business shows the daily limit in use and its source (default, Xero’s headers, the setting), and the facts with when they were read', async () => {
    const businessId = 'biz_limits';
    const tenantId = await ownOrganisation(businessId, { perDay: 1000 });
    system.xero.sim.setOrganisation(tenantId, { periodLockDate: LOCK, class: 'IGNITE' });
    await loadOrders(system.database.db, [order(businessId, 1, '2026-05-01T10:00:00+08:00')]);
    const api = await system.api(businessId);
    const business = async () => (await api.get<Business>('/api/business')).body;

    expect(await business()).toMatchObject({
      dailyLimit: { calls: system.cfg.XERO_DAILY_LIMIT, source: 'default' },
      organisation: null,
    });

    // A settings check that asks Xero also reads the organisation's facts (and its currencies).
    const before = Date.now();
    const patched = await api.request('PATCH', '/api/business/settings', {
      body: { salesAccountCode: '260' },
    });
    expect(patched.status).toBe(200);
    const read = await business();
    expect(read.dailyLimit).toEqual({ calls: 1000, source: 'xero-headers' });
    expect(read.organisation).toMatchObject({
      baseCurrency: 'SGD',
      currencies: ['SGD', 'USD'],
      planClass: 'IGNITE',
      monthlyInvoiceCap: 20,
      periodLockDate: LOCK,
      endOfYearLockDate: null,
      lockDate: LOCK,
    });
    expect(Date.parse(read.organisation!.readAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(await calls(tenantId, 'GET /Currencies')).toBe(1);

    // The preview says the same, and reuses facts read minutes ago rather than asking again.
    const organisationReads = await calls(tenantId, 'GET /Organisation');
    const seen = await preview(api, { startDate: '2026-05-01', endDate: '2026-05-01' });
    expect(seen.estimate.dailyLimit).toEqual({ calls: 1000, source: 'xero-headers' });
    expect(await calls(tenantId, 'GET /Organisation')).toBe(organisationReads);

    const limited = await api.request('PATCH', '/api/business/settings', { body: { dailyCallLimit: 800 } });
    expect(limited.status).toBe(200);
    expect((await business()).dailyLimit).toEqual({ calls: 800, source: 'setting' });
    const again = await preview(api, { startDate: '2026-05-01', endDate: '2026-05-01' });
    expect(again.estimate.dailyLimit).toEqual({ calls: 800, source: 'setting' });
    expect(again.estimate.dayLimit).toBe(800);
  });
});
