import { call, expectConformance, http, invoice, startHarness, type Harness } from './support/harness';

/**
 * The organisation's own settings (per tenant, settable through /__sim/) and the rules Xero applies with them,
 * element by element: lock dates, enabled currencies, the plan's monthly cap of approved sales invoices
 * (src/xero-sim/organisation.ts, where each rule's source is).
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
expectConformance(() => h);

const setOrganisation = (spec: Record<string, unknown>) =>
  http(h, 'POST', `/__sim/tenants/${h.tenantId}/organisation`, { body: spec });

const putInvoices = (invoices: Record<string, unknown>[]) =>
  http(h, 'PUT', '/Invoices?summarizeErrors=false', { body: { Invoices: invoices } });

const messages = (element: { ValidationErrors?: Array<{ Message: string }> }) =>
  (element.ValidationErrors ?? []).map((e) => e.Message);

afterEach(async () => {
  await setOrganisation({
    periodLockDate: null,
    endOfYearLockDate: null,
    class: 'STANDARD',
    currencies: ['USD'],
  });
});

describe('GET /Organisation and GET /Currencies', () => {
  it('answer the tenant’s own settings: lock dates as Microsoft JSON dates, base currency, plan and short code', async () => {
    const before = await call(h.xero.accountingApi.getOrganisations(h.tenantId));
    expect(before.body.organisations[0].periodLockDate).toBeUndefined();
    expect(before.body.organisations[0].endOfYearLockDate).toBeUndefined();
    const set = await setOrganisation({
      periodLockDate: '2025-12-31',
      endOfYearLockDate: '2025-06-30',
      class: 'STARTER',
      shortCode: '!AbCdE',
      currencies: ['USD', 'EUR'],
    });
    expect(set.status).toBe(200);
    const raw = await http(h, 'GET', '/Organisation');
    expect(raw.body.Organisations[0]).toMatchObject({
      BaseCurrency: 'SGD',
      Class: 'STARTER',
      ShortCode: '!AbCdE',
      PeriodLockDate: `/Date(${Date.parse('2025-12-31T00:00:00Z')}+0000)/`,
      EndOfYearLockDate: `/Date(${Date.parse('2025-06-30T00:00:00Z')}+0000)/`,
    });
    const currencies = await call(h.xero.accountingApi.getCurrencies(h.tenantId));
    expect(currencies.body.currencies.map((c: { code: string }) => c.code)).toEqual(['SGD', 'USD', 'EUR']);
  });

  it('refuses a malformed setting and an unknown tenant', async () => {
    expect((await setOrganisation({ periodLockDate: '31/12/2025' })).status).toBe(400);
    const unknown = await http(
      h,
      'POST',
      '/__sim/tenants/00000000-0000-0000-0000-000000000000/organisation',
      {
        body: { class: 'STARTER' },
      },
    );
    expect(unknown.status).toBe(404);
  });
});

describe('lock dates', () => {
  it('refuses an approved invoice dated on or before the end of year lock date with Xero’s message; one day later is fine', async () => {
    await setOrganisation({ endOfYearLockDate: '2025-12-31' });
    const res = await putInvoices([
      invoice({ InvoiceNumber: 'L-1', Date: '2025-12-31' }),
      invoice({ InvoiceNumber: 'L-2', Date: '2026-01-01' }),
      invoice({ InvoiceNumber: 'L-3', Date: '2025-11-02' }),
    ]);
    expect(res.status).toBe(200);
    const [onLock, after, before] = res.body.Invoices;
    expect(messages(onLock)).toEqual([
      'The document date cannot be before the end of year lock date, currently set at 31-Dec-2025',
    ]);
    expect(after.StatusAttributeString).toBe('OK');
    expect(messages(before)).toHaveLength(1);
  });

  it('binds the period lock date too, and lets drafts and submitted invoices in (Xero allows them in a locked period)', async () => {
    await setOrganisation({ periodLockDate: '2025-12-31' });
    const res = await putInvoices([
      invoice({ InvoiceNumber: 'P-1', Date: '2025-12-15' }),
      invoice({ InvoiceNumber: 'P-2', Date: '2025-12-15', Status: 'DRAFT' }),
      invoice({ InvoiceNumber: 'P-3', Date: '2025-12-15', Status: 'SUBMITTED' }),
    ]);
    const [approved, draft, submitted] = res.body.Invoices;
    expect(messages(approved)).toEqual([
      'The document date cannot be before the period lock date, currently set at 31-Dec-2025',
    ]);
    expect([draft.StatusAttributeString, submitted.StatusAttributeString]).toEqual(['OK', 'OK']);
    // Approving that draft later is refused like creating it approved.
    const approve = await http(h, 'POST', `/Invoices/${draft.InvoiceID}`, {
      body: { Invoices: [{ Status: 'AUTHORISED' }] },
    });
    expect(approve.status).toBe(400);
    expect(messages(approve.body.Elements[0])).toEqual([
      'The document date cannot be before the period lock date, currently set at 31-Dec-2025',
    ]);
  });

  it('refuses a payment, an approved credit note and an allocation dated in the locked period', async () => {
    const created = await putInvoices([invoice({ InvoiceNumber: 'LP-1', Date: '2026-01-05' })]);
    const invoiceId = created.body.Invoices[0].InvoiceID as string;
    const note = await http(h, 'PUT', '/CreditNotes?summarizeErrors=false', {
      body: {
        CreditNotes: [
          {
            Type: 'ACCRECCREDIT',
            Contact: { Name: 'Walk-in Customer' },
            Date: '2026-01-05',
            Status: 'AUTHORISED',
            LineItems: [
              { Description: 'Refund', Quantity: 1, UnitAmount: 10, AccountCode: '200', TaxType: 'NONE' },
            ],
          },
        ],
      },
    });
    const noteId = note.body.CreditNotes[0].CreditNoteID as string;
    await setOrganisation({ endOfYearLockDate: '2026-01-10' });

    const payment = await http(h, 'PUT', '/Payments?summarizeErrors=false', {
      body: {
        Payments: [
          { Invoice: { InvoiceID: invoiceId }, Account: { Code: '090' }, Amount: 10, Date: '2026-01-09' },
        ],
      },
    });
    expect(messages(payment.body.Payments[0])).toEqual([
      'The payment date cannot be before the end of year lock date, currently set at 10-Jan-2026',
    ]);
    const allocation = await http(h, 'PUT', `/CreditNotes/${noteId}/Allocations?summarizeErrors=false`, {
      body: { Allocations: [{ Invoice: { InvoiceID: invoiceId }, Amount: 5, Date: '2026-01-10' }] },
    });
    expect(messages(allocation.body.Allocations[0])).toHaveLength(1);
    const lockedNote = await http(h, 'PUT', '/CreditNotes?summarizeErrors=false', {
      body: {
        CreditNotes: [
          {
            Type: 'ACCRECCREDIT',
            Contact: { Name: 'Walk-in Customer' },
            Date: '2026-01-02',
            Status: 'AUTHORISED',
            LineItems: [
              { Description: 'Refund', Quantity: 1, UnitAmount: 10, AccountCode: '200', TaxType: 'NONE' },
            ],
          },
        ],
      },
    });
    expect(messages(lockedNote.body.CreditNotes[0])).toHaveLength(1);
    // After the lock date all of them go through.
    const later = await http(h, 'PUT', '/Payments?summarizeErrors=false', {
      body: {
        Payments: [
          { Invoice: { InvoiceID: invoiceId }, Account: { Code: '090' }, Amount: 10, Date: '2026-01-11' },
        ],
      },
    });
    expect(later.body.Payments[0].StatusAttributeString).toBe('OK');
  });
});

describe('currencies', () => {
  it('refuses an invoice in a currency the organisation has not enabled; an enabled one is kept with its code', async () => {
    await setOrganisation({ currencies: ['USD'] });
    const res = await putInvoices([
      invoice({ InvoiceNumber: 'C-1', CurrencyCode: 'EUR' }),
      invoice({ InvoiceNumber: 'C-2', CurrencyCode: 'USD' }),
    ]);
    const [eur, usd] = res.body.Invoices;
    expect(messages(eur)).toEqual(['The currency code EUR is not valid for this organisation.']);
    expect(usd).toMatchObject({ StatusAttributeString: 'OK', CurrencyCode: 'USD' });
    await setOrganisation({ currencies: ['USD', 'EUR'] });
    const again = await putInvoices([invoice({ InvoiceNumber: 'C-1', CurrencyCode: 'EUR' })]);
    expect(again.body.Invoices[0].StatusAttributeString).toBe('OK');
  });
});

describe('plan caps', () => {
  it('a STARTER organisation approves 20 sales invoices per calendar month of invoice date, then refuses with Xero’s message; drafts and other months are not counted', async () => {
    await setOrganisation({ class: 'STARTER' });
    const march = Array.from({ length: 22 }, (_, i) =>
      invoice({ InvoiceNumber: `CAP-${i}`, Date: `2024-03-${String(1 + (i % 28)).padStart(2, '0')}` }),
    );
    const res = await putInvoices(march);
    const ok = res.body.Invoices.filter(
      (e: { StatusAttributeString: string }) => e.StatusAttributeString === 'OK',
    );
    expect(ok).toHaveLength(20);
    expect(messages(res.body.Invoices[20])).toEqual([
      'You have reached the limit of invoices you can approve.',
    ]);
    const more = await putInvoices([
      invoice({ InvoiceNumber: 'CAP-D', Date: '2024-03-05', Status: 'DRAFT' }),
      invoice({ InvoiceNumber: 'CAP-A', Date: '2024-04-05' }),
    ]);
    expect(more.body.Invoices.map((e: { StatusAttributeString: string }) => e.StatusAttributeString)).toEqual(
      ['OK', 'OK'],
    );
    // STANDARD has no cap.
    await setOrganisation({ class: 'STANDARD' });
    const standard = await putInvoices([invoice({ InvoiceNumber: 'CAP-S', Date: '2024-03-06' })]);
    expect(standard.body.Invoices[0].StatusAttributeString).toBe('OK');
  });
});
