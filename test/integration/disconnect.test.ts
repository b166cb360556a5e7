import { unconnectedBusiness } from '../support/businesses';
import { XeroConnections } from '../../src/xero/connections';
import { connectToSimulator } from '../support/orders';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import {
  connectThroughOAuth,
  rawConnectionRow,
  testCipher,
  WEB_APP,
  WEB_APP_ENV,
} from '../support/xero-connect';

/**
 * POST /xero/disconnect forgets every token and secret of the connection whatever its kind (migration 008), in
 * one transaction, and says what it could not undo in Xero.
 */
describe('disconnect forgets the connection, OAuth or Custom Connection', () => {
  let system: TestSystem;
  const SEALED = ['access_token_enc', 'refresh_token_enc', 'client_id_enc', 'client_secret_enc'];

  beforeAll(async () => {
    system = await startTestSystem('disconnect', { env: WEB_APP_ENV, worker: false });
    system.xero.sim.createClient({ ...WEB_APP, appName: 'Manual Sync' });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const newBusiness = (id: string) => unconnectedBusiness(system.database.db, id);
  const disconnect = async (businessId: string) => {
    const api = await system.api(businessId);
    return api.post(`/xero/disconnect?business=${businessId}`);
  };
  const expectForgotten = async (businessId: string) => {
    const row = await rawConnectionRow(system.database.db, businessId);
    for (const column of SEALED) expect(row[column]).toBeNull();
    expect(row.status).toBe('disconnected');
    const business = await (await system.api(businessId)).get('/api/business');
    expect(business.status).toBe(200);
    expect(business.body).toMatchObject({
      xero: { status: 'disconnected', tenantId: null, tenantName: null },
    });
  };

  it('a Custom Connection (client id and secret stored) answers 200 and keeps no secret or token', async () => {
    const businessId = 'biz_custom_disc';
    await newBusiness(businessId);
    const tenant = system.xero.sim.createTenant({ name: 'Custom Coffee' });
    system.xero.sim.createClient({
      clientId: 'custom-client',
      clientSecret: 'custom-secret',
      customConnectionTenantId: tenant.tenantId,
    });
    const connections = XeroConnections.fromConfig(system.cfg, system.database.db, testCipher());
    await connections.connectCustom(businessId, { clientId: 'custom-client', clientSecret: 'custom-secret' });
    const before = await rawConnectionRow(system.database.db, businessId);
    expect(before.client_secret_enc).toEqual(expect.stringMatching(/^v1\./));

    const res = await disconnect(businessId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      businessId,
      kind: 'custom',
      status: 'disconnected',
      xero: { connectionDeleted: true, tokenRevoked: null, notUndone: [] },
    });
    await expectForgotten(businessId);
    expect(system.xero.sim.identity.isConnected('custom-client', tenant.tenantId)).toBe(false);
  });

  it('an OAuth connection answers 200, revokes the refresh token and keeps no token', async () => {
    const businessId = 'biz_oauth_disc';
    await newBusiness(businessId);
    const tenant = system.xero.sim.createTenant({ name: 'OAuth Tea' });
    const connected = await connectThroughOAuth(system, businessId, tenant.tenantId);
    expect(connected.status).toBe(200);
    const res = await disconnect(businessId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      kind: 'oauth',
      status: 'disconnected',
      xero: { connectionDeleted: true, tokenRevoked: true, notUndone: [] },
    });
    await expectForgotten(businessId);
  });

  it('when Xero cannot be reached it still forgets locally and says what was not undone', async () => {
    const businessId = 'biz_unreachable_disc';
    await newBusiness(businessId);
    // Stored without a token, so the disconnect must ask Xero's token endpoint first, which fails.
    await connectToSimulator(system.database.db, businessId);
    system.xero.sim.setFaults([{ tokenEndpoint: true, errorRate: 1, errorStatus: 503 }]);
    try {
      const res = await disconnect(businessId);
      expect(res.status).toBe(200);
      const body = res.body as { xero: { connectionDeleted: boolean; notUndone: string[] } };
      expect(body.xero.connectionDeleted).toBe(false);
      expect(body.xero.notUndone).toEqual([expect.stringMatching(/Connected Apps/)]);
    } finally {
      system.xero.sim.setFaults([]);
    }
    await expectForgotten(businessId);
  });

  it('a second disconnect answers 200 again and changes nothing', async () => {
    const res = await disconnect('biz_custom_disc');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'disconnected', xero: { connectionDeleted: false } });
    await expectForgotten('biz_custom_disc');
  });
});
