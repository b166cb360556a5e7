import { parseDecimal, sumDecimal } from '../../src/money';
import type { Order } from '../../src/orders/schema';
import { generateDemoOrders } from '../../src/orders/seed';
import { localDateOf } from '../../src/calendar';
import { mapOrder } from '../../src/engine/invoice-mapping';
import {
  buildDailySummaries,
  buildRefundSummaries,
  PRODUCT_LINES_MAX,
  summaryNumber,
  type Summary,
} from '../../src/engine/summary';
import type { CreditNoteDraft, InvoiceDraft } from '../../src/xero/documents';
import { buildLines, computeTotals } from '../../src/xero-sim/documents';
import type { TenantLimits } from '../../src/xero-sim/options';
import { TenantState } from '../../src/xero-sim/state';
import { discountedRefundOrders } from '../support/orders';
import { SUMMARY_SETTINGS, WALK_IN } from '../support/mapping';

/**
 * The daily-summary builder (src/engine/summary.ts) against the simulator's own arithmetic (Xero's per-line tax
 * rounding): each summary's Total equals its orders' sum and its TotalTax equals what the per-order invoices of the
 * same orders total in Xero, to the cent, on tax-inclusive and tax-exclusive days.
 */

const settings = SUMMARY_SETTINGS;
const tenant = new TenantState('t', 'T', {} as TenantLimits, 0, 0, 0);

/** Totals as the simulator computes them from the lines as sent (explicit TaxAmount honoured). */
function inXero(invoice: InvoiceDraft | CreditNoteDraft) {
  const errors: string[] = [];
  const rules = {
    tenant,
    lineAmountTypes: invoice.LineAmountTypes,
    unitdp: 4,
    requireAccount: true,
    discounts: invoice.Type === 'ACCREC',
  };
  const totals = computeTotals(buildLines(rules, invoice.LineItems, errors), invoice.LineAmountTypes);
  expect(errors).toEqual([]);
  return { total: totals.Total, tax: totals.TotalTax };
}

/** Σ of the per-order invoices' Xero totals and tax, for the summary's orders. */
function perOrderInXero(summary: Summary, orders: Map<string, Order>) {
  let total = 0n;
  let tax = 0n;
  for (const id of summary.orderIds) {
    const mapped = mapOrder(orders.get(id)!, settings, WALK_IN);
    if (mapped.kind !== 'invoice') throw new Error(`${id} did not map`);
    const t = inXero(mapped.invoice);
    total += t.total;
    tax += t.tax;
  }
  return { total, tax };
}

function checkSummaries(orders: Order[], lines: 'account' | 'product' = 'account') {
  const byId = new Map(orders.map((o) => [o.id, o]));
  const { summaries, failed } = buildDailySummaries(orders, settings, WALK_IN, undefined, lines);
  expect(failed).toEqual([]);
  const problems: string[] = [];
  for (const s of summaries) {
    const xero = inXero(s.invoice);
    const orderSum = sumDecimal(s.orderIds.map((id) => parseDecimal(byId.get(id)!.total)));
    const perOrder = perOrderInXero(s, byId);
    if (xero.total !== orderSum)
      problems.push(`${s.invoice.InvoiceNumber}: total ${xero.total} ≠ ${orderSum}`);
    if (xero.tax !== perOrder.tax)
      problems.push(`${s.invoice.InvoiceNumber}: tax ${xero.tax} ≠ ${perOrder.tax}`);
  }
  expect(problems).toEqual([]);
  return summaries;
}

