import { DEMO_TENANT_ID } from '../../src/xero-sim';
import type { ManualSyncResult } from '../../src/definitions';
import { generateDemoOrders } from '../../src/orders/seed';
import { createBusiness, loadOrders, simInvoices } from '../support/orders';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

const businessId = 'biz_submit';

async function post(system: TestSystem, body: unknown) {
  const res = await (await system.api(businessId)).post('/api/sync-requests', body);
  return { status: res.status, type: res.headers.get('content-type'), body: res.body };
}

const valid = {
  businessId,
  channel: 'pos',
  locationId: 'all',
  startDate: '2025-07-01',
  endDate: '2025-07-01',
  contactMapping: { mode: 'auto' },
};

describe('submitting a sync request', () => {
  let system: TestSystem;
  let contacts: Array<{ ContactID: string; Name: string }>;
  beforeAll(async () => {
    system = await startTestSystem('submit');
    await createBusiness(system.database.db, businessId);
    await loadOrders(system.database.db, [
      ...generateDemoOrders({
        businessId,
        from: '2025-07-01',
        to: '2025-07-01',
        ordersPerDay: 6,
        channel: 'pos',
        seed: 4,
      }),
    ]);
    const res = await fetch(`${system.xero.baseUrl}/__sim/tenants/${DEMO_TENANT_ID}/contacts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        Contacts: [{ Name: 'Walk-in Customer' }, { Name: 'Gone Ltd', ContactStatus: 'ARCHIVED' }],
      }),
    });
    contacts = ((await res.json()) as { Contacts: typeof contacts }).Contacts;
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('refuses bad fields with problem+json naming each field and what to do', async () => {
    const res = await post(system, { ...valid, channel: 'kiosk', startDate: '01/07/2025', extra: true });
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    const paths = (res.body.errors as Array<{ path: string; message: string }>).map((e) => e.path).sort();
    expect(paths).toEqual(['body', 'body.channel', 'body.startDate']);
    expect(JSON.stringify(res.body.errors)).toContain('YYYY-MM-DD');
  });

  it('refuses an end date before the start date, and a location that does not exist or has no such channel', async () => {
    const reversed = await post(system, { ...valid, startDate: '2025-07-02', endDate: '2025-07-01' });
    expect(reversed.status).toBe(400);
    expect(JSON.stringify(reversed.body.errors)).toMatch(/body\.(startDate|endDate)/);
    const unknown = await post(system, { ...valid, locationId: 'loc_nowhere' });
    expect(unknown.body.errors).toEqual([
      { path: 'body.locationId', message: expect.stringContaining('does not exist') },
    ]);
    const wrongChannel = await post(system, { ...valid, channel: 'online', locationId: 'loc_clementi' });
    expect(wrongChannel.body.errors).toEqual([
      { path: 'body.locationId', message: expect.stringContaining('has no online orders') },
    ]);
  });

  it('checks a manual contact exists and is active before starting, then puts every order on it', async () => {
    const missing = await post(system, {
      ...valid,
      contactMapping: { mode: 'manual', contactId: '00000000-0000-4000-8000-000000000000' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([
      { path: 'body.contactMapping.contactId', message: expect.stringContaining('no contact') },
    ]);
    const archived = contacts.find((c) => c.Name === 'Gone Ltd')!;
    const refused = await post(system, {
      ...valid,
      contactMapping: { mode: 'manual', contactId: archived.ContactID },
    });
    expect(refused.body.errors).toEqual([
      { path: 'body.contactMapping.contactId', message: expect.stringContaining('archived') },
    ]);

    const walkIn = contacts.find((c) => c.Name === 'Walk-in Customer')!;
    const accepted = await post(system, {
      ...valid,
      contactMapping: { mode: 'manual', contactId: walkIn.ContactID },
    });
    expect(accepted.status).toBe(202);
    const result = (await system.temporal.client.workflow
      .getHandle(String(accepted.body.id))
      .result()) as ManualSyncResult;
    expect(result.counts.synced).toBeGreaterThan(0);
    const invoices = await simInvoices(system.xero.baseUrl);
    expect(new Set(invoices.map((i) => i.Contact.ContactID))).toEqual(new Set([walkIn.ContactID]));
  });
});
