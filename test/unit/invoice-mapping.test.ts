import { formatDecimal, parseDecimal } from '../../src/money';
import type { Order, OrderLine } from '../../src/orders/schema';
import {
  creditNoteFor,
  foldedUnitAmount,
  mapOrder,
  paymentsFor,
  xeroTotals,
  type InvoiceMapping,
  type MappingResult,
  type MappingSettings,
  type XeroTotals,
} from '../../src/engine/invoice-mapping';
import { type CreditNoteDraft } from '../../src/xero/documents';
import { money2 } from '../../src/xero/amounts';
import { buildLines, computeTotals } from '../../src/xero-sim/documents';
import type { TenantLimits } from '../../src/xero-sim/options';
import { TenantState } from '../../src/xero-sim/state';
import { mappingSettings } from '../support/mapping';

const settings = mappingSettings({
  taxTypes: { GST9: { taxType: 'OUTPUT', rate: '9' }, ZR: { taxType: 'ZERORATEDOUTPUT', rate: '0' } },
  paymentAccounts: { cash: '090', card: '091' },
});
const RATES = { OUTPUT: '9', ZERORATEDOUTPUT: '0', NONE: '0' };
const contact = { name: 'Orchard Road' };

function line(unitPrice: string, quantity = 1, extra: Partial<OrderLine> = {}): OrderLine {
  return {
    description: `Item ${unitPrice}`,
    quantity,
    unitPrice,
    discount: '0.00',
    taxCode: 'GST9',
    ...extra,
  };
}

function order(overrides: Partial<Order> = {}): Order {
  return {
    id: 'ord_1',
    number: '1001',
    businessId: 'biz_1',
    channel: 'pos',
    location: { id: 'loc-1', name: 'Orchard Road' },
    customer: null,
    placedAt: '2026-03-14T23:30:00+08:00',
    currency: 'SGD',
    pricesIncludeTax: true,
    lines: [line('10.90', 2)],
    total: '21.80',
    payments: [],
    status: 'completed',
    ...overrides,
  };
}

function invoiceOf(result: MappingResult): InvoiceMapping {
  if (result.kind !== 'invoice') throw new Error(`expected an invoice, got ${JSON.stringify(result)}`);
  return result;
}

describe('mapOrder: the invoice', () => {
  it('maps an inclusive POS order to an ACCREC draft dated on the local day', () => {
    const { invoice } = invoiceOf(mapOrder(order(), settings, contact));
    expect(invoice).toEqual({
      Type: 'ACCREC',
      InvoiceNumber: 'POS-1001',
      Reference: 'ord_1',
      contact: { name: 'Orchard Road' },
      Date: '2026-03-14',
      DueDate: '2026-03-14',
      CurrencyCode: 'SGD',
      LineAmountTypes: 'Inclusive',
      Status: 'AUTHORISED',
      LineItems: [
        {
          Description: 'Item 10.90',
          Quantity: '2',
          UnitAmount: '10.90',
          AccountCode: '200',
          TaxType: 'OUTPUT',
        },
      ],
    });
    expect(xeroTotals(invoice, RATES)).toEqual({ SubTotal: '20.00', TotalTax: '1.80', Total: '21.80' });
  });

  it('dates the invoice in the business timezone, not the offset the order was written with', () => {
    const placedAt = '2026-03-15T00:10:00+08:00';
    expect(invoiceOf(mapOrder(order({ placedAt }), settings, contact)).invoice.Date).toBe('2026-03-15');
    expect(
      invoiceOf(mapOrder(order({ placedAt }), { ...settings, timeZone: 'UTC' }, contact)).invoice.Date,
    ).toBe('2026-03-14');
  });

  it('marks exclusive orders Exclusive and passes a contact id through', () => {
    const { invoice } = invoiceOf(
      mapOrder(order({ pricesIncludeTax: false, lines: [line('20.00')], total: '21.80' }), settings, {
        contactId: 'c-1',
      }),
    );
    expect(invoice).toMatchObject({ LineAmountTypes: 'Exclusive', contact: { contactId: 'c-1' } });
    expect(xeroTotals(invoice, RATES).Total).toBe('21.80');
  });

  it('keeps fractional quantities, 4-decimal unit amounts and discount amounts as decimal strings', () => {
    const lines = [line('8.00', 0.125), line('1.2345', 2), line('5.00', 2, { discount: '1.50' })];
    const { invoice } = invoiceOf(mapOrder(order({ lines, total: '11.97' }), settings, contact));
    expect(invoice.LineItems.map((l) => [l.Quantity, l.UnitAmount, l.DiscountAmount])).toEqual([
      ['0.125', '8.00', undefined],
      ['2', '1.2345', undefined],
      ['2', '5.00', '1.50'],
    ]);
    expect(xeroTotals(invoice, RATES).Total).toBe('11.97'); // 1.00 + 2.469 -> 2.47 + 8.50
  });

  it('skips voided orders', () => {
    expect(mapOrder(order({ status: 'voided' }), settings, contact)).toEqual({
      kind: 'skip',
      reason: 'voided',
    });
  });
});

