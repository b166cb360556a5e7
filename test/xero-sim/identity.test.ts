import { createHash } from 'node:crypto';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID } from '../../src/xero-sim';
import { expectConformance, http, startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  h.running.sim.createClient({ clientId: 'web-app', clientSecret: 'web-secret' });
});
afterAll(() => h.close());
expectConformance(() => h);

async function token(form: Record<string, string>, clientId = 'web-app', secret = 'web-secret') {
  const response = await fetch(`${h.running.identityUrl}/connect/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

async function consent(): Promise<{ access_token: string; refresh_token: string }> {
  const url = `${h.running.identityUrl}/identity/connect/authorize?response_type=code&client_id=web-app&redirect_uri=${encodeURIComponent('http://localhost/cb')}&scope=${encodeURIComponent('offline_access accounting.settings.read')}&state=xyz&tenant_ids=${h.tenantId}`;
  const redirect = await fetch(url, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const location = new URL(redirect.headers.get('location') ?? '');
  expect(location.searchParams.get('state')).toBe('xyz');
  const result = await token({
    grant_type: 'authorization_code',
    code: location.searchParams.get('code') ?? '',
    redirect_uri: 'http://localhost/cb',
  });
  expect(result.status).toBe(200);
  return result.body as { access_token: string; refresh_token: string };
}

describe('identity', () => {
  it('authorization_code: consent redirects back with code and state, and the code buys tokens that reach the API', async () => {
    const tokens = await consent();
    expect(tokens.refresh_token).toBeTruthy();
    expect((await http(h, 'GET', '/Organisation', { token: tokens.access_token })).status).toBe(200);
    const connections = await http(h, 'GET', '/connections', { token: tokens.access_token });
    expect(connections.body).toEqual([
      expect.objectContaining({ tenantId: h.tenantId, tenantType: 'ORGANISATION' }),
    ]);
  });

  it('rotates refresh tokens and keeps the previous one working for the 30-minute grace period only', async () => {
    const { refresh_token: first } = await consent();
    const rotated = await token({ grant_type: 'refresh_token', refresh_token: first });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(first);
    h.running.sim.advanceClock(29 * 60);
    expect((await token({ grant_type: 'refresh_token', refresh_token: first })).status).toBe(200);
    h.running.sim.advanceClock(2 * 60);
    const late = await token({ grant_type: 'refresh_token', refresh_token: first });
    expect(late).toEqual({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('client_credentials: the demo client has a Custom Connection to the demo tenant and gets no refresh token', async () => {
    const result = await token({ grant_type: 'client_credentials' }, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET);
    expect(result.status).toBe(200);
    expect(result.body.refresh_token).toBeUndefined();
    const org = await http(h, 'GET', '/Organisation', {
      token: result.body.access_token,
      tenantId: DEMO_TENANT_ID,
    });
    expect(org.status).toBe(200);
    expect((await token({ grant_type: 'client_credentials' }, DEMO_CLIENT_ID, 'wrong')).body.error).toBe(
      'invalid_client',
    );
  });

  it("expires access tokens after 30 minutes with Xero's 401 body", async () => {
    const fresh = h.running.sim.issueAccessToken([h.tenantId]).access_token;
    h.running.sim.advanceClock(30 * 60 + 1);
    const expired = await http(h, 'GET', '/Currencies', { token: fresh });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({
      Title: 'Unauthorized',
      Status: 401,
      Detail: expect.stringContaining('TokenExpired'),
    });
    expect(expired.headers['www-authenticate']).toContain('invalid_token');
  });

  it('answers 401 AuthenticationUnsuccessful to an unknown token and 403 to a tenant the token does not grant', async () => {
    const unknown = await http(h, 'GET', '/Currencies', { token: 'nope' });
    expect(unknown).toMatchObject({ status: 401, body: { Detail: 'AuthenticationUnsuccessful' } });
    const fresh = h.running.sim.issueAccessToken([h.tenantId]).access_token;
    const other = h.running.sim.createTenant();
    expect((await http(h, 'GET', '/Currencies', { token: fresh, tenantId: other.tenantId })).status).toBe(
      403,
    );
  });

  it('revoking a connection makes the API answer 403 and drops it from /connections', async () => {
    const tenant = h.running.sim.createTenant({ name: 'Revoked Ltd' });
    const fresh = h.running.sim.issueAccessToken([tenant.tenantId]).access_token;
    const [connection] = (await http(h, 'GET', '/connections', { token: fresh })).body as { id: string }[];
    const revoked = await http(h, 'POST', `/__sim/connections/${connection?.id}/revoke`);
    expect(revoked.status).toBe(204);
    expect((await http(h, 'GET', '/Currencies', { token: fresh, tenantId: tenant.tenantId })).status).toBe(
      403,
    );
    expect((await http(h, 'GET', '/connections', { token: fresh })).body).toEqual([]);
  });

  it('a refresh whose answer is dropped (token-endpoint fault) has rotated the token; the previous one still works within the grace', async () => {
    const { refresh_token: first } = await consent();
    h.running.sim.setFaults([{ tokenEndpoint: true, dropAfterCommitRate: 1 }]);
    await expect(
      fetch(`${h.running.identityUrl}/connect/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from('web-app:web-secret').toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first }).toString(),
      }),
    ).rejects.toThrow();
    h.running.sim.setFaults([]);
    h.running.sim.advanceClock(10 * 60);
    const retried = await token({ grant_type: 'refresh_token', refresh_token: first });
    expect(retried.status).toBe(200);
    expect(retried.body.refresh_token).not.toBe(first);
  });

  it('token-endpoint faults leave the Accounting API alone, and API faults leave the token endpoint alone', async () => {
    h.running.sim.setFaults([{ tokenEndpoint: true, errorRate: 1, errorStatus: 503 }]);
    expect(await token({ grant_type: 'client_credentials' }, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)).toEqual({
      status: 503,
      body: { error: 'server_error' },
    });
    const fresh = h.running.sim.issueAccessToken([h.tenantId]).access_token;
    expect((await http(h, 'GET', '/Currencies', { token: fresh })).status).toBe(200);
    h.running.sim.setFaults([{ errorRate: 1, errorStatus: 500 }]);
    expect(
      (await token({ grant_type: 'client_credentials' }, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)).status,
    ).toBe(200);
    h.running.sim.setFaults([]);
  });

  it('/__sim/stats counts token requests by grant type and status, and revocations', async () => {
    h.running.sim.reset();
    const { refresh_token: first } = await consent();
    await token({ grant_type: 'refresh_token', refresh_token: first });
    await token({ grant_type: 'refresh_token', refresh_token: 'unknown' });
    const revoke = await fetch(`${h.running.identityUrl}/connect/revocation`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('web-app:web-secret').toString('base64')}`,
      },
      body: new URLSearchParams({ token: first }).toString(),
    });
    expect(revoke.status).toBe(200);
    const stats = (await http(h, 'GET', '/__sim/stats')).body as {
      identity: { tokenRequests: Record<string, number>; revocations: number };
    };
    expect(stats.identity).toEqual({
      tokenRequests: { 'authorization_code 200': 1, 'refresh_token 200': 1, 'refresh_token 400': 1 },
      revocations: 1,
    });
  });

  it('PKCE: a code bought with an S256 challenge is exchanged only with the matching code_verifier', async () => {
    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const codeFor = async () => {
      const url = `${h.running.identityUrl}/identity/connect/authorize?response_type=code&client_id=web-app&redirect_uri=${encodeURIComponent('http://localhost/cb')}&scope=offline_access&state=s&code_challenge=${challenge}&code_challenge_method=S256`;
      const redirect = await fetch(url, { redirect: 'manual' });
      return new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
    };
    const exchange = (code: string, codeVerifier?: string) =>
      token({
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'http://localhost/cb',
        ...(codeVerifier ? { code_verifier: codeVerifier } : {}),
      });
    expect((await exchange(await codeFor())).body).toEqual({ error: 'invalid_grant' });
    expect((await exchange(await codeFor(), 'w'.repeat(43))).body).toEqual({ error: 'invalid_grant' });
    expect((await exchange(await codeFor(), verifier)).status).toBe(200);
    const plain = await fetch(
      `${h.running.identityUrl}/identity/connect/authorize?response_type=code&client_id=web-app&redirect_uri=x&code_challenge=abc&code_challenge_method=plain`,
      { redirect: 'manual' },
    );
    expect(plain.status).toBe(400);
  });
});
