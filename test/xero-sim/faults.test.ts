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

describe('fault injection', () => {
  it('answers a rate of calls with 5xx before doing any work', async () => {
    h.running.sim.setFaults([{ errorRate: 1, errorStatus: 503 }]);
    const result = await call(
      h.xero.accountingApi.createInvoices(
        h.tenantId,
        { invoices: [sdkInvoice({ invoiceNumber: 'F-1' })] },
        false,
      ),
    );
    expect(result.status).toBe(503);
    expect(stored('F-1')).toHaveLength(0);
  });

  it('adds latency', async () => {
    h.running.sim.setFaults([{ latencyMs: 250 }]);
    const started = Date.now();
    expect((await http(h, 'GET', '/Currencies')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('commit-then-drop saves the write and resets the connection; a retry with the same key replays it', async () => {
    h.running.sim.setFaults([{ dropAfterCommitRate: 1, writesOnly: true }]);
    const body = { invoices: [sdkInvoice({ invoiceNumber: 'F-2' })] };
    const dropped = await call(
      h.xero.accountingApi.createInvoices(h.tenantId, body, false, undefined, 'drop-key'),
    );
    expect(dropped.status).toBe(0); // xero-node's network error
    expect(stored('F-2')).toHaveLength(1);
    h.running.sim.setFaults([]);
    const retry = await call(
      h.xero.accountingApi.createInvoices(h.tenantId, body, false, undefined, 'drop-key'),
    );
    expect(retry.body.invoices[0].invoiceID).toBe(stored('F-2')[0]?.InvoiceID);
    expect(stored('F-2')).toHaveLength(1);
  });

  it('storms 429s with X-Rate-Limit-Problem: minute although no limit is reached', async () => {
    h.running.sim.setFaults([{ rateLimitStormRate: 1, stormRetryAfterSeconds: 2 }]);
    const result = await http(h, 'GET', '/Currencies');
    expect(result.status).toBe(429);
    expect(result.headers).toMatchObject({ 'x-rate-limit-problem': 'minute', 'retry-after': '2' });
  });

  it('scopes faults to one tenant and to writes only', async () => {
    const other = h.running.sim.createTenant();
    const token = h.running.sim.issueAccessToken([h.tenantId, other.tenantId]).access_token;
    h.running.sim.setFaults([{ tenantId: other.tenantId, errorRate: 1, writesOnly: true }]);
    expect((await http(h, 'GET', '/Currencies', { token, tenantId: other.tenantId })).status).toBe(200);
    const write = await http(h, 'PUT', '/Invoices', {
      token,
      tenantId: other.tenantId,
      body: { Invoices: [invoice({ InvoiceNumber: 'F-3' })] },
    });
    expect(write.status).toBe(500);
    const unaffected = await http(h, 'PUT', '/Invoices', {
      token,
      tenantId: h.tenantId,
      body: { Invoices: [invoice({ InvoiceNumber: 'F-3' })] },
    });
    expect(unaffected.status).toBe(200);
  });

  it('sets faults through POST /__sim/faults', async () => {
    const set = await http(h, 'POST', '/__sim/faults', {
      body: { faults: [{ errorRate: 1, errorStatus: 502 }] },
    });
    expect(set.status).toBe(200);
    expect((await http(h, 'GET', '/Currencies')).status).toBe(502);
    await http(h, 'POST', '/__sim/faults', { body: { faults: [] } });
    expect((await http(h, 'GET', '/Currencies')).status).toBe(200);
  });
});
