import { CreditNote, type Invoice } from 'xero-node';
import type { Order, OrderLine } from '../../src/orders/schema';
import { mapOrder, type MappingSettings } from '../../src/engine/invoice-mapping';
import { toXeroCreditNote, toXeroInvoice } from '../../src/xero/wire';
import { call, expectConformance, http, invoice, startHarness, type Harness } from './support/harness';

/**
 * Rules that Xero's OpenAPI document states only in the prose of its descriptions (src/xero-sim/OPENAPI-RULES.md
 * lists each with its source line). One test per rule; their titles are named in that list.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
expectConformance(() => h);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Xero's raw JSON

async function put(path: string, key: string, items: Json[], query = '?summarizeErrors=false&unitdp=4') {
  const res = await http(h, 'PUT', `${path}${query}`, { body: { [key]: items } });
  expect(res.status).toBe(200);
  return res.body[key] as Json[];
}

/** These tests send values over the schema's maxLength on purpose: those, and only those, break the document. */
function drainMaxLengthProblems(): void {
  const problems = h.conformance.drain();
  expect(problems.length).toBeGreaterThan(0);
  expect(problems.filter((p) => !/"keyword":"maxLength"/.test(p))).toEqual([]);
}

const messages = (element: Json | undefined): string[] =>
  (element?.ValidationErrors ?? []).map((e: { Message: string }) => e.Message);

const note = (overrides: Json = {}): Json => ({
  Type: 'ACCRECCREDIT',
  Contact: { Name: 'Walk-in Customer' },
  Date: '2025-03-06',
  Status: 'AUTHORISED',
  LineAmountTypes: 'Exclusive',
  LineItems: [{ Description: 'Mug', Quantity: 3, UnitAmount: 10, AccountCode: '200', TaxType: 'OUTPUTY24' }],
  ...overrides,
});

