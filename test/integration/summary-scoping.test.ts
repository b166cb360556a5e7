import { importOrdersFile } from '../../src/orders/import';
import type { Order } from '../../src/orders/schema';
import type { PreviewResult } from '../../src/contract';
import { parseDecimal, sumDecimal } from '../../src/money';
import { localDateOf } from '../../src/calendar';
import { businessOnOwnOrganisation, createBusiness, loadDemoOrders, ndjsonFile } from '../support/orders';
import { requestDetail, submitSync, syncToEnd } from '../support/requests';
import type { SyncRequestBody } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Two businesses with the same days and the same order ids (one seed), posted as daily summaries (issue 23): each
 * business's range statistics, preview, refusals and request detail count its own summaries only. And a per-order
 * request whose only work is the changes of summarised orders has nothing to send (a per-order request never
 * touches a summary; docs/revisions.md "Later changes of summarised orders").
 */

const TZ = 'Asia/Singapore';
const DAYS = { startDate: '2025-06-02', endDate: '2025-06-03' };
const DAY1 = DAYS.startDate;
const A = 'biz_scope_a';
const B = 'biz_scope_b';

const live = (orders: Order[], day?: string) =>
  orders.filter((o) => o.status !== 'voided' && (!day || localDateOf(o.placedAt, TZ) === day));
/** The summary invoices these orders make: one per location and local day. */
const summaryKeys = (orders: Order[]) =>
  new Set(live(orders).map((o) => `${o.location.id} ${localDateOf(o.placedAt, TZ)}`)).size;

describe('daily summaries of two businesses with the same days and order ids', () => {
  let system: TestSystem;
  let ordersA: Order[] = [];
  let ordersB: Order[] = [];
  beforeAll(async () => {
    system = await startTestSystem('summary-scoping', { sim: { timeScale: 60, seed: 31 } });
    await createBusiness(system.database.db, A, { dailyQuotaReserve: 10 });
    // Its own organisation: the two businesses' summaries have the same numbers.
    await businessOnOwnOrganisation(system, {
      businessId: B,
      name: 'Scope B',
      clientPrefix: 'scope-b',
      settings: { dailyQuotaReserve: 10 },
    });
    const days = {
      from: DAYS.startDate,
      to: DAYS.endDate,
      ordersPerDay: 6,
      channel: 'pos' as const,
      seed: 9,
    };
    ordersA = await loadDemoOrders(system.database.db, { businessId: A, ...days });
    ordersB = await loadDemoOrders(system.database.db, { businessId: B, ...days });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const body = (businessId: string, posting: string, endDate = DAYS.endDate): SyncRequestBody => ({
    businessId,
    channel: 'pos',
    locationId: 'all',
    startDate: DAYS.startDate,
    endDate,
    contactMapping: { mode: 'auto' },
    options: { posting },
  });
  async function preview(request: SyncRequestBody): Promise<PreviewResult> {
    const res = await (
      await system.api(request.businessId)
    ).post<PreviewResult>('/api/sync-requests/preview', request);
    expect(res.status).toBe(200);
    return res.body;
  }
  const skipped = (p: PreviewResult, mode: string) => p.posting.modes.find((m) => m.mode === mode)!.skipped;

  let summaryA = '';

  it(
    "one business's summaries count in its own range statistics, preview, refusals and detail only",
    async () => {
      expect(ordersA.map((o) => o.id)).toEqual(ordersB.map((o) => o.id));
      const first = await syncToEnd(system, body(A, 'daily-summary'));
      expect(first.result.state).toBe('completed');
      summaryA = first.id;

      // B has nothing in Xero: A's summaries of the same days and order ids are not B's.
      const previewB = await preview(body(B, 'daily-summary'));
      expect(previewB.orders).toMatchObject({ alreadySynced: 0, toSync: live(ordersB).length });
      expect(skipped(previewB, 'per-order').count).toBe(0);
      const previewA = await preview(body(A, 'per-order'));
      expect(previewA.orders).toMatchObject({ alreadySynced: live(ordersA).length, toSync: 0 });
      expect(skipped(previewA, 'per-order').count).toBe(live(ordersA).length);

      // B's first day only: each business's detail counts its own summaries.
      const second = await syncToEnd(system, body(B, 'daily-summary', DAY1));
      expect(second.result.state).toBe('completed');
      const dayOne = live(ordersB, DAY1);
      expect((await requestDetail(system, B, second.id)).summaries).toMatchObject({
        invoices: summaryKeys(dayOne),
        failed: 0,
      });
      expect((await requestDetail(system, A, summaryA)).summaries).toMatchObject({
        invoices: summaryKeys(ordersA),
        failed: 0,
      });
      const listed = await (
        await system.api(B)
      ).get<{ items: Array<{ orders: unknown[] }> }>(`/api/sync-requests/${second.id}/summaries?limit=100`);
      expect(listed.body.items.flatMap((s) => s.orders)).toHaveLength(dayOne.length);

      // B's second day is still to send, though A's is in Xero; A has nothing left to send.
      const again = await preview(body(B, 'daily-summary'));
      expect(again.orders).toMatchObject({
        alreadySynced: dayOne.length,
        toSync: live(ordersB).length - dayOne.length,
      });
      expect(skipped(again, 'per-order').count).toBe(dayOne.length);
      await expect(submitSync(system, body(A, 'daily-summary'))).rejects.toThrow(
        /answered 409: .*"nothing_to_send"/,
      );
      const rest = await syncToEnd(system, body(B, 'daily-summary'));
      expect(rest.result.state).toBe('completed');
      expect(rest.result.counts.synced).toBe(live(ordersB).length - dayOne.length);
    },
    5 * 60_000,
  );

  it(
    'a per-order request whose only work is a change of a summarised order is refused as nothing to send',
    async () => {
      const paid = ordersA.find(
        (o) =>
          o.status === 'completed' &&
          sumDecimal(o.payments.map((p) => parseDecimal(p.amount))) === parseDecimal(o.total),
      )!;
      const refunded: Order = {
        ...paid,
        status: 'refunded',
        refunds: [{ id: 'rf-1', amount: paid.total, refundedAt: '2025-06-10T12:00:00+08:00' }],
      };
      expect(await importOrdersFile(system.database.db, ndjsonFile([refunded]))).toMatchObject({
        revised: 1,
        failed: 0,
      });
      // Only a daily-summary request deals with it (an adjustment credit note); per order it is not counted.
      expect((await preview(body(A, 'per-order'))).orders).toMatchObject({ toSync: 0, changes: 0 });
      expect((await preview(body(A, 'daily-summary'))).orders).toMatchObject({ toSync: 0, changes: 1 });
      await expect(submitSync(system, body(A, 'per-order'))).rejects.toThrow(
        /answered 409: .*"nothing_to_send"/,
      );
      const summary = await syncToEnd(system, body(A, 'daily-summary'));
      expect(summary.result.state).toBe('completed');
      await expect(submitSync(system, body(A, 'daily-summary'))).rejects.toThrow(
        /answered 409: .*"nothing_to_send"/,
      );
    },
    5 * 60_000,
  );
});
