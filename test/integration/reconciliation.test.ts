import type { Reconciliation, ReconciliationCheck } from '../../src/contract';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { importOrdersFile } from '../../src/orders/import';
import type { Order } from '../../src/orders/schema';
import { importRevisions, loadMonth, MONTH, reviseMonth, syncMonth } from '../support/changes';
import { formatDecimal, parseDecimal, sumDecimal } from '../../src/money';
import { refundsOf } from '../../src/orders/revisions';
import {
  businessOnOwnOrganisation,
  createBusiness,
  loadDemoOrders,
  ndjsonFile,
  simCreditNotes,
  simInvoices,
  simStats,
} from '../support/orders';
import { syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * The reconciliation (docs/reconciliation.md), over a month of every channel per order (about 250 orders: the later
 * payments, refunds and voids; reconciliation-year.test.ts proves a year) and a month of daily summaries: once
 * synced, and again once the later changes are applied, every row of every day × location × payment method shows
 * no difference; a change imported but not yet sent shows on its day and location with its order and amount; and
 * "Check against Xero" finds what someone changed in Xero behind the product's back.
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

      // Check against Xero: an invoice voided, a payment deleted and a refund's credit note voided behind the
      // product's back show with their day, order and amount; the invoices the product voided itself (the month's
      // voids) do not; its call cost is known before it starts, and is what it spends.
      const target = revised.paid[0]!;
      const invoices = await simInvoices(system.xero.baseUrl);
      const invoiceOf = (o: Order) => invoices.find((i) => i.Reference === o.id)!;
      const invoice = invoiceOf(target);
      const sim = `${system.xero.baseUrl}/__sim/tenants/${DEMO_TENANT_ID}`;
      expect((await fetch(`${sim}/invoices/${invoice.InvoiceID}/void`, { method: 'POST' })).status).toBe(204);
      const unpaid = revised.paid[1]!;
      const payment = invoiceOf(unpaid).Payments![0]!;
      expect((await fetch(`${sim}/payments/${payment.PaymentID}/delete`, { method: 'POST' })).status).toBe(
        204,
      );
      const refunded = revised.partialRefunds[1]!;
      const noteNumber = `${invoiceOf(refunded).InvoiceNumber}-CN-rf-1`;
      const notes = await simCreditNotes(system.xero.baseUrl);
      const note = notes.find((n) => n.CreditNoteNumber === noteNumber)!;
      expect((await fetch(`${sim}/credit-notes/${note.CreditNoteID}/void`, { method: 'POST' })).status).toBe(
        204,
      );

      const scope = { startDate: MONTH.startDate, endDate: MONTH.endDate };
      const cost = await api.post<ReconciliationCheck>('/api/reconciliation/check', {
        ...scope,
        dryRun: true,
      });
      expect(cost.status).toBe(200);
      const inXero = orders.filter((o) => o.status !== 'voided').length; // the product's own voids included
      expect(cost.body).toMatchObject({
        invoices: inXero,
        creditNotes: notes.length,
        ran: false,
        findings: [],
      });
      expect(cost.body.invoiceCalls).toBe(Math.ceil(inXero / 50));
      expect(cost.body.creditNoteCalls).toBeGreaterThanOrEqual(Math.ceil(notes.length / 50));
      expect(cost.body.calls).toBe(cost.body.invoiceCalls + cost.body.creditNoteCalls);
      const reads = async () => {
        const calls = (await simStats(system.xero.baseUrl)).calls.byEndpoint;
        return { invoices: calls['GET /Invoices'] ?? 0, creditNotes: calls['GET /CreditNotes'] ?? 0 };
      };
      const before = await reads();
      const check = await api.post<ReconciliationCheck>('/api/reconciliation/check', scope);
      expect(check.status).toBe(200);
      expect(await reads()).toEqual({
        invoices: before.invoices + cost.body.invoiceCalls,
        creditNotes: before.creditNotes + cost.body.creditNoteCalls,
      });
      const where = (o: Order) => ({
        day: o.placedAt.slice(0, 10),
        locationId: o.location.id,
        locationName: o.location.name,
        orderId: o.id,
        orderNumber: o.number,
        invoiceNumber: invoiceOf(o).InvoiceNumber,
      });
      expect(check.body.findings).toEqual([
        {
          ...where(target),
          amount: target.total,
          xeroStatus: 'VOIDED',
          xeroTotal: target.total,
          what: 'voided in Xero since the sync',
          document: 'invoice',
          documentNumber: invoice.InvoiceNumber,
        },
        {
          ...where(unpaid),
          amount: unpaid.total,
          xeroStatus: 'AUTHORISED',
          xeroTotal: unpaid.total,
          what: `a payment deleted in Xero since the sync: 0.00 paid in Xero, the ledger keeps ${unpaid.total}`,
          document: 'invoice',
          documentNumber: invoiceOf(unpaid).InvoiceNumber,
        },
        {
          ...where(refunded),
          amount: '1.00',
          xeroStatus: 'VOIDED',
          xeroTotal: '1.00',
          what: 'voided in Xero since the sync',
          document: 'credit note',
          documentNumber: noteNumber,
        },
      ]);
    },
    10 * 60_000,
  );

  it(
    'reconciles daily summaries: no difference once synced, a summarised order’s refund not sent shows, the check reads summaries',
    async () => {
      const businessId = 'biz_reconcile_summary';
      const tenantId = await businessOnOwnOrganisation(system, {
        businessId,
        name: 'Summary Co',
        clientPrefix: 'reconcile-summary',
      });
      const orders = await loadDemoOrders(system.database.db, {
        businessId,
        from: MONTH.startDate,
        to: MONTH.endDate,
        ordersPerDay: 8,
        channel: 'pos',
        seed: 2727,
      });
      const request = {
        businessId,
        channel: 'pos',
        locationId: 'all',
        ...MONTH,
        contactMapping: { mode: 'auto' as const },
        options: { posting: 'daily-summary' },
      };
      expect((await syncToEnd(system, request)).result.state).toBe('completed');
      const api = await system.api(businessId);
      const range = `startDate=${MONTH.startDate}&endDate=${MONTH.endDate}`;
      const month = async () => {
        const res = await api.get<Reconciliation>(`/api/reconciliation?${range}`);
        expect(res.status).toBe(200);
        return res.body;
      };
      const invoices = await simInvoices(system.xero.baseUrl, tenantId);
      const notes = await simCreditNotes(system.xero.baseUrl, tenantId);
      const first = await month();
      expect(first.totals).toEqual({ orders: orders.length, rowsWithDifference: 0, ordersWithDifference: 0 });
      const sales = first.rows.filter((r) => r.paymentMethod === null);
      // Each summary invoice and credit note counted once; the month's sales to the cent, as Xero holds them.
      expect(sales.reduce((n, r) => n + r.xeroDocuments, 0)).toBe(invoices.length + notes.length);
      const cents = (xs: string[]) => sumDecimal(xs.map(parseDecimal));
      const expected = cents(
        orders
          .filter((o) => o.status !== 'voided')
          .map((o) => formatDecimal(parseDecimal(o.total) - cents(refundsOf(o).map((r) => r.amount)))),
      );
      expect(cents(sales.map((r) => r.xeroAmount))).toBe(expected);
      expect(cents(invoices.map((i) => String(i.Total))) - cents(notes.map((n) => String(n.Total)))).toBe(
        expected,
      );
      const payments = first.rows.filter((r) => r.paymentMethod !== null);
      expect(payments.reduce((n, r) => n + r.xeroDocuments, 0)).toBe(
        invoices.reduce((n, i) => n + (i.Payments ?? []).length, 0),
      );

      // A refund and a void of summarised orders imported, not sent: their rows differ, naming them and the summary.
      const paid = orders.filter(
        (o) =>
          o.status === 'completed' &&
          cents(o.payments.map((p) => p.amount)) === parseDecimal(o.total) &&
          parseDecimal(o.total) > parseDecimal('5.00'),
      );
      const [refundedOrder, voidedOrder] = [paid[0]!, paid[paid.length - 1]!];
      const at = '2025-04-05T12:00:00+08:00';
      const revised: Order[] = [
        { ...refundedOrder, status: 'refunded', refunds: [{ id: 'rf-1', amount: '2.50', refundedAt: at }] },
        { ...voidedOrder, status: 'voided', voidedAt: at },
      ];
      expect(await importOrdersFile(system.database.db, ndjsonFile(revised))).toMatchObject({ revised: 2 });
      const pending = await month();
      expect(pending.totals).toMatchObject({ rowsWithDifference: 2, ordersWithDifference: 2 });
      const summaryOf = (o: Order) => `POS-${o.location.id}-${o.placedAt.slice(0, 10)}`;
      const rowOf = (o: Order) =>
        pending.rows.find(
          (r) =>
            r.paymentMethod === null && r.day === o.placedAt.slice(0, 10) && r.locationId === o.location.id,
        )!;
      expect(rowOf(refundedOrder).difference).toBe('-2.50');
      expect(rowOf(voidedOrder).difference).toBe(formatDecimal(-parseDecimal(voidedOrder.total)));
      expect(rowOf(refundedOrder).differences).toEqual([
        expect.objectContaining({
          orderId: refundedOrder.id,
          invoiceNumber: summaryOf(refundedOrder),
          summaryNumber: summaryOf(refundedOrder),
          why: 'a change not yet applied in Xero',
        }),
      ]);

      // Sent (adjustment credit notes): no difference again.
      expect((await syncToEnd(system, request)).result.state).toBe('completed');
      expect((await month()).totals).toMatchObject({ rowsWithDifference: 0, ordersWithDifference: 0 });

      // Check against Xero reads the summaries and their credit notes, each once; a summary payment deleted behind
      // the product's back shows on that summary with its day and orders.
      const scope = { startDate: MONTH.startDate, endDate: MONTH.endDate };
      const after = {
        invoices: await simInvoices(system.xero.baseUrl, tenantId),
        notes: await simCreditNotes(system.xero.baseUrl, tenantId),
      };
      const cost = await api.post<ReconciliationCheck>('/api/reconciliation/check', {
        ...scope,
        dryRun: true,
      });
      expect(cost.body).toMatchObject({
        invoices: after.invoices.length,
        creditNotes: after.notes.length,
        invoiceCalls: Math.ceil(after.invoices.length / 50),
        findings: [],
      });
      expect((await api.post<ReconciliationCheck>('/api/reconciliation/check', scope)).body.findings).toEqual(
        [],
      );
      const summary = after.invoices.find((i) => i.InvoiceNumber === summaryOf(refundedOrder))!;
      const deleted = summary.Payments![0]!;
      const hook = `${system.xero.baseUrl}/__sim/tenants/${tenantId}/payments/${deleted.PaymentID}/delete`;
      expect((await fetch(hook, { method: 'POST' })).status).toBe(204);
      const check = await api.post<ReconciliationCheck>('/api/reconciliation/check', scope);
      const kept = formatDecimal(parseDecimal(String(summary.AmountPaid)));
      const left = formatDecimal(
        parseDecimal(String(summary.AmountPaid)) - parseDecimal(String(deleted.Amount)),
      );
      expect(check.body.findings).toEqual([
        expect.objectContaining({
          day: refundedOrder.placedAt.slice(0, 10),
          locationId: refundedOrder.location.id,
          invoiceNumber: summary.InvoiceNumber,
          document: 'invoice',
          documentNumber: summary.InvoiceNumber,
          what: `a payment deleted in Xero since the sync: ${left} paid in Xero, the ledger keeps ${kept}`,
          orders: expect.arrayContaining([refundedOrder.number]),
        }),
      ]);
    },
    10 * 60_000,
  );
});
