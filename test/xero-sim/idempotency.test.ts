import { call, expectConformance, http, invoice, startHarness, type Harness } from './support/harness';
import { sdkInvoice } from './support/sdk';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.running.sim.setFaults([]));
expectConformance(() => h);

const stored = (number: string) =>
  h.running.sim.invoices(h.tenantId).filter((i) => i.InvoiceNumber === number);

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body: same invoice ID, one invoice stored', async () => {
    const body = { invoices: [sdkInvoice({ invoiceNumber: 'IK-1' })] };
    const first = await call(
      h.xero.accountingApi.createInvoices(h.tenantId, body, false, undefined, 'key-1'),
    );
    const second = await call(
      h.xero.accountingApi.createInvoices(h.tenantId, body, false, undefined, 'key-1'),
    );
    expect(second.status).toBe(first.status);
    expect(second.body.invoices[0].invoiceID).toBe(first.body.invoices[0].invoiceID);
    expect(second.body.invoices[0].hasErrors).toBe(false); // not "Invoice # must be unique."
    expect(stored('IK-1')).toHaveLength(1);
  });

  it('answers 400 when the same key comes with a different body', async () => {
    await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'IK-2' })] },
        false,
        undefined,
        'key-2',
      ),
    );
    const other = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'IK-3' })] },
        false,
        undefined,
        'key-2',
      ),
    );
    expect(other.status).toBe(400);
    expect(stored('IK-3')).toHaveLength(0);
  });

  it('makes a concurrent repeat wait for the first and replay its answer', async () => {
    h.running.sim.setFaults([{ latencyMs: 200 }]);
    const body = { Invoices: [invoice({ InvoiceNumber: 'IK-4' })] };
    const headers = { 'Idempotency-Key': 'key-4' };
    const [a, b] = await Promise.all([
      http(h, 'PUT', '/Invoices?summarizeErrors=false', { body, headers }),
      http(h, 'PUT', '/Invoices?summarizeErrors=false', { body, headers }),
    ]);
    expect(a.body.Invoices[0].InvoiceID).toBe(b.body.Invoices[0].InvoiceID);
    expect(stored('IK-4')).toHaveLength(1);
  });

  it('forgets a key after the window (about 6 minutes)', async () => {
    const body = { invoices: [sdkInvoice({ invoiceNumber: 'IK-5' })] };
    await call(h.xero.accountingApi.createInvoices(h.tenantId, body, false, undefined, 'key-5'));
    h.running.sim.advanceClock(361);
    const fresh = h.running.sim.issueAccessToken([h.tenantId]).access_token;
    const late = await http(h, 'PUT', '/Invoices?summarizeErrors=false', {
      body: { Invoices: [invoice({ InvoiceNumber: 'IK-5' })] },
      headers: { 'Idempotency-Key': 'key-5' },
      token: fresh,
    });
    expect(late.body.Invoices[0].ValidationErrors[0].Message).toBe('Invoice # must be unique.');
  });

  it('refuses a key longer than 128 characters', async () => {
    const result = await http(h, 'PUT', '/Invoices', {
      body: { Invoices: [invoice({ InvoiceNumber: 'IK-6' })] },
      headers: { 'Idempotency-Key': 'k'.repeat(129) },
    });
    expect(result.status).toBe(400);
    expect(stored('IK-6')).toHaveLength(0);
  });
});
