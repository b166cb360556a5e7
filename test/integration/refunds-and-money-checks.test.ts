import { parseDecimal, sumDecimal } from '../../src/money';
import type { Order } from '../../src/orders/schema';
import { moneyMismatches } from '../../src/engine/ledger';
import { xeroLineAmount } from '../../src/xero/amounts';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import {
  createBusiness,
  discountedRefundOrders,
  expectExactlyOnce,
  loadOrders,
  seedSimContacts,
  simCreditNotes,
  simInvoices,
} from '../support/orders';
import { syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

// Scaled time (a simulated Xero minute per real second) so a few hundred credit-note calls take seconds.
const SIM = { timeScale: 60 };
const ENV = { XERO_WINDOW_MS: '1000' };
const TAX_TYPES = {
  GST9: { taxType: 'OUTPUTY24', rate: '9' },
  GST8: { taxType: 'OUTPUTY23', rate: '8' },
  ZERO: { taxType: 'ZERORATEDOUTPUT', rate: '0' },
};
/** Xero's JSON numbers, read back through their decimal text (never compared as floats). */
const amount = (n: number | undefined) => parseDecimal(String(n ?? 0));

type OrderResult = { orderId: string; status: string; message: string | null };

describe('refunds of discounted orders, and money checks, in the simulated Xero', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('refunds-money', { sim: SIM, env: ENV });
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function orderResults(businessId: string, requestId: string): Promise<OrderResult[]> {
    const api = await system.api(businessId);
    const res = await api.get(`/api/sync-requests/${requestId}/orders?limit=100`);
    expect(res.status).toBe(200);
    return (res.body as { items: OrderResult[] }).items;
  }

  it(
    '200 refunded orders with discounts: every credit note has RemainingCredit 0 and Total equal to the refund, recomputed by the simulator with discounts ignored',
    async () => {
      const businessId = 'biz_refunds';
      await createBusiness(system.database.db, businessId, { taxTypes: TAX_TYPES });
      const days = ['2025-07-01', '2025-07-02', '2025-07-03', '2025-07-04'];
      const orders = discountedRefundOrders({ businessId, count: 200, days });
      await loadOrders(system.database.db, orders);

      const { result } = await syncToEnd(system, {
        businessId,
        channel: 'pos',
        startDate: days[0]!,
        endDate: days[3]!,
      });
      expect(result.state).toBe('completed');
      expect(result.counts).toMatchObject({ found: 200, synced: 200, failed: 0 });
      const invoices = await simInvoices(system.xero.baseUrl);
      expectExactlyOnce(orders, invoices);

      const byReference = new Map<string, Awaited<ReturnType<typeof simCreditNotes>>>();
      for (const note of await simCreditNotes(system.xero.baseUrl))
        byReference.set(note.Reference ?? '', [...(byReference.get(note.Reference ?? '') ?? []), note]);
      const invoiceOf = new Map(invoices.map((i) => [i.Reference, i as typeof i & { TotalTax: number }]));
      const problems: string[] = [];
      let full = 0;
      for (const order of orders) {
        const notes = byReference.get(order.id) ?? [];
        const note = notes[0];
        if (notes.length !== 1 || !note) {
          problems.push(`${order.id}: ${notes.length} credit notes`);
          continue;
        }
        const refund = parseDecimal(order.refund!.amount);
        if (amount(note.Total) !== refund)
          problems.push(`${order.id}: Total ${note.Total} ≠ refund ${order.refund!.amount}`);
        if (amount(note.RemainingCredit) !== 0n)
          problems.push(`${order.id}: RemainingCredit ${note.RemainingCredit}`);
        if (note.Status !== 'PAID') problems.push(`${order.id}: status ${note.Status}`);
        problems.push(...recomputed(order, note));
        if (refund === parseDecimal(order.total)) {
          full++;
          const invoice = invoiceOf.get(order.id);
          if (amount(note.TotalTax) !== amount(invoice?.TotalTax))
            problems.push(`${order.id}: TotalTax ${note.TotalTax} ≠ invoice's ${invoice?.TotalTax}`);
        }
      }
      expect(problems).toEqual([]);
      expect(full).toBeGreaterThan(80); // the generator gives both kinds of refund
      expect(orders.length - full).toBeGreaterThan(50);

      // Xero's answers all agreed with the orders: no money check flagged any of them.
      const flagged = await moneyMismatches(
        system.database.db,
        businessId,
        orders.map((o) => o.id),
      );
      expect([...flagged]).toEqual([]);

      // Control: the old mapping (the invoice's discounted lines copied) credits more than was refunded.
      const discounted = orders.find((o) => o.refund!.amount === o.total && o.lines.length === 1)!;
      const copied = await putCreditNote(discounted);
      expect(amount(copied.Total)).toBeGreaterThan(parseDecimal(discounted.total));
    },
    10 * 60_000,
  );

  /** The simulator's stored note against Xero's rule: lines without discounts, Total = Σ round2(Q × U) (+ tax). */
  function recomputed(order: Order, note: Awaited<ReturnType<typeof simCreditNotes>>[number]): string[] {
    const problems: string[] = [];
    for (const line of note.LineItems) {
      if (line.DiscountAmount !== undefined || line.DiscountRate !== undefined)
        problems.push(`${order.id}: a line has a discount`);
      const expected = xeroLineAmount(amount(line.Quantity), amount(line.UnitAmount), 0n);
      if (amount(line.LineAmount) !== expected) problems.push(`${order.id}: LineAmount ${line.LineAmount}`);
    }
    const lines = sumDecimal(note.LineItems.map((l) => amount(l.LineAmount)));
    const tax = sumDecimal(note.LineItems.map((l) => amount(l.TaxAmount)));
    const total = note.LineAmountTypes === 'Exclusive' ? lines + tax : lines;
    if (total !== amount(note.Total) || tax !== amount(note.TotalTax))
      problems.push(`${order.id}: lines add up to ${total}/${tax}, not ${note.Total}/${note.TotalTax}`);
    return problems;
  }

  /** A credit note sent the way the old mapping sent it: the order's lines with their discounts. */
  async function putCreditNote(order: Order): Promise<{ Total: number }> {
    const token = system.xero.sim.issueAccessToken([DEMO_TENANT_ID]).access_token;
    const body = {
      CreditNotes: [
        {
          Type: 'ACCRECCREDIT',
          Contact: { Name: order.location.name },
          Date: '2025-07-05',
          Status: 'AUTHORISED',
          LineAmountTypes: order.pricesIncludeTax ? 'Inclusive' : 'Exclusive',
          LineItems: order.lines.map((l) => ({
            Description: l.description,
            Quantity: l.quantity,
            UnitAmount: Number(l.unitPrice),
            DiscountAmount: Number(l.discount),
            AccountCode: '200',
            TaxType: TAX_TYPES[l.taxCode as keyof typeof TAX_TYPES].taxType,
          })),
        },
      ],
    };
    const res = await fetch(`${system.xero.apiUrl}/CreditNotes?summarizeErrors=false&unitdp=4`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${token}`,
        'xero-tenant-id': DEMO_TENANT_ID,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    return ((await res.json()) as { CreditNotes: Array<{ Total: number }> }).CreditNotes[0]!;
  }

  it(
    'finds an existing contact on a later page of a contact search (Xero answers up to 100 contacts a page)',
    async () => {
      const businessId = 'biz_pages';
      await createBusiness(system.database.db, businessId);
      // 'Ann "Bean"' has a double quote, so it is looked up by searchTerm ("bean"), which 121 contacts match.
      const seeded = await seedSimContacts(system.xero.baseUrl, DEMO_TENANT_ID, [
        ...Array.from({ length: 120 }, (_, i) => ({ Name: `Bean Shop ${i}` })),
        { Name: 'Ann "Bean"' },
      ]);
      const ann = seeded[seeded.length - 1]!;
      const order: Order = {
        id: 'pg_1',
        number: 'PG1',
        businessId,
        channel: 'online',
        location: { id: 'loc_webstore', name: 'Online Store' },
        customer: { name: 'Ann "Bean"', email: null },
        placedAt: '2025-09-01T10:00:00+08:00',
        currency: 'SGD',
        pricesIncludeTax: true,
        lines: [{ description: 'Beans', quantity: 1, unitPrice: '42.00', discount: '0.00', taxCode: 'GST9' }],
        total: '42.00',
        payments: [],
        status: 'completed',
      };
      await loadOrders(system.database.db, [order]);
      const { result } = await syncToEnd(system, {
        businessId,
        channel: 'online',
        startDate: '2025-09-01',
        endDate: '2025-09-01',
      });
      expect(result.counts).toMatchObject({ synced: 1, failed: 0 });
      const invoice = (await simInvoices(system.xero.baseUrl)).find((i) => i.Reference === 'pg_1');
      expect(invoice?.Contact.ContactID).toBe(ann.ContactID);
    },
    5 * 60_000,
  );

  it(
    'flags each order whose totals Xero answers differently, with both amounts, on its ledger row and in its per-order result',
    async () => {
      // The business maps GST9 at 8%, but the organisation's OUTPUTY24 is 9% (say, orders from before a rate
      // change): Xero taxes with its own rate, so its totals differ from the orders'.
      const businessId = 'biz_mismatch';
      await createBusiness(system.database.db, businessId, {
        taxTypes: {
          GST9: { taxType: 'OUTPUTY24', rate: '8' },
          ZERO: { taxType: 'ZERORATEDOUTPUT', rate: '0' },
        },
        invoiceNumberTemplate: 'MM-{number}',
      });
      const base = {
        businessId,
        channel: 'pos' as const,
        location: { id: 'loc_clementi', name: 'Clementi Branch' },
        customer: null,
        placedAt: '2025-08-01T10:00:00+08:00',
        currency: 'SGD',
        payments: [],
        status: 'completed' as const,
      };
      const line = (taxCode: string) => ({
        description: 'Mug',
        quantity: 1,
        unitPrice: '10.00',
        discount: '0.00',
        taxCode,
      });
      const orders: Order[] = [
        {
          ...base,
          id: 'mm_exclusive',
          number: 'X1',
          pricesIncludeTax: false,
          lines: [line('GST9')],
          total: '10.80',
        },
        {
          ...base,
          id: 'mm_inclusive',
          number: 'X2',
          pricesIncludeTax: true,
          lines: [line('GST9')],
          total: '10.00',
        },
        {
          ...base,
          id: 'mm_refunded',
          number: 'X3',
          pricesIncludeTax: false,
          lines: [line('GST9')],
          total: '10.80',
          status: 'refunded',
          refund: { amount: '10.80', refundedAt: '2025-08-01T18:00:00+08:00' },
        },
        {
          ...base,
          id: 'mm_zero',
          number: 'X4',
          pricesIncludeTax: false,
          lines: [line('ZERO')],
          total: '10.00',
        },
      ];
      await loadOrders(system.database.db, orders);
      const { id, result } = await syncToEnd(system, {
        businessId,
        channel: 'pos',
        startDate: '2025-08-01',
        endDate: '2025-08-01',
      });
      expect(result.counts).toMatchObject({ synced: 4, failed: 0 });

      const flagged = await moneyMismatches(
        system.database.db,
        businessId,
        orders.map((o) => o.id),
      );
      const taxHint =
        " at the business's tax rates (check the tax mapping's rates against the organisation's in Xero)";
      expect(Object.fromEntries(flagged)).toEqual({
        mm_exclusive: [
          `Xero's total 10.90 differs from the order's 10.80; Xero's tax 0.90 differs from the expected 0.80${taxHint}`,
        ],
        mm_inclusive: [`Xero's tax 0.83 differs from the expected 0.74${taxHint}`],
        mm_refunded: [
          `Xero's total 10.90 differs from the order's 10.80; Xero's tax 0.90 differs from the expected 0.80${taxHint}`,
          `Xero's credit note total 10.90 differs from the order's refund 10.80; Xero's credit note tax 0.90 differs from the expected 0.80${taxHint}`,
        ],
      });
      const results = new Map((await orderResults(businessId, id)).map((r) => [r.orderId, r]));
      expect(results.get('mm_exclusive')).toMatchObject({
        status: 'synced',
        message: expect.stringContaining("Xero's total 10.90 differs from the order's 10.80"),
      });
      expect(results.get('mm_refunded')?.message).toContain(
        "Xero's credit note total 10.90 differs from the order's refund 10.80",
      );
      expect(results.get('mm_zero')).toMatchObject({ status: 'synced', message: null });
    },
    5 * 60_000,
  );
});
