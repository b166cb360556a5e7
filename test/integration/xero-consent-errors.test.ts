import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { unconnectedBusiness } from '../support/businesses';
import { createApp } from '../../src/api/app';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { ConnectionError, XeroConnections } from '../../src/xero/connections';
import { testConfig } from '../support/harness';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { checkedFetch } from '../support/api';
import { connectThroughOAuth, testCipher, WEB_APP, WEB_APP_ENV } from '../support/xero-connect';

/**
 * What a business is told when Xero would refuse its consent, as Xero behaves in 2026 (the simulator plays it):
 * an app created since 2 March 2026 asking for the broad scopes, an older app keeping them, an OAuth error on
 * the callback, one at the token endpoint, and an app at its pricing tier's connection cap.
 */
describe('Xero consent refusals, in words', () => {
  let system: TestSystem;
  const servers: Server[] = [];
  const OLD_APP = { clientId: 'old-app', clientSecret: 'old-secret' };
  const STARTER_APP = { clientId: 'starter-app', clientSecret: 'starter-secret' };

  /** Another API on the same database and simulator, configured with `env` (the API the test system runs is not). */
  const apiWith = async (env: Record<string, string>): Promise<{ url: string; cfg: Config }> => {
    const cfg = testConfig({
      DATABASE_URL: system.database.url,
      XERO_API_URL: system.xero.apiUrl,
      XERO_IDENTITY_URL: system.xero.identityUrl,
      ...WEB_APP_ENV,
      ...env,
    });
    const app = createApp({
      newXeroGateway: system.deps.newXeroGateway,
      limiter: system.deps.limiter,
      cfg,
      db: system.database.db,
      temporal: system.temporal.client,
      log: createLogger('api', 'error'),
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    servers.push(server);
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, cfg };
  };
  const connect = async (apiUrl: string, businessId: string) =>
    checkedFetch(`${apiUrl}/xero/connect?business=${businessId}`, {
      headers: { authorization: `Bearer ${await system.keyFor(businessId)}` },
      redirect: 'manual',
    });
  const business = (id: string) =>
    unconnectedBusiness(system.database.db, id, { timeZone: 'UTC', settings: {} });
  const states = async (businessId: string) =>
    (await system.database.db.query('SELECT 1 FROM xero_oauth_states WHERE business_id = $1', [businessId]))
      .rowCount;

  beforeAll(async () => {
    system = await startTestSystem('xero-consent-errors', { env: WEB_APP_ENV, worker: false });
    // The default kind: an app created since 2 March 2026.
    system.xero.sim.createClient({ ...WEB_APP, appName: 'Manual Sync' });
    system.xero.sim.createClient({ ...OLD_APP, appName: 'Manual Sync (2024)', appKind: 'legacy' });
    system.xero.sim.createClient({ ...STARTER_APP, appName: 'Manual Sync Starter', tier: 'starter' });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await system?.stop();
  });

  it('a 2026 app with the default (granular) scopes: consent succeeds', async () => {
    await business('biz_granular');
    const tenantId = system.xero.sim.createTenant({ name: 'Granular Ltd' }).tenantId;
    const done = await connectThroughOAuth(system, 'biz_granular', tenantId);
    expect(done).toMatchObject({ status: 200, body: { status: 'active', tenantId } });
  });

  it('a 2026 app with the broad scopes (XERO_LEGACY_SCOPES=true): connect answers 409 naming the setting, and keeps no state', async () => {
    await business('biz_broad');
    const api = await apiWith({ XERO_LEGACY_SCOPES: 'true' });
    const res = await connect(api.url, 'biz_broad');
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { title: string; detail: string };
    expect(problem.title).toBe('Xero refused the app’s scopes');
    expect(problem.detail).toBe(
      'Xero refused the scopes this app asked for (unauthorized_client: Invalid scope for client). This ' +
        'deployment asks for accounting.transactions, which a Xero app created since 2 March 2026 may not have: ' +
        'unset XERO_LEGACY_SCOPES and XERO_SCOPES (the default scopes are granular). Keep ' +
        'XERO_LEGACY_SCOPES=true only for an app created before March 2026.',
    );
    expect(await states('biz_broad')).toBe(0);
  });

  it('the merchant page’s Reconnect gets the same words (409, shown next to the button)', async () => {
    await business('biz_page');
    const api = await apiWith({ XERO_LEGACY_SCOPES: 'true' });
    const link = await checkedFetch(`${api.url}/api/page-links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await system.keyFor('biz_page')}` },
    });
    const linkUrl = new URL(((await link.json()) as { url: string }).url);
    const opened = await fetch(`${api.url}${linkUrl.pathname}${linkUrl.search}`, { redirect: 'manual' });
    const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${api.url}/manual-sync`, { headers: { cookie } })).text();
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(page)![1]!;
    const res = await fetch(`${api.url}/manual-sync/reconnect`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'sec-fetch-site': 'same-origin' },
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      title: 'Xero refused the app’s scopes',
      detail: expect.stringContaining(
        'Xero refused the scopes this app asked for (unauthorized_client: Invalid scope for client).',
      ),
    });
  });

  it('an app created before March 2026 with XERO_LEGACY_SCOPES=true: consent succeeds with accounting.transactions', async () => {
    await business('biz_legacy');
    const api = await apiWith({
      XERO_LEGACY_SCOPES: 'true',
      XERO_CLIENT_ID: OLD_APP.clientId,
      XERO_CLIENT_SECRET: OLD_APP.clientSecret,
    });
    const tenantId = system.xero.sim.createTenant({ name: 'Legacy Ltd' }).tenantId;
    const res = await connect(api.url, 'biz_legacy');
    expect(res.status).toBe(302);
    const consent = await fetch(`${res.headers.get('location')}&tenant_ids=${tenantId}`, {
      redirect: 'manual',
    });
    const back = new URL(consent.headers.get('location')!);
    expect(back.searchParams.get('scope')).toContain('accounting.transactions');
    const callback = await checkedFetch(`${api.url}/xero/callback${back.search}`, {
      headers: { accept: 'application/json' },
    });
    expect(callback.status).toBe(200);
    expect(await callback.json()).toMatchObject({ businessId: 'biz_legacy', status: 'active', tenantId });
  });

  it('an OAuth error on the callback (invalid_scope) is told in words: problem+json to a program, a page to a browser, no token', async () => {
    await business('biz_callback');
    const started = await connect(system.apiUrl, 'biz_callback');
    const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
    const query = new URLSearchParams({
      state,
      error: 'invalid_scope',
      error_description: 'The requested scope is invalid',
    });
    const json = await checkedFetch(`${system.apiUrl}/xero/callback?${query.toString()}`, {
      headers: { accept: 'application/json' },
    });
    expect(json.status).toBe(409);
    expect(((await json.json()) as { detail: string }).detail).toBe(
      'Xero refused the scopes this app asked for (invalid_scope: The requested scope is invalid). Apps ' +
        'created since 2 March 2026 may only use granular scopes: unset XERO_SCOPES (the default is granular), ' +
        'or, for an app created before March 2026 that still uses accounting.transactions, set ' +
        'XERO_LEGACY_SCOPES=true.',
    );
    const again = await connect(system.apiUrl, 'biz_callback');
    const page = await fetch(
      `${system.apiUrl}/xero/callback?${new URLSearchParams({
        state: new URL(again.headers.get('location')!).searchParams.get('state')!,
        error: 'unauthorized_client',
        error_description: 'Invalid scope for client',
      }).toString()}`,
      { headers: { accept: 'text/html' } },
    );
    expect(page.status).toBe(409);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('<h1>Not connected to Xero</h1>');
    expect(html).toContain(
      'Xero refused the scopes this app asked for (unauthorized_client: Invalid scope for client).',
    );
    expect(html).toContain('XERO_LEGACY_SCOPES=true');
    expect(html).not.toMatch(/sim_at_|sim_rt_|secret/);
  });

  it('invalid_scope at the token endpoint is told in words too', async () => {
    await business('biz_token');
    // A token endpoint answering as Xero does a Custom Connection asked for a scope it may not have.
    const identity = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: 'invalid_scope',
          error_description: 'Client credentials scope validation failed',
        }),
      );
    });
    servers.push(identity);
    await new Promise<void>((r) => identity.listen(0, '127.0.0.1', r));
    const connections = new XeroConnections({
      db: system.database.db,
      cipher: testCipher(),
      identityUrl: `http://127.0.0.1:${(identity.address() as AddressInfo).port}`,
      apiUrl: system.xero.apiUrl,
      timeoutMs: 5000,
      redirectUri: system.cfg.xeroRedirectUri,
      scopes: system.cfg.xeroScopes,
    });
    const refused = await connections
      .connectCustom('biz_token', { clientId: 'cc', clientSecret: 'cc-secret' })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConnectionError);
    expect(refused).toMatchObject({
      code: 'scope-refused',
      message: expect.stringContaining(
        'Xero refused the scopes this app asked for (invalid_scope: Client credentials scope validation failed).',
      ),
    });
  });

  it('an app at its tier’s connection cap (Starter: 5): connect answers 409 with Xero’s words and what to do', async () => {
    await business('biz_sixth');
    const tenants = Array.from({ length: 5 }, (_, i) => system.xero.sim.createTenant({ name: `Org ${i}` }));
    system.xero.sim.identity.connect(
      STARTER_APP.clientId,
      tenants.map((t) => t.tenantId),
      'consents-before',
      system.xero.sim.clock.now(),
    );
    const api = await apiWith({
      XERO_CLIENT_ID: STARTER_APP.clientId,
      XERO_CLIENT_SECRET: STARTER_APP.clientSecret,
    });
    const res = await connect(api.url, 'biz_sixth');
    expect(res.status).toBe(409);
    const problem = (await res.json()) as { title: string; detail: string };
    expect(problem.title).toBe('Xero app connection limit reached');
    expect(problem.detail).toBe(
      'This Xero app has reached its pricing tier\'s limit of connected organisations (Xero: "Sorry! Manual ' +
        'Sync Starter has reached their Xero connection limit, please let them know so they can connect more ' +
        'Xero organisations."), so Xero lets no organisation connect or reconnect: disconnect one that no longer ' +
        'uses it (in Xero, Settings → Connected Apps) or move the app to a higher tier at developer.xero.com ' +
        '(Starter 5, Core 50, Plus 1,000, Advanced 10,000 organisations).',
    );
    expect(await states('biz_sixth')).toBe(0);
  });
});