describe('mapOrder: reaching the order total to the cent', () => {
  it('Exclusive 9% over many lines: puts the basket-vs-line tax gap into TaxAmount on the largest taxed line', () => {
    // Taxed: 6 × 1.05 and 2.00. Xero: 6 × round2(0.0945) + 0.18 = 0.72; the POS taxed the basket: 8.30 × 9% -> 0.75
    const lines = [
      ...Array.from({ length: 6 }, () => line('1.05')),
      line('1.05', 1, { taxCode: 'ZR' }),
      line('2.00'),
    ];
    const o = order({ pricesIncludeTax: false, lines, total: '10.10' }); // 9.35 + 0.75
    const { invoice } = invoiceOf(mapOrder(o, settings, contact));
    expect(invoice.LineItems.map((l) => l.TaxAmount)).toEqual([...Array(7).fill(undefined), '0.21']);
    expect(xeroTotals(invoice, RATES)).toEqual({ SubTotal: '9.35', TotalTax: '0.75', Total: '10.10' });
  });

  it('Exclusive with no taxed line: closes a gap with a no-tax rounding line', () => {
    const lines = [line('1.0050', 1, { taxCode: 'ZR' }), line('1.0050', 1, { taxCode: 'ZR' })];
    const { invoice } = invoiceOf(
      mapOrder(order({ pricesIncludeTax: false, lines, total: '2.01' }), settings, contact),
    );
    expect(invoice.LineItems[2]).toEqual({
      Description: 'Rounding',
      Quantity: '1',
      UnitAmount: '-0.01',
      AccountCode: '860',
      TaxType: 'NONE',
    });
    expect(xeroTotals(invoice, RATES).Total).toBe('2.01');
  });

  it('Inclusive: closes a line-rounding gap with a rounding line (3 × 1.005 -> Xero 3.03, POS 3.02)', () => {
    const lines = [line('1.0050'), line('1.0050'), line('1.0050')];
    const { invoice } = invoiceOf(mapOrder(order({ lines, total: '3.02' }), settings, contact));
    expect(invoice.LineItems).toHaveLength(4);
    expect(invoice.LineItems[3]).toMatchObject({ UnitAmount: '-0.01', AccountCode: '860', TaxType: 'NONE' });
    expect(xeroTotals(invoice, RATES).Total).toBe('3.02');
  });

  it('Inclusive 9%: per-line tax differing from basket tax adds nothing, since tax does not change the total', () => {
    const lines = Array.from({ length: 10 }, () => line('1.00'));
    const { invoice } = invoiceOf(mapOrder(order({ lines, total: '10.00' }), settings, contact));
    expect(invoice.LineItems).toHaveLength(10);
    expect(xeroTotals(invoice, RATES)).toEqual({ SubTotal: '9.20', TotalTax: '0.80', Total: '10.00' }); // basket: 0.83
  });

  it('refuses a gap larger than rounding can explain, instead of pushing a wrong invoice', () => {
    const result = mapOrder(order({ total: '27.79' }), settings, contact); // 21.80 of lines + 5.99 shipping not in lines
    expect(result).toEqual({ kind: 'error', field: 'total', message: expect.stringContaining('by 5.99') });
    expect(result.kind === 'error' && result.message).toContain('missing line');
  });

  it('allows at most one cent per line by default, and a configured tolerance', () => {
    expect(mapOrder(order({ total: '21.81' }), settings, contact).kind).toBe('invoice');
    expect(mapOrder(order({ total: '21.82' }), settings, contact).kind).toBe('error');
    expect(
      mapOrder(order({ total: '21.82' }), { ...settings, roundingTolerancePerLine: '0.05' }, contact).kind,
    ).toBe('invoice');
  });

  it('reaches the exact order total for 300 generated orders with 4-decimal prices, discounts and both tax modes', () => {
    let seed = 42; // xorshift32: deterministic and exact in 32-bit integer arithmetic
    let roundingLines = 0;
    let taxAdjusted = 0;
    const next = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    for (let k = 0; k < 300; k++) {
      const inclusive = next(2) === 0;
      const lines = Array.from({ length: 1 + next(12) }, () =>
        line(`${1 + next(50)}.${String(next(10_000)).padStart(4, '0')}`, 1 + next(5), {
          taxCode: next(4) === 0 ? 'ZR' : 'GST9',
          discount: next(3) === 0 ? `0.${String(next(100)).padStart(2, '0')}` : '0.00',
        }),
      );
      const total = posTotal(lines, inclusive);
      const { invoice } = invoiceOf(
        mapOrder(order({ lines, total, pricesIncludeTax: inclusive }), settings, contact),
      );
      expect(xeroTotals(invoice, RATES).Total).toBe(total);
      if (invoice.LineItems.length > lines.length) roundingLines++;
      if (invoice.LineItems.some((l) => l.TaxAmount !== undefined)) taxAdjusted++;
    }
    // The generator does produce both kinds of fix, so the loop above proves something.
    expect(roundingLines).toBeGreaterThan(10);
    expect(taxAdjusted).toBeGreaterThan(10);
  });
});