describe('LineItem discounts (only ACCREC invoices support them)', () => {
  it('a credit note ignores line discounts and totals its undiscounted lines', async () => {
    const [created] = await put('/CreditNotes', 'CreditNotes', [
      note({
        LineItems: [
          {
            Description: 'A',
            Quantity: 3,
            UnitAmount: 10,
            DiscountAmount: 5,
            AccountCode: '200',
            TaxType: 'OUTPUTY24',
          },
          {
            Description: 'B',
            Quantity: 1,
            UnitAmount: 20,
            DiscountRate: 50,
            AccountCode: '200',
            TaxType: 'OUTPUTY24',
          },
        ],
      }),
    ]);
    // 30 + 20 = 50 exclusive, 9% -> 4.50; with the discounts it would have been 25 + 10 = 35 (+ 3.15).
    expect(created).toMatchObject({ SubTotal: 50, TotalTax: 4.5, Total: 54.5, RemainingCredit: 54.5 });
    expect(created?.TotalDiscount).toBeUndefined();
    for (const line of created?.LineItems ?? []) {
      expect(line.DiscountAmount).toBeUndefined();
      expect(line.DiscountRate).toBeUndefined();
    }
  });

  it('an ACCPAY invoice ignores line discounts; an ACCREC invoice applies them', async () => {
    const line = { Description: 'A', Quantity: 3, UnitAmount: 10, DiscountAmount: 5, AccountCode: '200' };
    const [bill, sale] = await put('/Invoices', 'Invoices', [
      invoice({ Type: 'ACCPAY', InvoiceNumber: 'BILL-D1', LineItems: [{ ...line, TaxType: 'NONE' }] }),
      invoice({ InvoiceNumber: 'SALE-D1', LineItems: [{ ...line, TaxType: 'NONE' }] }),
    ]);
    expect(bill).toMatchObject({ Total: 30 });
    expect(sale).toMatchObject({ Total: 25, TotalDiscount: 5, IsDiscounted: true });
  });

  it('credit notes mapped from discounted orders total exactly what was invoiced, or the refund, and close fully', async () => {
    const settings: MappingSettings = {
      timeZone: 'Asia/Singapore',
      salesAccountCode: '200',
      taxTypes: {
        GST9: { taxType: 'OUTPUTY24', rate: '9' },
        GST8: { taxType: 'OUTPUTY23', rate: '8' },
        ZR: { taxType: 'ZERORATEDOUTPUT', rate: '0' },
      },
      paymentAccounts: { card: '091' },
      invoiceNumberTemplate: 'DISC-{number}',
      invoiceStatus: 'AUTHORISED',
      roundingAccountCode: '860',
      noTaxType: 'NONE',
    };
    const line = (unitPrice: string, quantity: number, discount: string, taxCode = 'GST9'): OrderLine => ({
      description: `Item ${unitPrice}`,
      quantity,
      unitPrice,
      discount,
      taxCode,
    });
    const cases: Array<{ inclusive: boolean; lines: OrderLine[]; total: string; refund: string }> = [
      {
        inclusive: true,
        lines: [line('5.00', 3, '1.50'), line('1.2345', 3, '0.10')],
        total: '17.10',
        refund: '17.10',
      },
      {
        inclusive: false,
        lines: [line('5.00', 3, '1.50'), line('4.10', 2, '0.20', 'GST8')],
        total: '23.36',
        refund: '23.36',
      },
      { inclusive: true, lines: [line('0.3333', 102, '1.11')], total: '32.89', refund: '32.89' },
      {
        inclusive: false,
        lines: [line('12.3456', 2.5, '3.00'), line('3.10', 1, '0.10', 'ZR')],
        total: '33.37',
        refund: '10.00',
      },
    ];
    for (const [i, c] of cases.entries()) {
      const order: Order = {
        id: `ord_d${i}`,
        number: `D${i}`,
        businessId: 'biz',
        channel: 'pos',
        location: { id: 'loc', name: 'Discount Branch' },
        customer: null,
        placedAt: '2025-03-05T10:00:00+08:00',
        currency: 'SGD',
        pricesIncludeTax: c.inclusive,
        lines: c.lines,
        total: c.total,
        payments: [],
        status: 'refunded',
        refund: { amount: c.refund, refundedAt: '2025-03-06T10:00:00+08:00' },
      };
      const mapped = mapOrder(order, settings, { name: 'Discount Branch' });
      if (mapped.kind !== 'invoice' || !mapped.creditNote) throw new Error(JSON.stringify(mapped));
      const created = await call(
        h.xero.accountingApi.createInvoices(
          h.tenantId,
          { invoices: [toXeroInvoice(mapped.invoice)] },
          false,
          4,
        ),
      );
      const inv = created.body.invoices[0] as Invoice;
      expect(inv.total).toBe(Number(c.total));
      const credited = await call(
        h.xero.accountingApi.createCreditNotes(
          h.tenantId,
          { creditNotes: [toXeroCreditNote(mapped.creditNote.creditNote)] },
          false,
          4,
        ),
      );
      const cn = credited.body.creditNotes[0] as CreditNote;
      expect(cn.total).toBe(Number(c.refund));
      if (c.refund === c.total) expect([cn.subTotal, cn.totalTax]).toEqual([inv.subTotal, inv.totalTax]);
      await call(
        h.xero.accountingApi.createCreditNoteAllocation(
          h.tenantId,
          cn.creditNoteID!,
          {
            allocations: [
              {
                invoice: { invoiceID: inv.invoiceID! },
                amount: Number(mapped.creditNote.allocationAmount),
                date: '2025-03-06',
              },
            ],
          },
          false,
        ),
      );
      const after = await call(h.xero.accountingApi.getCreditNote(h.tenantId, cn.creditNoteID!));
      expect(after.body.creditNotes[0]).toMatchObject({
        remainingCredit: 0,
        status: CreditNote.StatusEnum.PAID,
      });
    }
  });
});

