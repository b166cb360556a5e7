import { DEMO_TENANT_ID } from '../../src/xero-sim';
import type { SimTrackingCategory } from '../../src/xero-sim/tracking';
import { unconnectedBusiness } from '../support/businesses';
import { businessOnOwnOrganisation, createBusiness, simStats } from '../support/orders';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { connectThroughOAuth, WEB_APP, WEB_APP_ENV } from '../support/xero-connect';

/**
 * GET /api/xero/tracking-categories, what the Settings view's tracking selects are filled from, against the real
 * API, PostgreSQL and the simulated Xero: an organisation's active categories and options (one Xero call, then
 * the cache), one with none, a connection whose consent lacks accounting.settings.read, and no connection at all.
 */

// The deployment asks for every scope the product needs but accounting.settings.read: an OAuth connection made
// through it cannot read tracking categories. (The Custom Connections carry all of their app's scopes.)
const NO_SETTINGS_SCOPES = 'accounting.contacts accounting.invoices accounting.payments offline_access';

function made(result: SimTrackingCategory | string): SimTrackingCategory {
  if (typeof result === 'string') throw new Error(result);
  return result;
}

describe('GET /api/xero/tracking-categories', () => {
  let system: TestSystem;
  let store: SimTrackingCategory;

  beforeAll(async () => {
    system = await startTestSystem('tracking-categories', {
      env: { ...WEB_APP_ENV, XERO_SCOPES: NO_SETTINGS_SCOPES },
      worker: false,
    });
    system.xero.sim.createClient({ ...WEB_APP, appName: 'Manual Sync' });
    await createBusiness(system.database.db, 'biz_cats');
    store = made(
      system.xero.sim.addTrackingCategory(DEMO_TENANT_ID, {
        Name: 'Store',
        Options: [{ Name: 'Clementi' }, { Name: 'Orchard' }, { Name: 'Closed', Status: 'ARCHIVED' }],
      }),
    );
    made(system.xero.sim.addTrackingCategory(DEMO_TENANT_ID, { Name: 'Old regions', Status: 'ARCHIVED' }));
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('answers the active categories with their active options, by id, and asks Xero once for two opens', async () => {
    const api = await system.api('biz_cats');
    const before = (await simStats(system.xero.baseUrl)).calls.byEndpoint['GET /TrackingCategories'] ?? 0;
    const first = await api.get('/api/xero/tracking-categories');
    expect(first.status).toBe(200);
    const option = (name: string) => store.Options.find((o) => o.Name === name)!.TrackingOptionID;
    expect(first.body).toEqual({
      items: [
        {
          id: store.TrackingCategoryID,
          name: 'Store',
          options: [
            { id: option('Clementi'), name: 'Clementi' },
            { id: option('Orchard'), name: 'Orchard' },
          ],
        },
      ],
      readAt: expect.any(String),
      cached: false,
    });
    const again = await api.get('/api/xero/tracking-categories');
    expect(again.body).toEqual({ ...first.body, cached: true });
    const after = (await simStats(system.xero.baseUrl)).calls.byEndpoint['GET /TrackingCategories'] ?? 0;
    expect(after - before).toBe(1);
  });

  it('answers an empty list for an organisation with no tracking categories', async () => {
    await businessOnOwnOrganisation(system, {
      businessId: 'biz_no_cats',
      name: 'No Categories Ltd',
      clientPrefix: 'no-cats',
    });
    const res = await (await system.api('biz_no_cats')).get('/api/xero/tracking-categories');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ items: [], cached: false });
  });

  it('says which scope to reconnect with when the connection was not granted accounting.settings.read (409)', async () => {
    const { tenantId } = system.xero.sim.createTenant({ name: 'Granular Coffee Ltd' });
    made(system.xero.sim.addTrackingCategory(tenantId, { Name: 'Region', Options: [{ Name: 'East' }] }));
    await unconnectedBusiness(system.database.db, 'biz_scope');
    expect((await connectThroughOAuth(system, 'biz_scope', tenantId)).status).toBe(200);
    const res = await (await system.api('biz_scope')).get('/api/xero/tracking-categories');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      title: 'Reconnect Xero',
      detail: expect.stringMatching(
        /because the connection was not granted the accounting\.settings\.read scope .*Reconnect Xero .*XERO_SCOPES includes accounting\.settings\.read/,
      ),
    });
  });

  it('says to connect Xero first when the business has no connection (409)', async () => {
    await unconnectedBusiness(system.database.db, 'biz_unconnected');
    const res = await (await system.api('biz_unconnected')).get('/api/xero/tracking-categories');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      title: 'Not connected',
      detail: expect.stringMatching(
        /has no Xero organisation connected.*connect it first \(GET \/xero\/connect/,
      ),
    });
  });
});
