import type { Allocation, CreditNote, Invoice, Payment } from 'xero-node';
import type { Order } from '../../src/orders/schema';
import { mapOrder, type InvoiceMapping, type MappingSettings } from '../../src/engine/invoice-mapping';
import {
  accepted,
  checkAllocation,
  checkCreditNoteTotals,
  checkFoundInvoice,
  checkInvoiceAnswers,
  checkInvoiceTotals,
  checkPayments,
  checkRefundPayment,
} from '../../src/engine/money-checks';
import { mappingSettings } from '../support/mapping';

const settings = mappingSettings();

function order(overrides: Partial<Order> = {}): Order {
  return {
    id: 'ord_1',
    number: '1001',
    businessId: 'biz_1',
    channel: 'pos',
    location: { id: 'loc-1', name: 'Orchard Road' },
    customer: null,
    placedAt: '2026-03-14T10:00:00+08:00',
    currency: 'SGD',
    pricesIncludeTax: false,
    lines: [{ description: 'Mug', quantity: 1, unitPrice: '10.00', discount: '0.00', taxCode: 'GST9' }],
    total: '10.90',
    payments: [],
    status: 'completed',
    ...overrides,
  };
}

function mapped(o: Order, s = settings): InvoiceMapping {
  const result = mapOrder(o, s, { name: 'Orchard Road' });
  if (result.kind !== 'invoice') throw new Error(JSON.stringify(result));
  return result;
}

const invoiceAnswer = (total: number, totalTax: number): Invoice => ({
  invoiceID: '6f1c2b8e-0000-4000-8000-000000000001',
  total,
  totalTax,
  statusAttributeString: 'OK',
});

describe('checkInvoiceTotals', () => {
  it('accepts an answer whose total and tax are the order’s', () => {
    const o = order();
    expect(checkInvoiceTotals(o, mapped(o).invoice, settings, invoiceAnswer(10.9, 0.9))).toBeNull();
  });

  it('names both amounts when Xero’s total differs from the order’s', () => {
    const o = order({ total: '11.00', lines: [{ ...order().lines[0]!, unitPrice: '10.0917' }] });
    const answer = invoiceAnswer(11.9, 0.91);
    expect(checkInvoiceTotals(o, mapped(o).invoice, settings, answer)).toBe(
      "Xero's total 11.90 differs from the order's 11.00",
    );
  });

  it('flags a tax rate that is not Xero’s: mapped at 8%, taxed by Xero at 9%', () => {
    const at8: MappingSettings = { ...settings, taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '8' } } };
    const o = order({ total: '10.80' });
    const invoice = mapped(o, at8).invoice;
    expect(checkInvoiceTotals(o, invoice, at8, invoiceAnswer(10.9, 0.9))).toBe(
      "Xero's total 10.90 differs from the order's 10.80; Xero's tax 0.90 differs from the expected 0.80 at the business's tax rates (check the tax mapping's rates against the organisation's in Xero)",
    );
    // Inclusive prices keep the total; only the tax shows the wrong rate.
    const inclusive = order({ pricesIncludeTax: true, total: '10.00' });
    const answer = invoiceAnswer(10, 0.83);
    expect(checkInvoiceTotals(inclusive, mapped(inclusive, at8).invoice, at8, answer)).toMatch(
      /^Xero's tax 0.83 differs from the expected 0.74/,
    );
  });

  it('never silently accepts an answer without a total', () => {
    const o = order();
    expect(checkInvoiceTotals(o, mapped(o).invoice, settings, { invoiceID: 'x', totalTax: 0.9 })).toBe(
      "Xero's answer has no total; the order's is 10.90",
    );
  });
});

