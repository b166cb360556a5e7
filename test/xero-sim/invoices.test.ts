import { Invoice, LineAmountTypes } from 'xero-node';
import { call, expectConformance, http, invoice, startHarness, type Harness } from './support/harness';
import { sdkInvoice } from './support/sdk';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
expectConformance(() => h);

const stored = () => h.running.sim.invoices(h.tenantId);

describe('invoices', () => {
  it('creates an invoice through xero-node and computes tax per line at 2 decimals', async () => {
    const lines = [
      { description: 'a', quantity: 1, unitAmount: 0.05, accountCode: '200', taxType: 'OUTPUTY24' },
      { description: 'b', quantity: 1, unitAmount: 0.05, accountCode: '200', taxType: 'OUTPUTY24' },
    ];
    const result = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'T-1', lineItems: lines })] },
        false,
      ),
    );
    expect(result.status).toBe(200);
    const created = result.body.invoices[0];
    // 0.05 × 9% = 0.0045 per line -> 0.00 each; a per-invoice computation would give 0.01.
    expect(created.lineItems.map((l: { taxAmount: number }) => l.taxAmount)).toEqual([0, 0]);
    expect(created.totalTax).toBe(0);
    expect(created.total).toBe(0.1);
    expect(created.invoiceID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('honours an explicit line TaxAmount', async () => {
    const line = {
      description: 'x',
      quantity: 1,
      unitAmount: 0.05,
      accountCode: '200',
      taxType: 'OUTPUTY24',
      taxAmount: 0.01,
    };
    const result = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'T-2', lineItems: [line] })] },
        false,
      ),
    );
    expect(result.body.invoices[0].totalTax).toBe(0.01);
    expect(result.body.invoices[0].total).toBe(0.06);
  });

  it('treats Inclusive line amounts as tax-inclusive and NoTax as untaxed', async () => {
    const line = {
      description: 'x',
      quantity: 3,
      unitAmount: 10.99,
      accountCode: '200',
      taxType: 'OUTPUTY24',
    };
    const inclusive = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        {
          invoices: [
            sdkInvoice({
              invoiceNumber: 'T-3',
              lineAmountTypes: LineAmountTypes.Inclusive,
              lineItems: [line],
            }),
          ],
        },
        false,
      ),
    );
    expect(inclusive.body.invoices[0]).toMatchObject({ total: 32.97, totalTax: 2.72, subTotal: 30.25 });
    const noTax = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        {
          invoices: [
            sdkInvoice({ invoiceNumber: 'T-4', lineAmountTypes: LineAmountTypes.NoTax, lineItems: [line] }),
          ],
        },
        false,
      ),
    );
    expect(noTax.body.invoices[0]).toMatchObject({ total: 32.97, totalTax: 0, subTotal: 32.97 });
  });

  it('keeps 4 decimals on UnitAmount with unitdp=4 and rounds to 2 without it', async () => {
    const line = { description: 'x', quantity: 3, unitAmount: 1.2345, accountCode: '200', taxType: 'NONE' };
    const four = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'T-5', lineItems: [line] })] },
        false,
        4,
      ),
    );
    expect(four.body.invoices[0].lineItems[0]).toMatchObject({ unitAmount: 1.2345, lineAmount: 3.7 });
    const two = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'T-6', lineItems: [line] })] },
        false,
      ),
    );
    expect(two.body.invoices[0].lineItems[0]).toMatchObject({ unitAmount: 1.23, lineAmount: 3.69 });
  });

  it('without summarizeErrors answers a 400 ValidationException but still saves the valid invoices', async () => {
    const good = sdkInvoice({ invoiceNumber: 'B-OK', reference: 'batch-ref' });
    const bad = sdkInvoice({
      invoiceNumber: 'B-BAD',
      lineItems: [{ description: 'x', quantity: 1, unitAmount: 1, accountCode: '999' }],
    });
    const result = await call(h.xero.accountingApi.createInvoices(h.tenantId, { invoices: [good, bad] }));
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ ErrorNumber: 10, Type: 'ValidationException' });
    expect(result.body.Elements).toHaveLength(1);
    expect(result.body.Elements[0].ValidationErrors[0].Message).toContain("Account code '999'");
    expect(stored().filter((i) => i.InvoiceNumber === 'B-OK')).toHaveLength(1);
    expect(stored().filter((i) => i.InvoiceNumber === 'B-BAD')).toHaveLength(0);
  });

  it('with summarizeErrors=false answers 200 with HasErrors, StatusAttributeString and ValidationErrors per element', async () => {
    const good = sdkInvoice({ invoiceNumber: 'S-OK' });
    const bad = sdkInvoice({ invoiceNumber: 'S-BAD', contact: undefined });
    const result = await call(
      h.xero.accountingApi.createInvoices(h.tenantId, { invoices: [good, bad] }, false),
    );
    expect(result.status).toBe(200);
    const [ok, failed] = result.body.invoices;
    expect(ok).toMatchObject({ hasErrors: false, statusAttributeString: 'OK', invoiceNumber: 'S-OK' });
    expect(failed).toMatchObject({ hasErrors: true, statusAttributeString: 'ERROR' });
    expect(failed.validationErrors[0].message).toBe(
      'A Contact must be specified with this type of transaction',
    );
  });

  it('refuses a duplicate ACCREC InvoiceNumber on PUT with "Invoice # must be unique."', async () => {
    await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'DUP-1' })] },
        false,
      ),
    );
    const again = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'DUP-1' })] },
        false,
      ),
    );
    expect(again.body.invoices[0].validationErrors[0].message).toBe('Invoice # must be unique.');
    expect(stored().filter((i) => i.InvoiceNumber === 'DUP-1')).toHaveLength(1);
  });

  it('updates the invoice with that number on POST instead of creating another', async () => {
    const first = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'UPD-1', reference: 'old' })] },
        false,
      ),
    );
    const second = await call(
      h.xero.accountingApi.updateOrCreateInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'UPD-1', reference: 'new' })] },
        false,
      ),
    );
    expect(second.body.invoices[0].invoiceID).toBe(first.body.invoices[0].invoiceID);
    expect(second.body.invoices[0].reference).toBe('new');
    expect(stored().filter((i) => i.InvoiceNumber === 'UPD-1')).toHaveLength(1);
  });

  it('refuses to update an invoice that has payments', async () => {
    const created = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'PAID-1' })] },
        false,
      ),
    );
    const invoiceID = created.body.invoices[0].invoiceID as string;
    await call(
      h.xero.accountingApi.createPayments(
        h.tenantId,
        { payments: [{ invoice: { invoiceID }, account: { code: '090' }, amount: 10, date: '2025-03-02' }] },
        false,
      ),
    );
    const update = await call(
      h.xero.accountingApi.updateOrCreateInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'PAID-1', reference: 'changed' })] },
        false,
      ),
    );
    expect(update.body.invoices[0].validationErrors[0].message).toBe(
      'This document cannot be edited as it has a payment or credit note allocated to it.',
    );
  });

  it('rejects a Total that does not equal the sum of the lines', async () => {
    const result = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'TOT-1', total: 54.51 })] },
        false,
      ),
    );
    expect(result.body.invoices[0].validationErrors[0].message).toBe(
      'The invoice total does not equal the sum of the lines.',
    );
    const right = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'TOT-2', total: 54.5 })] },
        false,
      ),
    );
    expect(right.body.invoices[0].hasErrors).toBe(false);
  });

  it('refuses to create an invoice as PAID and allows DRAFT without account codes', async () => {
    const paid = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'ST-1', status: Invoice.StatusEnum.PAID })] },
        false,
      ),
    );
    expect(paid.body.invoices[0].hasErrors).toBe(true);
    const draft = sdkInvoice({
      invoiceNumber: 'ST-2',
      status: Invoice.StatusEnum.DRAFT,
      lineItems: [{ description: 'tbd', quantity: 1, unitAmount: 5 }],
    });
    const ok = await call(h.xero.accountingApi.createInvoices(h.tenantId, { invoices: [draft] }, false));
    expect(ok.body.invoices[0]).toMatchObject({ hasErrors: false, status: Invoice.StatusEnum.DRAFT });
  });

  it('finds invoices by InvoiceNumbers, IDs, where and page', async () => {
    const numbers = ['Q-1', 'Q-2', 'Q-3'];
    const created = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: numbers.map((n) => sdkInvoice({ invoiceNumber: n, reference: `ref-${n}` })) },
        false,
      ),
    );
    const byNumber = await call(
      h.xero.accountingApi.getInvoices(h.tenantId, undefined, undefined, undefined, undefined, [
        'Q-1',
        'Q-3',
      ]),
    );
    expect(byNumber.body.invoices.map((i: Invoice) => i.invoiceNumber).sort()).toEqual(['Q-1', 'Q-3']);
    const id = created.body.invoices[1].invoiceID as string;
    const byId = await call(
      h.xero.accountingApi.getInvoices(h.tenantId, undefined, undefined, undefined, [id]),
    );
    expect(byId.body.invoices.map((i: Invoice) => i.invoiceNumber)).toEqual(['Q-2']);
    const byWhere = await call(
      h.xero.accountingApi.getInvoices(h.tenantId, undefined, 'Reference=="ref-Q-3"'),
    );
    expect(byWhere.body.invoices.map((i: Invoice) => i.invoiceNumber)).toEqual(['Q-3']);
    const page = await call(
      h.xero.accountingApi.getInvoices(
        h.tenantId,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        1,
        undefined,
        undefined,
        undefined,
        undefined,
        2,
      ),
    );
    expect(page.body.invoices).toHaveLength(2);
    expect(page.body.pagination).toMatchObject({ page: 1, pageSize: 2 });
  });

  it('answers 413 to a body over 3.5 MB', async () => {
    const big = { Invoices: [invoice({ Reference: 'x'.repeat(3_600_000) })] };
    const result = await http(h, 'PUT', '/Invoices?summarizeErrors=false', { body: big });
    expect(result.status).toBe(413);
    expect(stored().some((i) => String(i.Reference ?? '').startsWith('xxx'))).toBe(false);
  });
});
