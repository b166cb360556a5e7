import type { Reconciliation, ReconciliationCheck } from '../../src/contract';
import { formatDecimal, parseDecimal, sumDecimal } from '../../src/money';
import { refundsOf } from '../../src/orders/revisions';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { createBusiness, loadDemoOrders, simInvoices } from '../support/orders';
import { syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Issue 27's done-when "The reconciliation of a synced year shows no difference": a year of orders of every channel
 * (about 2,900, per order), synced at the simulator's scaled time (one Xero minute a real second, as
 * reconciliation.test.ts and year-sync.test.ts run it), reconciled to the cent; then an invoice voided behind the
 * product's back is found by "Check against Xero" with its day, order and amount.
 */

const YEAR = { startDate: '2024-01-01', endDate: '2024-12-31' };
const CHANNELS = ['pos', 'online', 'b2b'] as const;
const cents = (xs: string[]) => sumDecimal(xs.map(parseDecimal));

describe('the reconciliation of a synced year', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('reconciliation-year', {
      sim: { timeScale: 60 },
      env: { XERO_WINDOW_MS: '1000' },
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'shows no difference, its totals equal the orders’ to the cent, and the check finds an invoice voided in Xero',
    async () => {
      const businessId = 'biz_reconcile_year';
      await createBusiness(system.database.db, businessId);
      const orders = await loadDemoOrders(system.database.db, {
        businessId,
        from: YEAR.startDate,
        to: YEAR.endDate,
        ordersPerDay: 8,
        seed: 2024,
      });
      expect(new Set(orders.map((o) => o.channel))).toEqual(new Set(CHANNELS));
      const ran = await Promise.all(
        CHANNELS.map((channel) => syncToEnd(system, { businessId, channel, ...YEAR })),
      );
      expect(ran.map((r) => r.result.state)).toEqual(['completed', 'completed', 'completed']);

      const api = await system.api(businessId);
      const res = await api.get<Reconciliation>(
        `/api/reconciliation?startDate=${YEAR.startDate}&endDate=${YEAR.endDate}`,
      );
      expect(res.status).toBe(200);
      const year = res.body;
      expect(year.totals).toEqual({ orders: orders.length, rowsWithDifference: 0, ordersWithDifference: 0 });
      expect(year.rows.every((r) => r.difference === '0.00' && r.differences.length === 0)).toBe(true);
      expect(new Set(year.rows.map((r) => r.day)).size).toBe(366);

      // To the cent: the sales rows are the orders' totals less refunds, the payments rows their payments, and
      // Xero holds what the rows say.
      const live = orders.filter((o) => o.status !== 'voided');
      const sales = year.rows.filter((r) => r.paymentMethod === null);
      const payments = year.rows.filter((r) => r.paymentMethod !== null);
      const expectedSales = cents(
        live.map((o) => formatDecimal(parseDecimal(o.total) - cents(refundsOf(o).map((r) => r.amount)))),
      );
      const expectedPayments = cents(live.flatMap((o) => o.payments.map((p) => p.amount)));
      expect({
        ordersAmount: cents(sales.map((r) => r.ordersAmount)),
        xeroAmount: cents(sales.map((r) => r.xeroAmount)),
        payments: cents(payments.map((r) => r.ordersAmount)),
        paymentsInXero: cents(payments.map((r) => r.xeroAmount)),
      }).toEqual({
        ordersAmount: expectedSales,
        xeroAmount: expectedSales,
        payments: expectedPayments,
        paymentsInXero: expectedPayments,
      });
      const invoices = await simInvoices(system.xero.baseUrl);
      expect(cents(sales.map((r) => r.xeroInvoices!))).toBe(cents(invoices.map((i) => String(i.Total))));

      // Someone voids one invoice in Xero: the check shows that day, that order and the amount.
      const target = live.find(
        (o) => o.channel === 'online' && o.status === 'completed' && o.placedAt > '2024-07',
      )!;
      const invoice = invoices.find((i) => i.Reference === target.id)!;
      const hook = `${system.xero.baseUrl}/__sim/tenants/${DEMO_TENANT_ID}/invoices/${invoice.InvoiceID}/void`;
      expect((await fetch(hook, { method: 'POST' })).status).toBe(204);
      const scope = { ...YEAR };
      const cost = await api.post<ReconciliationCheck>('/api/reconciliation/check', {
        ...scope,
        dryRun: true,
      });
      expect(cost.body).toMatchObject({ invoices: live.length, invoiceCalls: Math.ceil(live.length / 50) });
      const check = await api.post<ReconciliationCheck>('/api/reconciliation/check', scope);
      expect(check.status).toBe(200);
      expect(check.body.findings).toEqual([
        expect.objectContaining({
          day: target.placedAt.slice(0, 10),
          orderId: target.id,
          orderNumber: target.number,
          invoiceNumber: invoice.InvoiceNumber,
          amount: target.total,
          xeroStatus: 'VOIDED',
          what: 'voided in Xero since the sync',
        }),
      ]);
    },
    15 * 60_000,
  );
});