/**
 * A POS that rounds once per basket: Σ exact line amounts (+ exact tax when exclusive), rounded to the cent.
 * Quantities have at most 4 decimals and prices 4, so amounts are exact at 12 decimals (and × 1.09 at 14).
 */
function posTotal(
  lines: OrderLine[],
  inclusive: boolean,
  ratePercent: Record<string, bigint> = { GST9: 9n },
): string {
  const scale = 10n ** 14n;
  let exact = 0n;
  for (const l of lines) {
    const quantity = BigInt(Math.round(l.quantity * 10_000)); // 4 decimals
    const unit = parseDecimal(l.unitPrice); // 4 decimals
    const amount = quantity * unit * 10_000n - parseDecimal(l.discount) * 10n ** 8n; // 12 decimals
    const rate = ratePercent[l.taxCode] ?? 0n;
    exact += inclusive ? amount * 100n : amount * (100n + rate);
  }
  const cents = (exact + scale / 200n) / (scale / 100n);
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}

describe('mapOrder: refusing bad data', () => {
  it('names an unmapped tax code and says to add it to the tax mapping', () => {
    const result = mapOrder(order({ lines: [line('21.80', 1, { taxCode: 'GST8' })] }), settings, contact);
    expect(result).toEqual({
      kind: 'error',
      field: 'lines[0].taxCode',
      message: expect.stringMatching(/"GST8".*add "GST8" to the business's tax mapping/),
    });
  });

  it('does not treat inherited object keys as tax codes', () => {
    expect(
      mapOrder(order({ lines: [line('21.80', 1, { taxCode: 'toString' })] }), settings, contact),
    ).toMatchObject({
      field: 'lines[0].taxCode',
    });
  });

  it('refuses quantities with more than 4 decimals', () => {
    expect(mapOrder(order({ lines: [line('10.00', 0.12345)] }), settings, contact)).toMatchObject({
      kind: 'error',
      field: 'lines[0].quantity',
    });
  });

  it('refuses negative prices, negative totals and discounts larger than the line', () => {
    expect(mapOrder(order({ lines: [line('-1.00')], total: '0.00' }), settings, contact)).toMatchObject({
      field: 'lines[0].unitPrice',
    });
    expect(mapOrder(order({ total: '-21.80' }), settings, contact)).toMatchObject({ field: 'total' });
    expect(
      mapOrder(order({ lines: [line('1.00', 1, { discount: '1.01' })], total: '0.00' }), settings, contact),
    ).toMatchObject({
      field: 'lines[0].discount',
    });
  });

  it('refuses a total with fractions of a cent', () => {
    expect(mapOrder(order({ total: '21.805' }), settings, contact)).toMatchObject({ field: 'total' });
  });

  it('refuses bad settings: rates, conflicting rates, timezone, invoice number too long', () => {
    const badRate = { ...settings, taxTypes: { GST9: { taxType: 'OUTPUT', rate: 'nine' } } };
    expect(mapOrder(order(), badRate, contact)).toMatchObject({ field: 'taxTypes.GST9.rate' });
    const clash = { ...settings, taxTypes: { ...settings.taxTypes, OLD: { taxType: 'OUTPUT', rate: '7' } } };
    expect(mapOrder(order(), clash, contact)).toMatchObject({ field: 'taxTypes.OLD.rate' });
    expect(mapOrder(order(), { ...settings, timeZone: 'Asia/Nowhere' }, contact)).toMatchObject({
      field: 'timeZone',
    });
    expect(
      mapOrder(
        order({ number: 'x'.repeat(100) }),
        { ...settings, invoiceNumberTemplate: '{number}{number}{number}' },
        contact,
      ),
    ).toMatchObject({
      field: 'invoiceNumberTemplate',
    });
  });
});

describe('mapOrder: what Xero would refuse is refused before it is sent', () => {
  it('a blank line description (LineItem.Description needs at least 1 char)', () => {
    const result = mapOrder(order({ lines: [line('21.80', 1, { description: '  ' })] }), settings, contact);
    expect(result).toEqual({
      kind: 'error',
      field: 'lines[0].description',
      message: expect.stringContaining('empty description'),
    });
  });

  it('a contact name over 255 characters (Contact.Name max length = 255), which is never cut', () => {
    expect(mapOrder(order(), settings, { name: 'N'.repeat(255) }).kind).toBe('invoice');
    expect(mapOrder(order(), settings, { name: 'N'.repeat(256) })).toEqual({
      kind: 'error',
      field: 'contact',
      message: expect.stringContaining('256 characters; Xero allows 255'),
    });
  });

  it('a credit note number over 255 characters, though the invoice number fits', () => {
    const refunded = (n: number) =>
      mapOrder(
        order({ number: 'x'.repeat(n), status: 'refunded' }),
        { ...settings, invoiceNumberTemplate: '{number}{number}{number}' },
        contact,
      );
    expect(refunded(84).kind).toBe('invoice'); // 252 + "-CN" = 255
    expect(refunded(85)).toMatchObject({ kind: 'error', message: expect.stringContaining('exceeds 255') });
  });
});

describe('paymentsFor', () => {
  const paid = order({
    payments: [
      { method: 'card', amount: '20.00', paidAt: '2026-03-14T23:59:00+08:00' },
      { method: 'cash', amount: '1.80', paidAt: '2026-03-15T00:01:00+08:00' },
      { method: 'cash', amount: '0.00', paidAt: '2026-03-15T00:01:00+08:00' },
    ],
  });

  it('maps each payment to its account, dated on the local day it was paid, skipping zero amounts', () => {
    expect(paymentsFor(paid, 'POS-1001', settings)).toEqual({
      kind: 'payments',
      payments: [
        { invoiceNumber: 'POS-1001', accountCode: '091', date: '2026-03-14', amount: '20.00' },
        { invoiceNumber: 'POS-1001', accountCode: '090', date: '2026-03-15', amount: '1.80' },
      ],
    });
  });

  it('names an unmapped payment method and says where to add it', () => {
    const o = order({
      payments: [{ method: 'voucher', amount: '1.00', paidAt: '2026-03-14T10:00:00+08:00' }],
    });
    expect(paymentsFor(o, 'POS-1001', settings)).toEqual({
      kind: 'error',
      field: 'payments[0].method',
      message: expect.stringContaining('add "voucher" to the business\'s payment account mapping'),
    });
  });

  it('refuses payments adding up to more than the order total, and negative payments', () => {
    const over = order({
      payments: [{ method: 'card', amount: '21.81', paidAt: '2026-03-14T10:00:00+08:00' }],
    });
    expect(paymentsFor(over, 'POS-1001', settings)).toMatchObject({ kind: 'error', field: 'payments' });
    const negative = order({
      payments: [{ method: 'card', amount: '-1.00', paidAt: '2026-03-14T10:00:00+08:00' }],
    });
    expect(paymentsFor(negative, 'POS-1001', settings)).toMatchObject({
      kind: 'error',
      field: 'payments[0].amount',
    });
  });

  it('is part of mapOrder for an authorised invoice, and not sent for a draft one', () => {
    expect(invoiceOf(mapOrder(paid, settings, contact)).payments).toHaveLength(2);
    const draft = invoiceOf(mapOrder(paid, { ...settings, invoiceStatus: 'DRAFT' }, contact));
    expect(draft.payments).toEqual([]);
  });
});

describe('credit notes for refunded orders', () => {
  const refundedAt = '2026-03-20T09:00:00+08:00';

  it('mirrors the invoice lines, rounding fixes included, for a full refund dated on the refund day', () => {
    const lines = Array.from({ length: 7 }, () => line('1.05'));
    const o = order({
      pricesIncludeTax: false,
      lines,
      total: '8.01',
      status: 'refunded',
      refund: { amount: '8.01', refundedAt },
    });
    const result = invoiceOf(mapOrder(o, settings, contact));
    const note = result.creditNote?.creditNote;
    expect(note).toMatchObject({
      Type: 'ACCRECCREDIT',
      CreditNoteNumber: 'POS-1001-CN',
      Reference: 'ord_1',
      Date: '2026-03-20',
    });
    expect(note?.LineItems).toEqual(result.invoice.LineItems);
    expect(note && xeroTotals(note, RATES)).toEqual(xeroTotals(result.invoice, RATES));
    expect(result.creditNote?.allocationAmount).toBe('8.01');
  });

  it('refunds the whole total, dated on the order day, when the export has no refund details', () => {
    const plan = invoiceOf(mapOrder(order({ status: 'refunded' }), settings, contact)).creditNote;
    expect(plan).toMatchObject({ allocationAmount: '21.80', creditNote: { Date: '2026-03-14' } });
  });

  it('uses one inclusive line at the dominant tax type for a partial refund', () => {
    const lines = [line('5.00', 1, { taxCode: 'ZR' }), line('16.80')];
    const o = order({
      pricesIncludeTax: false,
      lines,
      total: '23.31',
      status: 'refunded',
      refund: { amount: '5.00', refundedAt, reason: 'damaged' },
    });
    const note = invoiceOf(mapOrder(o, settings, contact)).creditNote?.creditNote;
    expect(note?.LineAmountTypes).toBe('Inclusive');
    expect(note?.LineItems).toEqual([
      {
        Description: 'Refund of order 1001: damaged',
        Quantity: '1',
        UnitAmount: '5.00',
        AccountCode: '200',
        TaxType: 'OUTPUT',
      },
    ]);
    expect(note && xeroTotals(note, RATES)).toEqual({ SubTotal: '4.59', TotalTax: '0.41', Total: '5.00' });
  });

  it.each([
    ['unpaid', [], '5.00', '5.00', undefined],
    ['fully paid', [['card', '21.80']], '5.00', '0.00', '5.00'],
    ['partly paid', [['cash', '10.00']], '15.00', '11.80', '3.20'],
  ])(
    '%s order: allocates what is still due and pays back the rest',
    (_name, pays, refund, allocation, paidBack) => {
      const payments = (pays as string[][]).map(([method = '', amount = '']) => ({
        method,
        amount,
        paidAt: '2026-03-14T10:00:00+08:00',
      }));
      const o = order({ status: 'refunded', payments, refund: { amount: refund, refundedAt } });
      const plan = invoiceOf(mapOrder(o, settings, contact)).creditNote;
      expect(plan?.allocationAmount).toBe(allocation);
      expect(plan?.refundPayment?.amount).toBe(paidBack);
      if (paidBack) {
        expect(plan?.refundPayment).toMatchObject({ creditNoteNumber: 'POS-1001-CN', date: '2026-03-20' });
      }
    },
  );

  it('pays a refund back through the account of the last payment method', () => {
    const payments = [
      { method: 'cash', amount: '1.80', paidAt: '2026-03-14T10:00:00+08:00' },
      { method: 'card', amount: '20.00', paidAt: '2026-03-14T10:00:00+08:00' },
    ];
    const o = order({ status: 'refunded', payments, refund: { amount: '21.80', refundedAt } });
    expect(invoiceOf(mapOrder(o, settings, contact)).creditNote?.refundPayment?.accountCode).toBe('091');
  });

  it('withholds the allocation when invoices are created as drafts', () => {
    const draft = invoiceOf(
      mapOrder(order({ status: 'refunded' }), { ...settings, invoiceStatus: 'DRAFT' }, contact),
    );
    expect(draft.creditNote).toMatchObject({ allocationAmount: '0.00', creditNote: { Status: 'DRAFT' } });
    expect(draft.creditNote?.refundPayment).toBeUndefined();
  });

  it('refuses a refund larger than the total, or of zero', () => {
    expect(
      mapOrder(order({ status: 'refunded', refund: { amount: '21.81', refundedAt } }), settings, contact),
    ).toMatchObject({
      field: 'refund.amount',
    });
    expect(
      mapOrder(order({ status: 'refunded', refund: { amount: '0.00', refundedAt } }), settings, contact),
    ).toMatchObject({
      field: 'refund.amount',
    });
  });

  it('creditNoteFor returns the plan of a refunded order and refuses other orders', () => {
    expect(creditNoteFor(order({ status: 'refunded' }), settings, contact)).toMatchObject({
      kind: 'credit-note',
      plan: { allocationAmount: '21.80' },
    });
    expect(creditNoteFor(order(), settings, contact)).toMatchObject({ kind: 'error', field: 'status' });
  });
});

describe('credit notes of discounted orders: no discount fields, exact to the cent in Xero', () => {
  // Tax codes as the simulator's Singapore organisation has them, so Xero's own arithmetic (the simulator's
  // documents.ts, written independently of the mapping) can recompute every credit note below.
  const sg: MappingSettings = {
    ...settings,
    taxTypes: {
      GST9: { taxType: 'OUTPUTY24', rate: '9' },
      GST8: { taxType: 'OUTPUTY23', rate: '8' },
      ZR: { taxType: 'ZERORATEDOUTPUT', rate: '0' },
    },
  };
  const SG_RATES = { OUTPUTY24: '9', OUTPUTY23: '8', ZERORATEDOUTPUT: '0', NONE: '0' };
  const refundedAt = '2026-03-20T09:00:00+08:00';

  /** Totals as the simulator computes them for a credit note (discounts ignored, as Xero ignores them). */
  function simCreditNoteTotals(note: CreditNoteDraft): XeroTotals {
    const errors: string[] = [];
    const tenant = new TenantState('t', 'T', {} as TenantLimits, 0, 0, 0);
    const rules = {
      tenant,
      lineAmountTypes: note.LineAmountTypes,
      unitdp: 4,
      requireAccount: true,
      discounts: false,
    };
    const totals = computeTotals(buildLines(rules, note.LineItems, errors), note.LineAmountTypes);
    expect(errors).toEqual([]);
    return {
      SubTotal: money2(totals.SubTotal),
      TotalTax: money2(totals.TotalTax),
      Total: money2(totals.Total),
    };
  }

  function refunded(lines: OrderLine[], inclusive: boolean, refund?: string): InvoiceMapping {
    const total = posTotal(lines, inclusive, { GST9: 9n, GST8: 8n });
    const o = order({
      lines,
      total,
      pricesIncludeTax: inclusive,
      status: 'refunded',
      refund: { amount: refund ?? total, refundedAt },
    });
    return invoiceOf(mapOrder(o, sg, contact));
  }

  const hasDiscount = (note: CreditNoteDraft) =>
    note.LineItems.some((l) => 'DiscountAmount' in l || 'DiscountRate' in l);

  it('folds a line discount into a 4-decimal UnitAmount at the same quantity (3 × 1.2345 less 0.10 -> 3 × 1.20)', () => {
    const lines = [line('5.00', 3, { discount: '1.50' }), line('1.2345', 3, { discount: '0.10' })];
    const mapping = refunded(lines, true);
    const note = mapping.creditNote!.creditNote;
    expect(note.LineItems.map((l) => [l.Quantity, l.UnitAmount, l.TaxAmount])).toEqual([
      ['3', '4.50', undefined],
      ['3', '1.20', undefined],
    ]);
    expect(hasDiscount(note)).toBe(false);
    expect(xeroTotals(note, SG_RATES)).toEqual(xeroTotals(mapping.invoice, SG_RATES));
    expect(simCreditNoteTotals(note)).toEqual(xeroTotals(mapping.invoice, SG_RATES));
    expect(mapping.creditNote!.allocationAmount).toBe(xeroTotals(note, SG_RATES).Total);
  });

  it('Xero ignores discounts on a credit note: copying the invoice lines would credit more than was sold', () => {
    const lines = [line('5.00', 3, { discount: '1.50' })];
    const mapping = refunded(lines, true);
    const copied: CreditNoteDraft = {
      ...mapping.creditNote!.creditNote,
      LineItems: mapping.invoice.LineItems,
    };
    expect(xeroTotals(mapping.invoice, SG_RATES).Total).toBe('13.50');
    expect(xeroTotals(copied, SG_RATES).Total).toBe('15.00');
    expect(simCreditNoteTotals(copied).Total).toBe('15.00');
  });

  it('above 100 units, where no 4-decimal price reaches the line amount: explicit tax and a no-tax rounding line', () => {
    // 102 × 0.3333 − 1.11 = 32.8866 -> 32.89 (tax 2.72 inclusive); 102 × 0.3224 = 32.88 (Xero's tax would be 2.71).
    const mapping = refunded([line('0.3333', 102, { discount: '1.11' })], true);
    const note = mapping.creditNote!.creditNote;
    expect(note.LineItems).toEqual([
      {
        Description: 'Item 0.3333',
        Quantity: '102',
        UnitAmount: '0.3224',
        TaxAmount: '2.72',
        AccountCode: '200',
        TaxType: 'OUTPUTY24',
      },
      {
        Description: 'Rounding (discounts in unit prices)',
        Quantity: '1',
        UnitAmount: '0.01',
        AccountCode: '860',
        TaxType: 'NONE',
      },
    ]);
    expect(xeroTotals(note, SG_RATES)).toEqual({ SubTotal: '30.17', TotalTax: '2.72', Total: '32.89' });
    expect(simCreditNoteTotals(note)).toEqual(xeroTotals(mapping.invoice, SG_RATES));
  });

  it.each([
    ['inclusive', true],
    ['exclusive', false],
  ])(
    'a partial refund of a discounted %s order is one line without discount at the refund amount',
    (_n, inc) => {
      const lines = [
        line('12.3456', 2, { discount: '2.00' }),
        line('3.10', 1, { taxCode: 'ZR', discount: '0.10' }),
      ];
      const note = refunded(lines, inc, '7.35').creditNote!.creditNote;
      expect(hasDiscount(note)).toBe(false);
      expect(xeroTotals(note, SG_RATES).Total).toBe('7.35');
      expect(simCreditNoteTotals(note).Total).toBe('7.35');
    },
  );

  it('400 generated refunds (both tax modes, 9%/8%/0% lines, 4-decimal prices, fractional and large quantities, discounts): Total and TotalTax equal the invoice, or the refund', () => {
    let seed = 7; // xorshift32, deterministic
    const next = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const QUANTITIES = [1, 2, 3, 0.5, 1.25, 2.125, 0.3333, 7, 12, 150, 257];
    const counts = {
      full: 0,
      partial: 0,
      folded: 0,
      explicitTax: 0,
      rounding: 0,
      inclusive: 0,
      exclusive: 0,
    };
    for (let k = 0; k < 400; k++) {
      const inclusive = next(2) === 0;
      const lines = Array.from({ length: 1 + next(6) }, () => {
        const quantity = QUANTITIES[next(QUANTITIES.length)]!;
        const unit = `${next(40)}.${String(next(10_000)).padStart(4, '0')}`;
        const gross = (BigInt(Math.round(quantity * 10_000)) * BigInt(unit.replace('.', ''))) / 10n ** 6n; // cents
        const discount = next(3) === 0 || gross < 2n ? 0n : 1n + BigInt(next(Number(gross - 1n)));
        return line(unit, quantity, {
          taxCode: ['GST9', 'GST8', 'ZR'][next(3)]!,
          discount: `${discount / 100n}.${String(discount % 100n).padStart(2, '0')}`,
        });
      });
      const mapping = refunded(lines, inclusive);
      const total = xeroTotals(mapping.invoice, SG_RATES).Total;
      const full = next(3) !== 0 || total === '0.00';
      const refund = full ? total : `${(BigInt(total.replace('.', '')) * BigInt(1 + next(99))) / 100n + 1n}`;
      const refundText = full
        ? total
        : `${BigInt(refund) / 100n}.${String(BigInt(refund) % 100n).padStart(2, '0')}`;
      const plan = refunded(lines, inclusive, refundText).creditNote!;
      const note = plan.creditNote;
      expect(hasDiscount(note)).toBe(false);
      const expected = full ? xeroTotals(mapping.invoice, SG_RATES) : undefined;
      if (expected) {
        expect(xeroTotals(note, SG_RATES)).toEqual(expected);
        expect(simCreditNoteTotals(note)).toEqual(expected);
        counts.full++;
      } else {
        expect(xeroTotals(note, SG_RATES).Total).toBe(refundText);
        expect(simCreditNoteTotals(note).Total).toBe(refundText);
        counts.partial++;
      }
      expect(plan.allocationAmount).toBe(refundText); // unpaid: all of it closes the invoice, nothing stays open
      counts[inclusive ? 'inclusive' : 'exclusive']++;
      if (full) {
        const discounted = mapping.invoice.LineItems.filter((l) => l.DiscountAmount !== undefined).length;
        counts.folded += discounted;
        if (note.LineItems.some((l) => l.TaxAmount !== undefined)) counts.explicitTax++;
        if (note.LineItems.some((l) => l.Description.startsWith('Rounding (discounts'))) counts.rounding++;
      }
    }
    // The generator reaches every path, so the loop above proves each of them.
    expect(counts.full).toBeGreaterThan(150);
    expect(counts.partial).toBeGreaterThan(50);
    expect(counts.inclusive).toBeGreaterThan(100);
    expect(counts.exclusive).toBeGreaterThan(100);
    expect(counts.folded).toBeGreaterThan(300);
    expect(counts.rounding).toBeGreaterThan(5);
    expect(counts.explicitTax).toBeGreaterThan(2);
  });
});

describe('foldedUnitAmount', () => {
  const d = (text: string) => parseDecimal(text);
  it('gives amount ÷ quantity when Xero rounds it back to the amount, else the smallest price that does, else the closest', () => {
    expect(formatDecimal(foldedUnitAmount(d('3'), d('13.50')), 4)).toBe('4.5000');
    expect(formatDecimal(foldedUnitAmount(d('3'), d('3.60')), 4)).toBe('1.2000');
    expect(formatDecimal(foldedUnitAmount(d('3'), d('3.61')), 4)).toBe('1.2033'); // 3.6099 -> 3.61
    expect(formatDecimal(foldedUnitAmount(d('0.125'), d('1.00')), 4)).toBe('8.0000');
    expect(formatDecimal(foldedUnitAmount(d('102'), d('32.89')), 4)).toBe('0.3224'); // 32.88; 0.3225 -> 32.90
    expect(formatDecimal(foldedUnitAmount(d('7'), d('0.00')), 4)).toBe('0.0000');
    expect(formatDecimal(foldedUnitAmount(d('250'), d('308.56')), 4)).toBe('1.2342'); // 308.55; 1.2343 -> 308.58
  });
});
