import type { Reconciliation, ReconciliationCheck } from '../../src/contract';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { importOrdersFile } from '../../src/orders/import';
import type { Order } from '../../src/orders/schema';
import { importRevisions, loadMonth, MONTH, reviseMonth, syncMonth } from '../support/changes';
import { createBusiness, ndjsonFile, simInvoices, simStats } from '../support/orders';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * The reconciliation (docs/reconciliation.md), over a month (about 250 orders of every channel, to keep the run
 * short; a year is the same query over more rows): once the month is synced, and again once its later payments,
 * refunds and voids are applied, every row of every day × location × payment method shows no difference; a refund
 * imported but not yet sent shows on its day and location with its order and amount.
 */
describe('the reconciliation of a synced month', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('reconciliation', {
      sim: { timeScale: 60 },
      env: { XERO_WINDOW_MS: '1000' },
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'shows no difference once synced, lists a change not yet sent, and answers CSV',
    async () => {
      const businessId = 'biz_reconcile';
      await createBusiness(system.database.db, businessId);
      const orders = await loadMonth(system, businessId);
      const ids = await syncMonth(system, businessId);
      const api = await system.api(businessId);
      const range = `startDate=${MONTH.startDate}&endDate=${MONTH.endDate}`;
      const month = async () => {
        const res = await api.get<Reconciliation>(`/api/reconciliation?${range}`);
        expect(res.status).toBe(200);
        return res.body;
      };

      const first = await month();
      expect(first.totals).toEqual({ orders: orders.length, rowsWithDifference: 0, ordersWithDifference: 0 });
      const days = new Set(first.rows.map((r) => r.day));
      expect(days.size).toBe(31);
      expect(first.rows.some((r) => r.paymentMethod !== null && r.xeroDocuments > 0)).toBe(true);
      const sales = first.rows.filter((r) => r.paymentMethod === null);
      const total = sales.reduce((n, r) => n + Math.round(Number(r.xeroAmount) * 100), 0);
      expect(total).toBeGreaterThan(0);

      // One request's own reconciliation covers its channel only.
      const pos = await api.get<Reconciliation>(`/api/sync-requests/${ids[0]}/reconciliation`);
      expect(pos.status).toBe(200);
      expect(pos.body.totals).toMatchObject({
        orders: orders.filter((o) => o.channel === 'pos').length,
        rowsWithDifference: 0,
      });

      // The month's later life, synced: still no difference.
      const revised = reviseMonth(orders);
      await importRevisions(system, revised);
      await syncMonth(system, businessId);
      expect((await month()).totals).toMatchObject({ rowsWithDifference: 0, ordersWithDifference: 0 });

      // A refund imported, not sent: its day and location differ by its amount, with the order behind it.
      const order = revised.partialRefunds[0]!;
      const later: Order = {
        ...order,
        refunds: [...order.refunds!, { id: 'rf-2', amount: '2.50', refundedAt: '2025-04-20T12:00:00+08:00' }],
      };
      expect(await importOrdersFile(system.database.db, ndjsonFile([later]))).toMatchObject({ revised: 1 });
      const after = await month();
      expect(after.totals).toMatchObject({ rowsWithDifference: 1, ordersWithDifference: 1 });
      const row = after.rows.find((r) => r.difference !== '0.00')!;
      expect(row).toMatchObject({
        day: order.placedAt.slice(0, 10),
        locationId: order.location.id,
        paymentMethod: null,
        difference: '-2.50',
      });
      expect(row.differences).toEqual([
        expect.objectContaining({
          orderId: order.id,
          orderNumber: order.number,
          why: 'a change not yet applied in Xero',
        }),
      ]);

      const csv = await api.get<string>(`/api/reconciliation.csv?${range}`);
      expect(csv.status).toBe(200);
      const lines = csv.body.trim().split('\r\n');
      expect(lines[0]).toBe(
        'day,location_id,location_name,currency,payment_method,orders,orders_amount,xero_documents,xero_invoices,xero_credit_notes,xero_amount,difference,orders_with_difference',
      );
      expect(lines).toHaveLength(after.rows.length + 1);
      expect(lines.filter((l) => l.includes(`${order.number} (`))).toHaveLength(1);

      const bad = await api.get(`/api/reconciliation?startDate=${MONTH.endDate}&endDate=${MONTH.startDate}`);
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toMatch(/endDate/);

      // Check against Xero: an invoice voided behind the product's back shows with its day, order and amount;
      // the invoices the product voided itself (the month's voids) do not; its call cost is known before it starts.
      const target = revised.paid[0]!;
      const invoice = (await simInvoices(system.xero.baseUrl)).find((i) => i.Reference === target.id)!;
      const hook = `${system.xero.baseUrl}/__sim/tenants/${DEMO_TENANT_ID}/invoices/${invoice.InvoiceID}/void`;
      expect((await fetch(hook, { method: 'POST' })).status).toBe(204);
      const scope = { startDate: MONTH.startDate, endDate: MONTH.endDate };
      const cost = await api.post<ReconciliationCheck>('/api/reconciliation/check', {
        ...scope,
        dryRun: true,
      });
      expect(cost.status).toBe(200);
      const inXero = orders.filter((o) => o.status !== 'voided').length; // the product's own voids included
      expect(cost.body).toEqual({
        invoices: inXero,
        calls: Math.ceil(inXero / 50),
        ran: false,
        findings: [],
      });
      const reads = async () => (await simStats(system.xero.baseUrl)).calls.byEndpoint['GET /Invoices'] ?? 0;
      const before = await reads();
      const check = await api.post<ReconciliationCheck>('/api/reconciliation/check', scope);
      expect(check.status).toBe(200);
      expect(await reads()).toBe(before + cost.body.calls);
      expect(check.body.findings).toEqual([
        {
          day: target.placedAt.slice(0, 10),
          locationId: target.location.id,
          locationName: target.location.name,
          orderId: target.id,
          orderNumber: target.number,
          invoiceNumber: invoice.InvoiceNumber,
          amount: target.total,
          xeroStatus: 'VOIDED',
          xeroTotal: target.total,
          what: 'voided in Xero since the sync',
        },
      ]);
    },
    10 * 60_000,
  );
});