describe('numbers and references', () => {
  it('ACCRECCREDIT numbers are unique; ACCPAYCREDIT numbers may repeat', async () => {
    const [first] = await put('/CreditNotes', 'CreditNotes', [note({ CreditNoteNumber: 'CN-UNIQ-1' })]);
    expect(messages(first)).toEqual([]);
    const [again, supplierA, supplierB] = await put('/CreditNotes', 'CreditNotes', [
      note({ CreditNoteNumber: 'CN-UNIQ-1' }),
      note({
        Type: 'ACCPAYCREDIT',
        CreditNoteNumber: 'SUP-1',
        LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 1, AccountCode: '400', TaxType: 'NONE' }],
      }),
      note({
        Type: 'ACCPAYCREDIT',
        CreditNoteNumber: 'SUP-1',
        LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 1, AccountCode: '400', TaxType: 'NONE' }],
      }),
    ]);
    expect(messages(again)).toEqual(['Credit Note # must be unique.']);
    expect([messages(supplierA), messages(supplierB)]).toEqual([[], []]);
    // An auto-generated number never takes one already used.
    await put('/CreditNotes', 'CreditNotes', [
      note({ CreditNoteNumber: 'CN-0001' }),
      note({ CreditNoteNumber: 'CN-0002' }),
    ]);
    const [auto] = await put('/CreditNotes', 'CreditNotes', [note()]);
    expect(auto?.CreditNoteNumber).toMatch(/^CN-\d{4}$/);
    expect(['CN-0001', 'CN-0002']).not.toContain(auto?.CreditNoteNumber);
  });

  it('Reference is kept on ACCREC invoices and ACCRECCREDIT notes only', async () => {
    const [sale, bill] = await put('/Invoices', 'Invoices', [
      invoice({ InvoiceNumber: 'REF-S1', Reference: 'ord_1' }),
      invoice({
        Type: 'ACCPAY',
        InvoiceNumber: 'REF-B1',
        Reference: 'ord_2',
        LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 1, AccountCode: '400', TaxType: 'NONE' }],
      }),
    ]);
    expect([sale?.Reference, bill?.Reference]).toEqual(['ord_1', undefined]);
    const [sales, supplier] = await put('/CreditNotes', 'CreditNotes', [
      note({ Reference: 'ord_3' }),
      note({
        Type: 'ACCPAYCREDIT',
        Reference: 'ord_4',
        LineItems: [{ Description: 'x', Quantity: 1, UnitAmount: 1, AccountCode: '400', TaxType: 'NONE' }],
      }),
    ]);
    expect([sales?.Reference, supplier?.Reference]).toEqual(['ord_3', undefined]);
  });

  it('an invoice number longer than 255 characters is refused', async () => {
    const [long, max] = await put('/Invoices', 'Invoices', [
      invoice({ InvoiceNumber: 'N'.repeat(256) }),
      invoice({ InvoiceNumber: 'M'.repeat(255) }),
    ]);
    expect(messages(long)).toEqual(['Invoice number must not be more than 255 characters long.']);
    expect(messages(max)).toEqual([]);
    drainMaxLengthProblems();
  });
});

describe('line items', () => {
  it('an empty Description is refused; a line with just a description is accepted', async () => {
    const [empty, onlyText] = await put('/Invoices', 'Invoices', [
      invoice({
        LineItems: [{ Description: '', Quantity: 1, UnitAmount: 5, AccountCode: '200', TaxType: 'NONE' }],
      }),
      invoice({ Status: 'DRAFT', LineItems: [{ Description: 'Thank you for your order' }] }),
    ]);
    expect(messages(empty)).toEqual(['Description needs to be at least 1 char long.']);
    expect(messages(onlyText)).toEqual([]);
    expect(onlyText).toMatchObject({ Total: 0 });
  });

  it('given a LineAmount, Xero calculates the missing Quantity or UnitAmount', async () => {
    const [created] = await put('/Invoices', 'Invoices', [
      invoice({
        LineItems: [
          { Description: 'no unit', Quantity: 4, LineAmount: 10, AccountCode: '200', TaxType: 'NONE' },
          {
            Description: 'no quantity',
            UnitAmount: 2.5,
            LineAmount: 10,
            AccountCode: '200',
            TaxType: 'NONE',
          },
        ],
      }),
    ]);
    expect(created?.LineItems.map((l: Json) => [l.Quantity, l.UnitAmount, l.LineAmount])).toEqual([
      [4, 2.5, 10],
      [4, 2.5, 10],
    ]);
  });

  it('a line item has at most 2 tracking categories', async () => {
    // Lines may only name the organisation's own active categories (src/xero-sim/tracking.ts): two are set up.
    for (const Name of ['Cat0', 'Cat1'])
      if (
        typeof h.running.sim.addTrackingCategory(h.tenantId, { Name, Options: [{ Name: 'A' }] }) === 'string'
      )
        throw new Error(`could not add ${Name}`);
    const tracking = (n: number) => Array.from({ length: n }, (_, i) => ({ Name: `Cat${i}`, Option: 'A' }));
    const base = { Description: 'x', Quantity: 1, UnitAmount: 1, AccountCode: '200', TaxType: 'NONE' };
    const [two, three] = await put('/Invoices', 'Invoices', [
      invoice({ LineItems: [{ ...base, Tracking: tracking(2) }] }),
      invoice({ LineItems: [{ ...base, Tracking: tracking(3) }] }),
    ]);
    expect(messages(two)).toEqual([]);
    expect(messages(three)).toEqual(['A line item can have at most two tracking categories.']);
  });

  it('LineAmountTypes is Exclusive when not given, and Date defaults to the organisation date', async () => {
    const [inv] = await put('/Invoices', 'Invoices', [
      invoice({ LineAmountTypes: undefined, Date: undefined }),
    ]);
    const [cn] = await put('/CreditNotes', 'CreditNotes', [
      note({ LineAmountTypes: undefined, Date: undefined }),
    ]);
    expect(inv).toMatchObject({ LineAmountTypes: 'Exclusive', Total: 54.5 });
    expect(cn).toMatchObject({ LineAmountTypes: 'Exclusive', Total: 32.7 });
    expect(inv?.DateString).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00$/);
    expect(cn?.DateString).toBe(inv?.DateString);
  });
});

