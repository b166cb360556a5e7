import { call, expectConformance, http, startHarness, type Harness } from './support/harness';
import { sdkInvoice } from './support/sdk';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
expectConformance(() => h);

describe('/__sim/ inspection API', () => {
  it('GET /__sim/stats counts calls by endpoint and status, peaks, stored records and duplicates', async () => {
    await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'S-1', reference: 'o-1' })] },
        false,
      ),
    );
    await call(h.xero.accountingApi.getInvoices(h.tenantId));
    await http(h, 'GET', '/Currencies', { token: 'bad' });
    const stats = await http(h, 'GET', '/__sim/stats');
    const tenant = stats.body.tenants[h.tenantId];
    expect(tenant.calls.byEndpoint).toMatchObject({ 'PUT /Invoices': 1, 'GET /Invoices': 1 });
    expect(tenant.calls.byStatus).toMatchObject({ '200': 2 });
    expect(tenant).toMatchObject({ peakPerMinute: 2, peakInFlight: 1, rateLimited: { total: 0 } });
    expect(tenant.stored).toMatchObject({ invoices: 1, contacts: 1, payments: 0, creditNotes: 0 });
    expect(tenant.duplicateInvoiceNumbers).toEqual([]);
    expect(tenant.duplicateReferences).toEqual([]);
  });

  it('reports duplicate references (Reference is not unique in Xero, but a correct sync never repeats one)', async () => {
    await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'S-2', reference: 'o-1' })] },
        false,
      ),
    );
    const tenant = (await http(h, 'GET', '/__sim/stats')).body.tenants[h.tenantId];
    expect(tenant.duplicateReferences).toEqual(['o-1']);
  });

  it('GET /__sim/tenants/:id/invoices lists every invoice with lines, totals and payments', async () => {
    const result = await http(h, 'GET', `/__sim/tenants/${h.tenantId}/invoices`);
    expect(result.body.Invoices).toHaveLength(2);
    expect(result.body.Invoices[0]).toMatchObject({
      InvoiceNumber: 'S-1',
      Total: 54.5,
      TotalTax: 4.5,
      Payments: [],
      LineItems: [expect.objectContaining({ AccountCode: '200' })],
    });
  });

  it('POST /__sim/tenants creates a tenant with its own limits; POST /__sim/tokens issues a token for it', async () => {
    const created = await http(h, 'POST', '/__sim/tenants', {
      body: { name: 'Branch', limits: { perMinute: 1 } },
    });
    expect(created.status).toBe(201);
    const tenantId = created.body.tenantId as string;
    const issued = await http(h, 'POST', '/__sim/tokens', { body: { tenantIds: [tenantId] } });
    const token = issued.body.access_token as string;
    expect((await http(h, 'GET', '/Currencies', { token, tenantId })).status).toBe(200);
    expect((await http(h, 'GET', '/Currencies', { token, tenantId })).status).toBe(429);
  });

  it('POST /__sim/reset empties books and counters but keeps tenants and tokens', async () => {
    expect((await http(h, 'POST', '/__sim/reset')).status).toBe(204);
    const tenant = (await http(h, 'GET', '/__sim/stats')).body.tenants[h.tenantId];
    expect(tenant.stored.invoices).toBe(0);
    expect(tenant.calls.total).toBe(0);
    expect((await call(h.xero.accountingApi.getInvoices(h.tenantId))).body.invoices).toEqual([]);
  });
});