describe('daily summaries', () => {
  const demo = [
    ...generateDemoOrders({
      businessId: 'b',
      from: '2025-03-01',
      to: '2025-03-07',
      ordersPerDay: 40,
      channel: 'pos',
      seed: 5,
    }),
  ];

  it('one invoice per location per local day with live orders, holding each live order once; voided never count', () => {
    const summaries = checkSummaries(demo);
    const live = demo.filter((o) => o.status !== 'voided');
    expect(demo.length - live.length).toBeGreaterThan(0);
    const held = summaries.flatMap((s) => s.orderIds);
    expect(held.sort()).toEqual(live.map((o) => o.id).sort());
    const days = new Set(live.map((o) => `${o.location.id} ${localDateOf(o.placedAt, 'Asia/Singapore')}`));
    expect(summaries.map((s) => `${s.key.locationId} ${s.key.date}`).sort()).toEqual([...days].sort());
    expect(new Set(summaries.map((s) => s.invoice.InvoiceNumber)).size).toBe(summaries.length);
    const first = summaries[0]!;
    expect(first.invoice.InvoiceNumber).toBe(`POS-${first.key.locationId}-${first.key.date}`);
    expect(first.invoice.Reference).toMatch(new RegExp(`^${first.orderIds.length} orders, \\d+ to \\d+$`));
  });

  it('payments: one per method per local payment date, their sum the day’s payments', () => {
    const summaries = checkSummaries(demo);
    for (const s of summaries) {
      const keys = s.payments.map((p) => `${p.accountCode} ${p.date}`);
      expect(new Set(keys).size).toBe(keys.length);
      const orders = demo.filter((o) => s.orderIds.includes(o.id));
      const paid = sumDecimal(orders.flatMap((o) => o.payments.map((p) => parseDecimal(p.amount))));
      expect(sumDecimal(s.payments.map((p) => parseDecimal(p.amount)))).toBe(paid);
    }
  });

  const tricky = discountedRefundOrders({
    businessId: 'b',
    count: 400,
    days: ['2025-07-01', '2025-07-02', '2025-07-03'],
  });

  it('tax-inclusive days: the summary’s tax equals the per-order invoices’ to the cent', () => {
    const summaries = checkSummaries(tricky.filter((o) => o.pricesIncludeTax));
    expect(summaries.every((s) => s.invoice.LineAmountTypes === 'Inclusive')).toBe(true);
    expect(summaries.length).toBe(6);
  });

  it('tax-exclusive days: the summary’s tax equals the per-order invoices’ to the cent', () => {
    const summaries = checkSummaries(tricky.filter((o) => !o.pricesIncludeTax));
    expect(summaries.every((s) => s.invoice.LineAmountTypes === 'Exclusive')).toBe(true);
  });

  it('without the explicit line tax, Xero’s rounding of the summed lines would move cents (why it is sent)', () => {
    const { summaries } = buildDailySummaries(tricky, settings, WALK_IN);
    const byId = new Map(tricky.map((o) => [o.id, o]));
    const moved = summaries.filter((s) => {
      const stripped = {
        ...s.invoice,
        LineItems: s.invoice.LineItems.map(({ TaxAmount: _tax, ...line }) => line),
      };
      return inXero(stripped).tax !== perOrderInXero(s, byId).tax;
    });
    expect(moved.length).toBeGreaterThan(0);
  });

  it('numbers from the template, unique when one key differs only by currency', () => {
    const sgd = demo.filter((o) => o.status === 'completed').slice(0, 2);
    const usd = sgd.map((o) => ({ ...o, id: `${o.id}_usd`, currency: 'USD' }));
    const { summaries } = buildDailySummaries([...sgd, ...usd], settings, WALK_IN);
    const numbers = summaries.map((s) => s.invoice.InvoiceNumber);
    expect(new Set(numbers).size).toBe(numbers.length);
    const key = summaries[0]!.key;
    expect(summaryNumber('{channel}/{LOCATION}/{DATE}/{CURRENCY}', key)).toBe(
      `pos/${key.locationId}/${key.date}/${key.currency}`,
    );
  });

  it('an order that cannot be mapped is left out with its reason; the rest are summarised', () => {
    const bad = {
      ...demo[0]!,
      status: 'completed' as const,
      lines: [{ ...demo[0]!.lines[0]!, taxCode: 'NOPE' }],
    };
    const { summaries, failed } = buildDailySummaries([bad, ...demo.slice(1)], settings, WALK_IN);
    expect(failed.map((f) => f.orderId)).toEqual([bad.id]);
    expect(summaries.flatMap((s) => s.orderIds)).not.toContain(bad.id);
  });

  it('refunds: one credit note per key per local refund date, equal to the day’s refunds, tax as per order, applied as per order', () => {
    const { summaries } = buildDailySummaries(tricky, settings, WALK_IN);
    const notes = buildRefundSummaries(tricky, settings, WALK_IN, summaries);
    const byId = new Map(tricky.map((o) => [o.id, o]));
    const keys = notes.map((n) => JSON.stringify(n.key));
    expect(new Set(keys).size).toBe(keys.length);
    expect(notes.flatMap((n) => n.orderIds).sort()).toEqual(tricky.map((o) => o.id).sort());
    const problems: string[] = [];
    const due = new Map(
      summaries.map((s) => [
        s.invoice.InvoiceNumber,
        inXero(s.invoice).total - sumDecimal(s.payments.map((p) => parseDecimal(p.amount))),
      ]),
    );
    for (const n of notes) {
      const xero = inXero(n.creditNote);
      const refunds = sumDecimal(n.orderIds.map((id) => parseDecimal(byId.get(id)!.refund!.amount)));
      let perOrderTax = 0n;
      for (const id of n.orderIds) {
        const mapped = mapOrder(byId.get(id)!, settings, WALK_IN);
        if (mapped.kind !== 'invoice' || !mapped.creditNote) throw new Error(`${id}: no credit note`);
        perOrderTax += inXero(mapped.creditNote.creditNote).tax;
      }
      const applied = sumDecimal([
        ...n.allocations.map((a) => parseDecimal(a.amount)),
        ...n.refundPayments.map((p) => parseDecimal(p.amount)),
      ]);
      const label = n.creditNote.CreditNoteNumber;
      if (xero.total !== refunds) problems.push(`${label}: total ${xero.total} ≠ refunds ${refunds}`);
      if (xero.tax !== perOrderTax) problems.push(`${label}: tax ${xero.tax} ≠ ${perOrderTax}`);
      if (applied !== refunds) problems.push(`${label}: applied ${applied} ≠ ${refunds}`);
      for (const a of n.allocations)
        due.set(a.invoiceNumber, due.get(a.invoiceNumber)! - parseDecimal(a.amount));
      expect(n.creditNote.Date).toBe(n.key.date);
    }
    expect(problems).toEqual([]);
    expect([...due.values()].filter((d) => d < 0n)).toEqual([]);
  });

  it('summary lines carry the location’s tracking option, and lines of different options are never merged', () => {
    const STORE = 'aaaaaaaa-0000-4000-8000-000000000001';
    const options = {
      loc_clementi: 'aaaaaaaa-0000-4000-8000-00000000000c',
      loc_orchard: 'aaaaaaaa-0000-4000-8000-00000000000a',
    };
    const tracked = { ...settings, tracking: [{ categoryId: STORE, by: 'location' as const, options }] };
    const { summaries } = buildDailySummaries(demo, tracked, WALK_IN);
    for (const s of summaries) {
      const expected = (options as Record<string, string>)[s.key.locationId];
      for (const line of s.invoice.LineItems)
        expect(line.Tracking).toEqual(
          expected ? [{ TrackingCategoryID: STORE, TrackingOptionID: expected }] : undefined,
        );
    }
    expect(summaries.some((s) => s.key.locationId === 'loc_tampines')).toBe(true);
  });

  describe('lines grouped by product (summaryLines "product")', () => {
    const STORE = 'aaaaaaaa-0000-4000-8000-000000000001';
    const tracked = {
      ...settings,
      tracking: [
        {
          categoryId: STORE,
          by: 'location' as const,
          options: { loc_clementi: 'aaaaaaaa-0000-4000-8000-00000000000c' },
        },
      ],
    };

    /** Per summary: each product line's (product, account, tax type, tracking) and the orders selling it, from the per-order mapping. */
    function expectedLines(s: Summary, byId: Map<string, Order>) {
      const want = new Map<string, Set<string>>();
      for (const id of s.orderIds) {
        const order = byId.get(id)!;
        const mapped = mapOrder(order, tracked, WALK_IN);
        if (mapped.kind !== 'invoice') throw new Error(`${id} did not map`);
        order.lines.forEach((line, i) => {
          const l = mapped.invoice.LineItems[i]!;
          const key = JSON.stringify([
            line.sku ?? line.description,
            l.AccountCode,
            l.TaxType,
            l.Tracking ?? [],
          ]);
          want.set(key, (want.get(key) ?? new Set()).add(id));
        });
      }
      return want;
    }

    it('one line per product x account x tax type x tracking option, named by the product (sku) and its count of orders', () => {
      const byId = new Map(demo.map((o) => [o.id, o]));
      const { summaries, failed } = buildDailySummaries(demo, tracked, WALK_IN, undefined, 'product');
      expect(failed).toEqual([]);
      const skus = new Set(demo.flatMap((o) => o.lines.map((l) => l.sku)));
      expect(skus.has(undefined)).toBe(false);
      for (const s of summaries) {
        const want = expectedLines(s, byId);
        const productLines = s.invoice.LineItems.filter(
          (l) => l.AccountCode !== settings.roundingAccountCode,
        );
        const got = productLines.map((l) => {
          const product = l.Description.replace(/: \d+ orders?$/, '');
          return JSON.stringify([product, l.AccountCode, l.TaxType, l.Tracking ?? []]);
        });
        expect(new Set(got).size).toBe(got.length);
        expect(got.sort()).toEqual([...want.keys()].sort());
        for (const l of productLines) {
          const key = JSON.stringify([
            l.Description.replace(/: \d+ orders?$/, ''),
            l.AccountCode,
            l.TaxType,
            l.Tracking ?? [],
          ]);
          const n = want.get(key)!.size;
          expect(l.Description).toMatch(new RegExp(`: ${n} orders?$`));
          expect(l.TaxAmount).toMatch(/^-?\d+\.\d{2}$/);
        }
        expect(skus.has(productLines[0]!.Description.replace(/: \d+ orders?$/, ''))).toBe(true);
      }
      expect(summaries.some((s) => s.key.locationId === 'loc_clementi')).toBe(true);
    });

    it('orders without a sku group by description; tax-inclusive days: total and tax to the cent as per order', () => {
      const inclusive = tricky.filter((o) => o.pricesIncludeTax);
      expect(inclusive.every((o) => o.lines.every((l) => l.sku === undefined))).toBe(true);
      const summaries = checkSummaries(inclusive, 'product');
      const byId = new Map(inclusive.map((o) => [o.id, o]));
      for (const s of summaries) {
        const byAccount = buildDailySummaries(
          s.orderIds.map((id) => byId.get(id)!),
          settings,
          WALK_IN,
        ).summaries[0]!;
        expect(s.invoice.LineItems.length).toBeGreaterThan(byAccount.invoice.LineItems.length);
        const descriptions = new Set(
          s.orderIds.flatMap((id) => byId.get(id)!.lines.map((l) => l.description)),
        );
        // The per-order rounding lines have no product: they group by account, as before.
        const productLines = s.invoice.LineItems.filter(
          (x) => x.AccountCode !== settings.roundingAccountCode,
        );
        expect(productLines.length).toBeGreaterThan(0);
        for (const l of productLines)
          expect(descriptions.has(l.Description.replace(/: \d+ orders?$/, ''))).toBe(true);
      }
    });

    it('tax-exclusive days: total and tax to the cent as per order', () => {
      const summaries = checkSummaries(
        tricky.filter((o) => !o.pricesIncludeTax),
        'product',
      );
      expect(summaries.every((s) => s.invoice.LineAmountTypes === 'Exclusive')).toBe(true);
      expect(
        summaries.every((s) => s.invoice.LineItems.every((l) => l.Description === 'Rounding' || l.TaxAmount)),
      ).toBe(true);
    });

    it('past 100 products a day, the rest fold into an "Other products" line; total and tax still to the cent', () => {
      const busy = [
        ...generateDemoOrders({
          businessId: 'b',
          from: '2025-03-03',
          to: '2025-03-03',
          ordersPerDay: 400,
          channel: 'pos',
          seed: 9,
        }),
      ].map((o) => ({ ...o, lines: o.lines.map((l, i) => ({ ...l, sku: `P-${o.id}-${i}` })) }));
      const summaries = checkSummaries(busy, 'product');
      expect(summaries.length).toBeGreaterThan(0);
      for (const s of summaries) {
        const products = s.invoice.LineItems.filter((l) => l.AccountCode !== settings.roundingAccountCode);
        expect(products.length).toBeLessThanOrEqual(PRODUCT_LINES_MAX);
        const others = products.filter((l) => l.Description.startsWith('Other products: '));
        expect(others.length).toBeGreaterThan(0);
        const keys = others.map((l) => JSON.stringify([l.AccountCode, l.TaxType, l.Tracking ?? []]));
        expect(new Set(keys).size).toBe(keys.length);
      }
    });

    it('the default groups by account: no product in the lines', () => {
      const { summaries } = buildDailySummaries(demo, settings, WALK_IN);
      for (const s of summaries)
        for (const l of s.invoice.LineItems)
          expect(l.Description).toMatch(/^(\d+ orders: account \w+, \w+|Rounding)$/);
    });
  });
});