describe('contacts', () => {
  it('refuses values over the max lengths and an email address with umlauts', async () => {
    const [name, number, account, first, email, umlaut, ok] = await put(
      '/Contacts',
      'Contacts',
      [
        { Name: 'N'.repeat(256) },
        { Name: 'Len 1', ContactNumber: '1'.repeat(51) },
        { Name: 'Len 2', AccountNumber: 'A'.repeat(51) },
        { Name: 'Len 3', FirstName: 'F'.repeat(256) },
        { Name: 'Len 4', EmailAddress: `${'e'.repeat(250)}@x.com` },
        { Name: 'Len 5', EmailAddress: 'zoë.müller@example.com' },
        { Name: 'L'.repeat(255), ContactNumber: '1'.repeat(50), AccountNumber: 'A'.repeat(50) },
      ],
      '?summarizeErrors=false',
    );
    expect([name, number, account, first, email, umlaut, ok].map(messages)).toEqual([
      ['The contact name must not be more than 255 characters long.'],
      ['The Contact Number must not be more than 50 characters long.'],
      ['The account number must not be more than 50 characters long.'],
      ['The first name must not be more than 255 characters long.'],
      ['The email address must not be more than 255 characters long.'],
      ['Email address must be valid.'],
      [],
    ]);
    const [viaInvoice] = await put('/Invoices', 'Invoices', [
      invoice({ Contact: { Name: 'C'.repeat(256) } }),
    ]);
    expect(messages(viaInvoice)).toEqual(['The contact name must not be more than 255 characters long.']);
    drainMaxLengthProblems();
  });

  it('IsCustomer and IsSupplier cannot be set by PUT or POST; an ACCREC invoice makes the contact a customer', async () => {
    const [contact] = await put(
      '/Contacts',
      'Contacts',
      [{ Name: 'Flags Pte Ltd', IsCustomer: true, IsSupplier: true }],
      '?summarizeErrors=false',
    );
    expect(contact).toMatchObject({ IsCustomer: false, IsSupplier: false });
    await put('/Invoices', 'Invoices', [invoice({ Contact: { ContactID: contact?.ContactID } })]);
    const after = await http(h, 'GET', `/Contacts/${contact?.ContactID}`);
    expect(after.body.Contacts[0]).toMatchObject({ IsCustomer: true, IsSupplier: false });
  });
});

