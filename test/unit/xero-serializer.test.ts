import { ObjectSerializer } from 'xero-node';
import { DEFAULT_SETTINGS } from '../../src/businesses/store';
import { DEMO_SETTINGS } from '../../src/demo/seed';
import { mapOrder } from '../../src/engine/invoice-mapping';
import { generateDemoOrders } from '../../src/orders/seed';
import { installFastSerializer, serializers } from '../../src/xero/serializer';
import { toXeroCreditNote, toXeroInvoice, toXeroPayment } from '../../src/xero/wire';

const { original, fast } = serializers;
const settings = { ...DEFAULT_SETTINGS, ...DEMO_SETTINGS, timeZone: 'Asia/Singapore' };

/** A month of demo orders of each channel (refunds, partial payments, discounts), mapped as the engine maps them. */
function mapped() {
  const orders = (['pos', 'online', 'b2b'] as const).flatMap((channel) => [
    ...generateDemoOrders({
      businessId: 'b',
      from: '2025-01-01',
      to: '2025-01-31',
      ordersPerDay: 4,
      channel,
    }),
  ]);
  return orders.flatMap((o) => {
    const m = mapOrder(o, settings, { contactId: '5b7f3c4e-0000-4000-8000-000000000001' });
    return m.kind === 'invoice' ? [m] : [];
  });
}

/** What Xero answers for a written invoice: the request's fields and the ones Xero adds (ids, MS JSON dates, errors). */
function answered(sent: Record<string, unknown>, i: number): Record<string, unknown> {
  return {
    ...sent,
    InvoiceID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    Contact: {
      ContactID: '5b7f3c4e-0000-4000-8000-000000000001',
      Name: 'Walk-in',
      ContactStatus: 'ACTIVE',
      Addresses: [{ AddressType: 'POBOX', City: '' }],
      Phones: [{ PhoneType: 'DEFAULT' }],
      UpdatedDateUTC: '/Date(1700000000000+0000)/',
      ContactGroups: [],
      HasValidationErrors: false,
    },
    DateString: '2025-01-01T00:00:00',
    Date: '/Date(1735689600000+0000)/',
    UpdatedDateUTC: '/Date(1735689600123+0000)/',
    SubTotal: 10.5,
    TotalTax: 0.95,
    Total: 11.45,
    AmountDue: 0,
    HasErrors: i % 7 === 0,
    ValidationErrors: i % 7 === 0 ? [{ Message: 'Invoice # must be unique.' }] : undefined,
    Warnings: i % 5 === 0 ? [{ Message: 'Account code 200 is archived' }] : undefined,
    StatusAttributeString: i % 7 === 0 ? 'ERROR' : 'OK',
    Payments: [{ PaymentID: 'p', Date: '/Date(1735689600000+0000)/', Amount: 1.5 }],
    SomethingXeroAddedLater: { Kept: 'out' },
  };
}

describe("xero-node's serializer, the faster walk (src/xero/serializer.ts)", () => {
  const documents = mapped();

  it('writes the request bodies of invoices, payments and credit notes as the library does, byte for byte', () => {
    const invoices = { invoices: documents.map((m) => toXeroInvoice(m.invoice)) };
    const payments = {
      payments: documents.flatMap((m) => m.payments.map((p) => toXeroPayment(p, 'inv-1'))),
    };
    const notes = documents.flatMap((m) => (m.creditNote ? [m.creditNote] : []));
    const creditNotes = { creditNotes: notes.map((n) => toXeroCreditNote(n.creditNote)) };
    expect(payments.payments.length).toBeGreaterThan(50);
    expect(creditNotes.creditNotes.length).toBeGreaterThan(0);
    // A model is serialized only for a request body: what counts is its JSON, the bytes sent.
    for (const [body, type] of [
      [invoices, 'Invoices'],
      [payments, 'Payments'],
      [creditNotes, 'CreditNotes'],
    ] as const)
      expect(JSON.stringify(fast.serialize(body, type))).toBe(
        JSON.stringify(original.serialize.call(ObjectSerializer, body, type)),
      );
    for (const [body, type] of [
      [['a', 'b'], 'Array<string>'],
      [{ invoiceIDs: ['a', 'b'], dates: [new Date(0)] }, 'Array<string>'],
      [new Date(1735689600000), 'Date'],
      ['AUTHORISED', 'Invoice.StatusEnum'],
      [{ Whatever: 1 }, 'NoSuchType'],
    ] as const)
      expect(fast.serialize(body, type)).toStrictEqual(original.serialize.call(ObjectSerializer, body, type));
  });

  it("reads Xero's answers into the same model classes, dates and values as the library does", () => {
    const sent = original.serialize.call(
      ObjectSerializer,
      {
        invoices: documents.map((m) => toXeroInvoice(m.invoice)),
      },
      'Invoices',
    ) as { Invoices: Array<Record<string, unknown>> };
    const answer = { Id: 'x', Status: 'OK', Invoices: sent.Invoices.map(answered) };
    const read = fast.deserialize(answer, 'Invoices');
    expect(read).toStrictEqual(original.deserialize.call(ObjectSerializer, answer, 'Invoices'));
    const first = (read as { invoices: Array<{ updatedDateUTC: unknown; contact: object }> }).invoices[0]!;
    expect(first.updatedDateUTC).toBeInstanceOf(Date);
    expect(first.contact.constructor.name).toBe('Contact');
    for (const [data, type] of [
      [{ Contacts: [{ Name: 'A', Addresses: [] }], pagination: { page: 1, itemCount: 3 } }, 'Contacts'],
      [{ Payments: [{ Amount: 1, Date: '/Date(0+0000)/', Invoice: { InvoiceID: 'i' } }] }, 'Payments'],
      ['["a","b"]', 'Array<string>'],
      ['2025-01-01T00:00:00', 'Date'],
      ['/Date(1735689600000+0000)/', 'string'],
      [12.5, 'number'],
      [{ Anything: true }, 'NoSuchType'],
    ] as const)
      expect(fast.deserialize(data, type)).toStrictEqual(
        original.deserialize.call(ObjectSerializer, data, type),
      );
  });

  it('is what xero-node calls once installed', () => {
    installFastSerializer();
    expect(ObjectSerializer.deserialize).toBe(fast.deserialize);
    expect(ObjectSerializer.serialize).toBe(fast.serialize);
  });
});
