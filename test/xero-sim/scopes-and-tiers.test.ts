import { expectConformance, http, invoice, startHarness, type Harness } from './support/harness';

/**
 * Xero's 2026 rules on apps: granular scopes only for apps created since 2 March 2026 (broad ones for older apps),
 * scopes enforced on every call, the pricing tier's cap on connected organisations, and 60-day refresh tokens.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
expectConformance(() => h);

const REDIRECT = 'http://localhost/cb';
const GRANULAR =
  'accounting.contacts accounting.invoices accounting.payments accounting.settings.read offline_access';
const BROAD = 'accounting.transactions accounting.contacts accounting.settings.read offline_access';

let clients = 0;
/** A new OAuth app on the simulator, of this kind and tier. */
function app(spec: { appKind?: '2026' | 'legacy'; tier?: 'starter' } = {}) {
  clients += 1;
  const client = { clientId: `app-${clients}`, clientSecret: `secret-${clients}`, appName: `App ${clients}` };
  h.running.sim.createClient({ ...client, ...spec });
  return client;
}

function authorizeUrl(clientId: string, scope: string, tenantIds?: string[]): string {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    scope,
    state: 'st',
    ...(tenantIds ? { tenant_ids: tenantIds.join(',') } : {}),
  });
  return `${h.running.identityUrl}/identity/connect/authorize?${q.toString()}`;
}