describe('payments', () => {
  it('takes the account as the top-level Code and the invoice as the top-level InvoiceNumber', async () => {
    await put('/Invoices', 'Invoices', [invoice({ InvoiceNumber: 'PAY-CODE-1' })]);
    const [payment] = await put(
      '/Payments',
      'Payments',
      [{ InvoiceNumber: 'PAY-CODE-1', Code: '091', Amount: 4.5, Date: '2025-03-05' }],
      '?summarizeErrors=false',
    );
    expect(messages(payment)).toEqual([]);
    expect(payment).toMatchObject({
      Amount: 4.5,
      Account: { Code: '091' },
      Invoice: { InvoiceNumber: 'PAY-CODE-1' },
    });
  });

  it('creates a payment as reconciled when PUT asks for IsReconciled', async () => {
    await put('/Invoices', 'Invoices', [invoice({ InvoiceNumber: 'PAY-REC-1' })]);
    const [reconciled, plain] = await put(
      '/Payments',
      'Payments',
      [
        {
          Invoice: { InvoiceNumber: 'PAY-REC-1' },
          Account: { Code: '090' },
          Amount: 1,
          Date: '2025-03-05',
          IsReconciled: true,
        },
        { Invoice: { InvoiceNumber: 'PAY-REC-1' }, Account: { Code: '090' }, Amount: 1, Date: '2025-03-05' },
      ],
      '?summarizeErrors=false',
    );
    expect([reconciled?.IsReconciled, plain?.IsReconciled]).toEqual([true, false]);
  });

  it('FullyPaidOnDate is only returned on a fully paid invoice', async () => {
    const [inv] = await put('/Invoices', 'Invoices', [invoice({ InvoiceNumber: 'PAY-FULL-1' })]);
    expect(inv?.FullyPaidOnDate).toBeUndefined();
    const pay = (Amount: number, Date: string) => ({
      Invoice: { InvoiceID: inv?.InvoiceID },
      Account: { Code: '090' },
      Amount,
      Date,
    });
    await put('/Payments', 'Payments', [pay(50, '2025-03-05')], '?summarizeErrors=false');
    const partly = await http(h, 'GET', `/Invoices/${inv?.InvoiceID}`);
    expect(partly.body.Invoices[0].FullyPaidOnDate).toBeUndefined();
    await put('/Payments', 'Payments', [pay(4.5, '2025-03-07')], '?summarizeErrors=false');
    const paid = await http(h, 'GET', `/Invoices/${inv?.InvoiceID}`);
    expect(paid.body.Invoices[0]).toMatchObject({
      Status: 'PAID',
      FullyPaidOnDate: expect.stringMatching(/^\/Date\(/),
    });
  });
});

describe('pages', () => {
  it('page=1 returns up to 100 invoices, contacts, credit notes and payments', async () => {
    const local = await startHarness();
    try {
      const write = async (path: string, key: string, items: Json[]) => {
        const res = await http(local, 'PUT', `${path}?summarizeErrors=false`, { body: { [key]: items } });
        expect(res.status).toBe(200);
        return res.body[key] as Json[];
      };
      const count = async (path: string, key: string, page: number) =>
        ((await http(local, 'GET', `${path}?page=${page}`)).body[key] as Json[]).length;
      const invoices = await write(
        '/Invoices',
        'Invoices',
        Array.from({ length: 101 }, () => invoice()),
      );
      await write(
        '/Contacts',
        'Contacts',
        Array.from({ length: 100 }, (_, i) => ({ Name: `Page ${i}` })),
      );
      await write(
        '/CreditNotes',
        'CreditNotes',
        Array.from({ length: 101 }, () => note()),
      );
      await write(
        '/Payments',
        'Payments',
        invoices.map((i) => ({
          Invoice: { InvoiceID: i.InvoiceID },
          Account: { Code: '090' },
          Amount: 1,
          Date: '2025-03-05',
        })),
      );
      for (const [path, key] of [
        ['/Invoices', 'Invoices'],
        ['/Contacts', 'Contacts'], // 100 created + the invoices' Walk-in Customer
        ['/CreditNotes', 'CreditNotes'],
        ['/Payments', 'Payments'],
      ] as const) {
        expect([path, await count(path, key, 1), await count(path, key, 2)]).toEqual([path, 100, 1]);
      }
    } finally {
      expect(local.conformance.drain()).toEqual([]);
      await local.close();
    }
  });
});