describe('checkInvoiceAnswers / checkFoundInvoice', () => {
  it('checks the saved elements of a batch in the order sent and skips the refused ones', () => {
    const a = order({ id: 'a' });
    const b = order({ id: 'b' });
    const c = order({ id: 'c' });
    const sent = [a, b, c].map((o) => ({ order: o, invoice: mapped(o).invoice }));
    const refused: Invoice = {
      invoiceID: '00000000-0000-0000-0000-000000000000',
      hasErrors: true,
      validationErrors: [{ message: 'no' }],
    };
    expect(
      checkInvoiceAnswers(sent, [invoiceAnswer(10.9, 0.9), refused, invoiceAnswer(12, 0.9)], settings),
    ).toEqual([
      { orderId: 'a', mismatch: null },
      { orderId: 'c', mismatch: "Xero's total 12.00 differs from the order's 10.90" },
    ]);
    expect(checkFoundInvoice(a, invoiceAnswer(10.91, 0.9))).toEqual({
      orderId: 'a',
      mismatch: "Xero's total 10.91 differs from the order's 10.90",
    });
  });

  it('accepted(): an id that is not all zeros, no error flag, no validation errors', () => {
    expect(accepted({ statusAttributeString: 'OK' }, 'id-1')).toBe(true);
    expect(accepted({}, '00000000-0000-0000-0000-000000000000')).toBe(false);
    expect(accepted({ statusAttributeString: 'ERROR' }, 'id-1')).toBe(false);
    expect(accepted({ hasValidationErrors: true }, 'id-1')).toBe(false);
    expect(accepted({ validationErrors: [{}] }, 'id-1')).toBe(false);
    expect(accepted(undefined, 'id-1')).toBe(false);
  });
});

describe('credit notes, allocations and refunds', () => {
  const refunded = order({
    status: 'refunded',
    total: '10.90',
    payments: [{ method: 'card', amount: '10.90', paidAt: '2026-03-14T10:00:00+08:00' }],
    refund: { amount: '5.45', refundedAt: '2026-03-15T10:00:00+08:00' },
  });
  const plan = mapped(refunded).creditNote!;

  it('compares a credit note with the order’s refund and its tax with the mapped rates', () => {
    const good: CreditNote = { creditNoteID: 'n', total: 5.45, totalTax: 0.45 };
    expect(checkCreditNoteTotals(refunded, plan, settings, good)).toBeNull();
    expect(checkCreditNoteTotals(refunded, plan, settings, { ...good, total: 6.05 })).toBe(
      "Xero's credit note total 6.05 differs from the order's refund 5.45",
    );
  });

  it('compares the allocation and the refund payment with the plan', () => {
    expect(plan).toMatchObject({ allocationAmount: '0.00', refundPayment: { amount: '5.45' } });
    const allocation: Allocation = { invoice: {}, amount: 0, date: '2026-03-15' };
    expect(checkAllocation(plan, allocation)).toBeNull();
    expect(checkAllocation(plan, { ...allocation, amount: 1 })).toBe(
      "Xero's allocation 1.00 differs from the planned 0.00",
    );
    expect(checkRefundPayment(plan, { paymentID: 'p', amount: 5.45 })).toBeNull();
    expect(checkRefundPayment(plan, { paymentID: 'p', amount: 5.4 })).toBe(
      "Xero's refund 5.40 differs from the planned 5.45",
    );
  });
});

describe('checkPayments', () => {
  it('checks each saved payment against the order’s, one result per order', () => {
    const sent = [
      { orderId: 'a', amount: '5.00' },
      { orderId: 'a', amount: '5.90' },
      { orderId: 'b', amount: '3.00' },
      { orderId: 'c', amount: '1.00' },
    ];
    const answers: Array<Payment | undefined> = [
      { paymentID: 'p1', amount: 5 },
      { paymentID: 'p2', amount: 5.8 },
      { paymentID: 'p3', amount: 3 },
      { paymentID: '00000000-0000-0000-0000-000000000000', hasValidationErrors: true, amount: 9 },
    ];
    expect(checkPayments(sent, answers)).toEqual([
      { orderId: 'a', mismatch: "Xero's payment 5.80 differs from the order's payment 5.90" },
      { orderId: 'b', mismatch: null },
      { orderId: 'c', mismatch: null },
    ]);
  });
});
