import { importOrdersFile } from '../../src/orders/import';
import type { Order } from '../../src/orders/schema';
import { createBusiness, loadOrders, ndjsonFile, simInvoices, simStats } from '../support/orders';
import { requestDetail, submitSync, syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * A change of lines or total of an unpaid order already in Xero (docs/revisions.md, `amend`): the next sync
 * updates its invoice to the latest revision, exactly once, with Xero failing (5xx answers, writes committed whose
 * answer is lost).
 */

const DAY = '2025-03-03';
const ORDERS = 8;

/** An unpaid B2B order of 2025-03-03: 2 × 10.90 GST inclusive (21.80). */
function unpaidOrder(businessId: string, n: number): Order {
  return {
    id: `ord_am${n}`,
    number: `AM${n}`,
    businessId,
    channel: 'b2b',
    location: { id: 'loc_1', name: 'Shop' },
    customer: null,
    placedAt: `${DAY}T10:0${n}:00+08:00`,
    currency: 'SGD',
    pricesIncludeTax: true,
    lines: [{ description: 'Beans', quantity: 2, unitPrice: '10.90', discount: '0.00', taxCode: 'GST9' }],
    total: '21.80',
    payments: [],
    status: 'completed',
  };
}

/** The revision: three bags, and a second line of 4.35 (32.70 + 4.35 = 37.05). */
const revised = (o: Order): Order => ({
  ...o,
  lines: [
    { description: 'Beans', quantity: 3, unitPrice: '10.90', discount: '0.00', taxCode: 'GST9' },
    { description: 'Filter papers', quantity: 1, unitPrice: '4.35', discount: '0.00', taxCode: 'GST9' },
  ],
  total: '37.05',
});

interface SimLine {
  Description: string;
  Quantity: number;
  UnitAmount: number;
  LineAmount: number;
}

const writes = async (system: TestSystem) =>
  Object.entries((await simStats(system.xero.baseUrl)).calls.byEndpoint)
    .filter(([endpoint]) => /^(PUT|POST|DELETE) /.test(endpoint))
    .reduce((n, [, calls]) => n + calls, 0);

describe('a change of lines of an unpaid order in Xero, with Xero faults', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('amends-faults', {
      sim: {
        timeScale: 60,
        seed: 27,
        faults: [
          { errorRate: 0.1, errorStatus: 503 },
          { writesOnly: true, dropAfterCommitRate: 0.4 },
        ],
      },
      env: { XERO_WINDOW_MS: '1000', XERO_REQUEST_TIMEOUT_MS: '5000' },
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'updates each invoice to the new revision to the cent, once; a third sync writes nothing',
    async () => {
      const businessId = 'biz_amends';
      await createBusiness(system.database.db, businessId);
      const orders = Array.from({ length: ORDERS }, (_, i) => unpaidOrder(businessId, i + 1));
      await loadOrders(system.database.db, orders);
      const range = { businessId, channel: 'b2b' as const, startDate: DAY, endDate: DAY };
      expect((await syncToEnd(system, range)).result.state).toBe('completed');
      const numbers = new Map(
        (await simInvoices(system.xero.baseUrl)).map((i) => [i.Reference, i.InvoiceID]),
      );
      expect(numbers.size).toBe(ORDERS);

      const summary = await importOrdersFile(system.database.db, ndjsonFile(orders.map(revised)));
      expect(summary).toMatchObject({ revised: ORDERS, failed: 0 });
      const { id, result } = await syncToEnd(system, range);
      expect(result.state).toBe('completed');
      expect((await requestDetail(system, businessId, id)).changes).toEqual({
        applied: ORDERS,
        failed: 0,
        kinds: { payments: 0, refunds: 0, voids: 0, lineChanges: ORDERS },
      });

      const invoices = await simInvoices(system.xero.baseUrl);
      const stats = await simStats(system.xero.baseUrl);
      expect({ invoices: invoices.length, duplicates: stats.duplicateReferences }).toEqual({
        invoices: ORDERS,
        duplicates: [],
      });
      for (const o of orders) {
        const invoice = invoices.find((i) => i.Reference === o.id)!;
        const lines = (invoice as unknown as { LineItems: SimLine[] }).LineItems;
        expect([o.id, invoice.InvoiceID, invoice.Status, invoice.Total, invoice.AmountPaid]).toEqual([
          o.id,
          numbers.get(o.id),
          'AUTHORISED',
          37.05,
          0,
        ]);
        expect(lines.map((l) => [l.Description, l.Quantity, l.UnitAmount, l.LineAmount])).toEqual([
          ['Beans', 3, 10.9, 32.7],
          ['Filter papers', 1, 4.35, 4.35],
        ]);
      }
      expect(stats.calls.byStatus['503'] ?? 0).toBeGreaterThan(0);
      expect(stats.calls.byStatus.dropped ?? 0).toBeGreaterThan(0);
      const { rows } = await system.database.db.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM order_changes WHERE business_id = $1 GROUP BY status`,
        [businessId],
      );
      expect(rows).toEqual([{ status: 'done', n: ORDERS }]);

      const before = await writes(system);
      await expect(submitSync(system, range)).rejects.toThrow(/answered 409: .*"nothing_to_send"/);
      expect(await writes(system)).toBe(before);
    },
    5 * 60_000,
  );
});