async function token(client: { clientId: string; clientSecret: string }, form: Record<string, string>) {
  const res = await fetch(`${h.running.identityUrl}/connect/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** The whole consent: authorize (test-mode: the user picks `tenantIds`), then the code exchange. */
async function consent(
  client: { clientId: string; clientSecret: string },
  scope: string,
  tenantIds = [h.tenantId],
) {
  const redirect = await fetch(authorizeUrl(client.clientId, scope, tenantIds), { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const back = new URL(redirect.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
  const exchanged = await token(client, {
    grant_type: 'authorization_code',
    code: back.searchParams.get('code')!,
    redirect_uri: REDIRECT,
  });
  expect(exchanged.status).toBe(200);
  return exchanged.body;
}

describe('scopes of an app created since 2 March 2026 (the default kind)', () => {
  it('consents to the granular scopes, and the token carries exactly them', async () => {
    const tokens = await consent(app(), GRANULAR);
    expect(tokens.scope!.split(' ').sort()).toEqual(GRANULAR.split(' ').sort());
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('refuses the broad accounting.transactions on Xero’s own error page, never redirecting back', async () => {
    const res = await fetch(authorizeUrl(app().clientId, BROAD), { redirect: 'manual' });
    expect(res.status).toBe(500);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Error: unauthorized_client : Invalid scope for client');
  });

  it('refuses an unknown scope with invalid_scope', async () => {
    const res = await fetch(authorizeUrl(app().clientId, 'accounting.transaction offline_access'), {
      redirect: 'manual',
    });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('Error: invalid_scope : Invalid scope');
  });

  it('a Custom Connection asked for accounting.transactions is refused at the token endpoint; without scope it gets its app’s granular scopes', async () => {
    const client = { clientId: 'cc-2026', clientSecret: 'cc-secret' };
    h.running.sim.createClient({ ...client, customConnectionTenantId: h.tenantId });
    expect(
      await token(client, { grant_type: 'client_credentials', scope: 'accounting.transactions' }),
    ).toEqual({
      status: 400,
      body: { error: 'invalid_scope', error_description: 'Client credentials scope validation failed' },
    });
    const plain = await token(client, { grant_type: 'client_credentials' });
    expect(plain.status).toBe(200);
    expect(plain.body.scope!.split(' ')).toEqual(expect.arrayContaining(['accounting.invoices']));
    expect(plain.body.scope!.split(' ')).not.toContain('accounting.transactions');
  });

  it('no offline_access, no refresh token', async () => {
    const tokens = await consent(app(), 'accounting.invoices');
    expect(tokens.refresh_token).toBeUndefined();
  });
});

describe('scopes of an app created before March 2026 (kind "legacy")', () => {
  it('consents to the broad scopes, and their token writes invoices', async () => {
    const tokens = await consent(app({ appKind: 'legacy' }), BROAD);
    expect(tokens.scope).toContain('accounting.transactions');
    const created = await http(h, 'PUT', '/Invoices', {
      token: tokens.access_token,
      body: { Invoices: [invoice()] },
    });
    expect(created.status).toBe(200);
  });

  it('may ask for the granular scopes too (from April 2026)', async () => {
    expect((await consent(app({ appKind: 'legacy' }), GRANULAR)).scope).toContain('accounting.invoices');
  });

  it('/__sim/clients takes the kind and the tier, and refuses others', async () => {
    const created = await http(h, 'POST', '/__sim/clients', {
      body: { clientId: 'via-api', clientSecret: 's', appKind: 'legacy', tier: 'starter' },
    });
    expect(created).toMatchObject({ status: 201, body: { appKind: 'legacy', tier: 'starter' } });
    const bad = await http(h, 'POST', '/__sim/clients', {
      body: { clientId: 'bad', clientSecret: 's', appKind: '2025' },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: 'appKind: one of 2026, legacy' } });
  });
});

describe('a token is limited to its scopes', () => {
  it('read-only invoices: GET /Invoices works; writing them, or reading payments or contacts, is 403 insufficient_scope', async () => {
    const tokens = await consent(app(), 'accounting.invoices.read offline_access');
    const as = { token: tokens.access_token };
    expect((await http(h, 'GET', '/Invoices', as)).status).toBe(200);
    for (const [method, path] of [
      ['PUT', '/Invoices'],
      ['GET', '/Payments'],
      ['GET', '/Contacts'],
      ['GET', '/Accounts'],
    ] as const) {
      const refused = await http(h, method, path, {
        ...as,
        ...(method === 'PUT' ? { body: { Invoices: [invoice()] } } : {}),
      });
      expect({ call: `${method} ${path}`, status: refused.status }).toEqual({
        call: `${method} ${path}`,
        status: 403,
      });
      expect(refused.headers['www-authenticate']).toContain('error="insufficient_scope"');
    }
  });

  it('the granular default covers every call this product makes: contacts, invoices, credit notes, payments, accounts, tax rates', async () => {
    const as = { token: (await consent(app(), GRANULAR)).access_token };
    for (const [method, path] of [
      ['GET', '/Contacts'],
      ['GET', '/Invoices'],
      ['GET', '/CreditNotes'],
      ['GET', '/Payments'],
      ['GET', '/Accounts'],
      ['GET', '/TaxRates'],
    ] as const)
      expect({ call: path, status: (await http(h, method, path, as)).status }).toEqual({
        call: path,
        status: 200,
      });
    const written = await http(h, 'PUT', '/Invoices', { ...as, body: { Invoices: [invoice()] } });
    expect(written.status).toBe(200);
  });
});

describe('the pricing tier caps connected organisations (Starter: 5)', () => {
  it('a sixth organisation is sent to Xero’s connection-limit page, as is any consent at the cap; a disconnect frees a slot', async () => {
    const starter = app({ tier: 'starter' });
    const tenants = Array.from({ length: 6 }, (_, i) => h.running.sim.createTenant({ name: `Org ${i}` }));
    for (const t of tenants.slice(0, 5)) await consent(starter, GRANULAR, [t.tenantId]);
    const refused = await fetch(authorizeUrl(starter.clientId, GRANULAR, [tenants[5]!.tenantId]), {
      redirect: 'manual',
    });
    expect(refused.status).toBe(302);
    const limitPage = new URL(refused.headers.get('location')!, h.running.baseUrl);
    expect(limitPage.pathname).toBe('/connectionLimit');
    const page = await fetch(limitPage);
    expect(await page.text()).toContain(
      `Sorry! ${starter.appName} has reached their Xero connection limit, please let them know so they can connect more Xero organisations.`,
    );
    // At the cap Xero stops the consent before the organisation picker, even for one already connected.
    const again = await fetch(authorizeUrl(starter.clientId, GRANULAR, [tenants[0]!.tenantId]), {
      redirect: 'manual',
    });
    expect(new URL(again.headers.get('location')!, h.running.baseUrl).pathname).toBe('/connectionLimit');
    const first = h.running.sim.identity.activeConnections(starter.clientId, [tenants[0]!.tenantId])[0]!;
    expect((await http(h, 'POST', `/__sim/connections/${first.id}/revoke`)).status).toBe(204);
    await consent(starter, GRANULAR, [tenants[5]!.tenantId]);
  });
});

describe('refresh tokens expire after 60 days unused', () => {
  it('one used on day 50 gives a new one that lasts 60 days from then; one left unused 60 days is refused', async () => {
    const client = app();
    const { refresh_token: first } = await consent(client, GRANULAR);
    const idle = await consent(client, GRANULAR);
    h.running.sim.advanceClock(50 * 86_400);
    const renewed = await token(client, { grant_type: 'refresh_token', refresh_token: first! });
    expect(renewed.status).toBe(200);
    h.running.sim.advanceClock(10 * 86_400 + 60);
    expect(await token(client, { grant_type: 'refresh_token', refresh_token: idle.refresh_token! })).toEqual({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    h.running.sim.advanceClock(49 * 86_400);
    const later = await token(client, {
      grant_type: 'refresh_token',
      refresh_token: renewed.body.refresh_token!,
    });
    expect(later.status).toBe(200);
  });
});
