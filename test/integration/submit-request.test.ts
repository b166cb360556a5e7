import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { createBusiness, loadDemoOrders, seedSimContacts, simInvoices, simStats } from '../support/orders';
import { requestDetail, syncResult } from '../support/requests';
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
    await loadDemoOrders(system.database.db, {
      businessId,
      from: '2025-07-01',
      to: '2025-07-02',
      ordersPerDay: 6,
      channel: 'pos',
      seed: 4,
    });
    contacts = await seedSimContacts(system.xero.baseUrl, DEMO_TENANT_ID, [
      { Name: 'Walk-in Customer' },
      { Name: 'Gone Ltd', ContactStatus: 'ARCHIVED' },
    ]);
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
    const result = await syncResult(system, String(accepted.body.id));
    expect(result.counts.synced).toBeGreaterThan(0);
    const invoices = await simInvoices(system.xero.baseUrl);
    expect(new Set(invoices.map((i) => i.Contact.ContactID))).toEqual(new Set([walkIn.ContactID]));
    // The request's detail and its history row name the contact as Xero had it at submission.
    const id = String(accepted.body.id);
    expect(await requestDetail(system, businessId, id)).toMatchObject({ contactName: 'Walk-in Customer' });
    const log = await (
      await system.api(businessId)
    ).get<{ items: Array<{ id: string; contactName: string | null }> }>('/api/sync-requests');
    expect(log.body.items.find((r) => r.id === id)).toMatchObject({ contactName: 'Walk-in Customer' });
  });

  it('checks the manual contact within the business’s daily reserve: with only the reserve left, no call is made', async () => {
    const { db } = system.database;
    const walkIn = contacts.find((c) => c.Name === 'Walk-in Customer')!;
    // A day the earlier tests did not sync: a range already in Xero would be refused as nothing to send.
    const manual = {
      ...valid,
      startDate: '2025-07-02',
      endDate: '2025-07-02',
      contactMapping: { mode: 'manual', contactId: walkIn.ContactID },
    };
    const contactReads = async () =>
      Object.entries((await simStats(system.xero.baseUrl)).calls.byEndpoint)
        .filter(([endpoint]) => /^GET .*\/Contacts/.test(endpoint))
        .reduce((n, [, c]) => n + c, 0);
    const requests = async () =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_requests')).rows[0]!.n;
    const setReserve = (reserve: number) =>
      db.query(
        `UPDATE businesses SET settings = settings || jsonb_build_object('dailyQuotaReserve', $2::int) WHERE id = $1`,
        [businessId, reserve],
      );
    // Xero last said 300 calls are left today, and when the window resets (so no probe looks early).
    await db.query(
      `INSERT INTO xero_tenant_pacing (tenant_id, day_remaining, day_observed_at, day_reset_at)
       VALUES ($1, 300, now(), now() + interval '1 hour')
       ON CONFLICT (tenant_id) DO UPDATE SET day_remaining = 300, day_observed_at = now(),
         day_reset_at = now() + interval '1 hour'`,
      [DEMO_TENANT_ID],
    );
    try {
      await setReserve(300);
      const [readsBefore, requestsBefore] = [await contactReads(), await requests()];
      const held = await post(system, manual);
      expect(held.status).toBe(503);
      expect(held.body.title).toBe('Xero quota exhausted');
      expect(await contactReads()).toBe(readsBefore);
      expect(await requests()).toBe(requestsBefore);

      // One call above the reserve: the same check is made (one read), and the request starts.
      await setReserve(299);
      const accepted = await post(system, manual);
      expect(accepted.status).toBe(202);
      expect(await contactReads()).toBe(readsBefore + 1);
      await syncResult(system, String(accepted.body.id));
    } finally {
      await setReserve(500);
      await db.query(
        'UPDATE xero_tenant_pacing SET day_remaining = NULL, day_observed_at = NULL, day_reset_at = NULL WHERE tenant_id = $1',
        [DEMO_TENANT_ID],
      );
    }
  });
});
