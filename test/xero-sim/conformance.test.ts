import type { Allocation } from 'xero-node';
import { CreditNote, Invoice } from 'xero-node';
import { call, expectConformance, http, startHarness, type Harness } from './support/harness';
import { validateExchange } from './support/openapi';
import { sdkInvoice } from './support/sdk';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
expectConformance(() => h);

describe('OpenAPI conformance (every exchange is validated against xero_accounting.yaml after each test)', () => {
  it('the validator rejects a response that breaks the document (negative control)', () => {
    const exchange = {
      method: 'GET',
      path: '/Invoices',
      query: {},
      rawQuery: '',
      headers: { 'xero-tenant-id': 't' },
      requestBody: undefined,
      status: 200,
      responseBody: { Invoices: [{ Type: 'NOT-A-TYPE', InvoiceID: 'not-a-uuid', Total: '12.00' }] },
      receivedAt: 0,
      answeredAt: 0,
    };
    const problems = validateExchange(exchange);
    expect(problems.join('\n')).toMatch(/enum/);
    expect(problems.join('\n')).toMatch(/uuid/);
    expect(problems.join('\n')).toMatch(/number/);
    expect(validateExchange({ ...exchange, headers: {}, responseBody: { Invoices: [] } })).toEqual([
      expect.stringContaining('missing required header parameter xero-tenant-id'),
    ]);
    expect(
      validateExchange({
        ...exchange,
        method: 'PUT',
        requestBody: { Invoices: [{ LineItems: [{ Quantity: 'two' }] }] },
      }).join(),
    ).toMatch(/request body/);
  });

  it('serves Organisation, Accounts, TaxRates and Currencies for settings validation', async () => {
    const org = await call(h.xero.accountingApi.getOrganisations(h.tenantId));
    expect(org.body.organisations[0]).toMatchObject({ baseCurrency: 'SGD', countryCode: 'SG' });
    const accounts = await call(h.xero.accountingApi.getAccounts(h.tenantId));
    const byCode = new Map(accounts.body.accounts.map((a: { code: string }) => [a.code, a]));
    expect(byCode.get('200')).toMatchObject({ name: 'Sales' });
    for (const code of ['090', '091', '092']) expect(byCode.has(code)).toBe(true);
    expect(byCode.get('091')).toMatchObject({ enablePaymentsToAccount: true });
    const taxRates = await call(h.xero.accountingApi.getTaxRates(h.tenantId));
    const types = taxRates.body.taxRates.map((t: { taxType: string }) => t.taxType);
    expect(types).toEqual(expect.arrayContaining(['OUTPUTY24', 'ZERORATEDOUTPUT', 'NONE']));
    expect(
      taxRates.body.taxRates.find((t: { taxType: string }) => t.taxType === 'OUTPUTY24').effectiveRate,
    ).toBe(9);
    const currencies = await call(h.xero.accountingApi.getCurrencies(h.tenantId));
    expect(currencies.body.currencies.map((c: { code: string }) => c.code)).toContain('SGD');
  });

  it('round-trips contacts, invoices, payments, credit notes and allocations through xero-node', async () => {
    const contact = await call(
      h.xero.accountingApi.createContacts(
        h.tenantId,
        { contacts: [{ name: 'Conformance Pte Ltd', contactNumber: 'C-1' }] },
        false,
      ),
    );
    const contactID = contact.body.contacts[0].contactID as string;
    await call(h.xero.accountingApi.getContact(h.tenantId, contactID));
    await call(
      h.xero.accountingApi.getContacts(
        h.tenantId,
        undefined,
        'Name.ToLower()=="conformance pte ltd"',
        undefined,
        undefined,
        1,
        true,
        undefined,
        'conf',
        10,
      ),
    );
    const inv = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ contact: { contactID }, invoiceNumber: 'CF-1', reference: 'R' })] },
        false,
        4,
        'conf-key-1',
      ),
    );
    const invoiceID = inv.body.invoices[0].invoiceID as string;
    await call(
      h.xero.accountingApi.updateOrCreateInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'CF-2' })] },
        true,
      ),
    );
    await call(h.xero.accountingApi.getInvoice(h.tenantId, invoiceID));
    await call(
      h.xero.accountingApi.getInvoices(
        h.tenantId,
        undefined,
        'Status=="AUTHORISED"',
        undefined,
        [invoiceID],
        ['CF-1'],
        [contactID],
        ['AUTHORISED'],
        1,
        false,
        false,
        4,
        false,
        10,
        'CF',
      ),
    );
    const pay = await call(
      h.xero.accountingApi.createPayments(
        h.tenantId,
        {
          payments: [
            {
              invoice: { invoiceID },
              account: { code: '090' },
              amount: 10,
              date: '2025-03-02',
              reference: 'card',
            },
          ],
        },
        false,
      ),
    );
    expect(pay.status).toBe(200);
    await call(h.xero.accountingApi.getPayments(h.tenantId));
    await call(h.xero.accountingApi.getPayment(h.tenantId, pay.body.payments[0].paymentID as string));
    const note: CreditNote = {
      type: CreditNote.TypeEnum.ACCRECCREDIT,
      contact: { contactID },
      date: '2025-03-03',
      status: CreditNote.StatusEnum.AUTHORISED,
      lineItems: [
        { description: 'refund', quantity: 1, unitAmount: 5, accountCode: '200', taxType: 'OUTPUTY24' },
      ],
    };
    const cn = await call(h.xero.accountingApi.createCreditNotes(h.tenantId, { creditNotes: [note] }, false));
    const creditNoteID = cn.body.creditNotes[0].creditNoteID as string;
    const allocation: Allocation = { invoice: { invoiceID }, amount: 5.45, date: '2025-03-03' };
    const alloc = await call(
      h.xero.accountingApi.createCreditNoteAllocation(
        h.tenantId,
        creditNoteID,
        { allocations: [allocation] },
        false,
      ),
    );
    expect(alloc.status).toBe(200);
    await call(h.xero.accountingApi.getCreditNote(h.tenantId, creditNoteID));
    const after = await call(h.xero.accountingApi.getInvoice(h.tenantId, invoiceID));
    expect(after.body.invoices[0]).toMatchObject({
      amountPaid: 10,
      amountCredited: 5.45,
      status: Invoice.StatusEnum.AUTHORISED,
    });
  });

  it('validates error answers too (QueryParseException, ValidationException)', async () => {
    const bad = await call(h.xero.accountingApi.getContacts(h.tenantId, undefined, 'Name=="A "B" C"'));
    expect(bad.status).toBe(400);
    const invalid = await call(
      h.xero.accountingApi.createInvoices(h.tenantId, { invoices: [sdkInvoice({ contact: undefined })] }),
    );
    expect(invalid.status).toBe(400);
    const raw = await http(h, 'GET', '/Currencies');
    expect(raw.status).toBe(200);
  });

  it('has validated every exchange of the tests above', () => {
    expect(h.conformance.checked).toBeGreaterThan(20);
  });
});
