import { randomBytes } from 'node:crypto';
import { unconnectedBusiness } from '../support/businesses';
import { getBusiness } from '../../src/businesses/store';
import { ConnectionStore } from '../../src/xero/connection-store';
import { XeroApiError } from '../../src/xero/errors';
import { XeroIdentityClient } from '../../src/xero/identity';
import { TokenCipher } from '../../src/xero/token-crypto';
import { ConnectionNeedsReconnect, StoredTokenProvider } from '../../src/xero/tokens';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import {
  connectThroughOAuth,
  identityStats,
  rawConnectionRow,
  startConnect,
  storedConnection,
  testCipher,
  WEB_APP,
  WEB_APP_ENV,
} from '../support/xero-connect';
import { checkedFetch } from '../support/api';

/**
 * The OAuth 2.0 connection against the simulator's identity endpoints: connect, callback, refresh, rotation,
 * grace after a lost refresh response, revocation, disconnect, and encryption at rest.
 */
describe('Xero connections (OAuth 2.0 against the simulated identity service)', () => {
  let system: TestSystem;
  let tenantId: string;
  const businessId = 'biz_oauth';
  const identity = () =>
    new XeroIdentityClient({
      identityUrl: system.xero.identityUrl,
      apiUrl: system.xero.apiUrl,
      timeoutMs: 5000,
    });
  /** A token provider as a freshly started worker process has (nothing cached). */
  const provider = () =>
    new StoredTokenProvider({
      store: new ConnectionStore(system.database.db, testCipher()),
      identity: identity(),
      app: WEB_APP,
    });
  /** Puts the stored access token two minutes' margin from expiry, as if issued 29.5 minutes ago. */
  const ageToken = () =>
    system.database.db.query(
      `UPDATE xero_connections SET expires_at = now() + interval '30 seconds',
         refreshed_at = now() - interval '29 minutes 30 seconds' WHERE business_id = $1`,
      [businessId],
    );

  beforeAll(async () => {
    system = await startTestSystem('xero-connections', { env: WEB_APP_ENV, worker: false });
    system.xero.sim.createClient({ ...WEB_APP, appName: 'Manual Sync' });
    tenantId = system.xero.sim.createTenant({ name: 'OAuth Coffee Ltd' }).tenantId;
    await unconnectedBusiness(system.database.db, businessId, { name: 'OAuth Coffee' });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('connect: 302 to the consent page with PKCE (S256) and a state, kept only as a hash with the verifier sealed', async () => {
    const res = await startConnect(system, businessId);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(
      `${system.xero.identityUrl}/identity/connect/authorize`,
    );
    const q = Object.fromEntries(location.searchParams);
    expect(q).toMatchObject({
      response_type: 'code',
      client_id: WEB_APP.clientId,
      redirect_uri: system.cfg.xeroRedirectUri,
      code_challenge_method: 'S256',
    });
    expect(q.scope?.split(' ')).toEqual(
      expect.arrayContaining(['offline_access', 'accounting.invoices', 'accounting.payments']),
    );
    expect(q.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { rows } = await system.database.db.query<{ state_hash: string; code_verifier_enc: string }>(
      'SELECT state_hash, code_verifier_enc FROM xero_oauth_states WHERE business_id = $1',
      [businessId],
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.state_hash)).not.toContain(q.state);
    expect(rows.every((r) => r.code_verifier_enc.startsWith('v1.'))).toBe(true);
  });

  it('connect refuses a business that is not the API key’s (404) and a request without a key (401)', async () => {
    await unconnectedBusiness(system.database.db, 'biz_other', {
      name: 'Other',
      timeZone: 'UTC',
      settings: {},
    });
    const foreign = await checkedFetch(`${system.apiUrl}/xero/connect?business=biz_other`, {
      headers: { authorization: `Bearer ${await system.keyFor(businessId)}` },
      redirect: 'manual',
    });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toContain('application/problem+json');
    const anonymous = await checkedFetch(`${system.apiUrl}/xero/connect?business=${businessId}`, {
      redirect: 'manual',
    });
    expect(anonymous.status).toBe(401);
  });

  it('callback: stores the encrypted token set and the organisation the user picked; a replayed or unknown state is refused', async () => {
    const connected = await connectThroughOAuth(system, businessId, tenantId);
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({
      businessId,
      kind: 'oauth',
      tenantId,
      tenantName: 'OAuth Coffee Ltd',
      status: 'active',
    });
    expect((await getBusiness(system.database.db, businessId))?.xeroTenantId).toBe(tenantId);

    // The stored pair is the one Xero issued: it reads the organisation's connections.
    const stored = await storedConnection(system.database.db, businessId);
    expect(stored.refreshToken).toBeTruthy();
    const listed = await identity().connections(stored.accessToken!);
    expect(listed.map((c) => c.tenantId)).toContain(tenantId);

    // At rest, nothing readable: no token appears in the raw row.
    const raw = JSON.stringify(await rawConnectionRow(system.database.db, businessId));
    expect(raw).not.toContain(stored.accessToken!);
    expect(raw).not.toContain(stored.refreshToken!);
    expect(raw).toContain('"access_token_enc":"v1.');

    const replayed = await checkedFetch(connected.callbackUrl, { headers: { accept: 'application/json' } });
    expect(replayed.status).toBe(400);
    expect(replayed.headers.get('content-type')).toContain('application/problem+json');
    expect(await replayed.json()).toMatchObject({ title: 'Invalid state' });
    const unknown = await checkedFetch(
      `${system.apiUrl}/xero/callback?code=abc&state=${randomBytes(32).toString('base64url')}`,
    );
    expect(unknown.status).toBe(400);
  });

  it('refresh before expiry: a token close to expiring is refreshed once and the rotated pair is stored', async () => {
    const before = await storedConnection(system.database.db, businessId);
    await ageToken();
    const refreshesBefore = (await identityStats(system)).tokenRequests['refresh_token 200'] ?? 0;
    const tokens = provider();
    const [a, b] = await Promise.all([tokens.accessToken(businessId), tokens.accessToken(businessId)]);
    expect(a).toBe(b);
    expect(a).not.toBe(before.accessToken);
    expect(await tokens.accessToken(businessId)).toBe(a);
    expect((await identityStats(system)).tokenRequests['refresh_token 200']).toBe(refreshesBefore + 1);
    const after = await storedConnection(system.database.db, businessId);
    expect(after.accessToken).toBe(a);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
  });

  it('rotation: the previous refresh token still works within the 30-minute grace, then not; the stored one does', async () => {
    const previous = (await storedConnection(system.database.db, businessId)).refreshToken!;
    await ageToken();
    await provider().accessToken(businessId);
    const rotated = (await storedConnection(system.database.db, businessId)).refreshToken!;
    expect(rotated).not.toBe(previous);
    // Within the grace, the superseded token is still honoured (Xero's rule)…
    await expect(identity().refresh(WEB_APP, previous)).resolves.toMatchObject({
      refreshToken: expect.any(String),
    });
    system.xero.sim.advanceClock(31 * 60);
    // …after it, refused; the stored (rotated) token is the one that works.
    await expect(identity().refresh(WEB_APP, previous)).rejects.toMatchObject({ kind: 'invalid_grant' });
    await ageToken();
    await provider().accessToken(businessId);
    expect((await storedConnection(system.database.db, businessId)).status).toBe('active');
  });

  it('grace: a refresh whose answer is lost keeps the stored refresh token, and the retry with it succeeds', async () => {
    const before = await storedConnection(system.database.db, businessId);
    await ageToken();
    const stats = await identityStats(system);
    system.xero.sim.setFaults([{ tokenEndpoint: true, dropAfterCommitRate: 1 }]);
    const tokens = provider();
    const lost = await tokens.accessToken(businessId).catch((err: unknown) => err);
    system.xero.sim.setFaults([]);
    expect(lost).toBeInstanceOf(XeroApiError);
    expect(lost).toMatchObject({ kind: 'transient' });
    // Xero rotated (the answer was dropped after it); we still hold the previous token.
    expect((await identityStats(system)).tokenRequests['refresh_token 0']).toBe(
      (stats.tokenRequests['refresh_token 0'] ?? 0) + 1,
    );
    const kept = await storedConnection(system.database.db, businessId);
    expect(kept.refreshToken).toBe(before.refreshToken);
    expect(kept.status).toBe('active');

    system.xero.sim.advanceClock(10 * 60); // the retry comes later, still within the grace
    const token = await tokens.accessToken(businessId);
    const after = await storedConnection(system.database.db, businessId);
    expect(after.accessToken).toBe(token);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.status).toBe('active');
  });

  it('revocation: a revoked refresh token turns the connection needs_reconnect, with a typed error and no token in it', async () => {
    const before = await storedConnection(system.database.db, businessId);
    await identity().revoke(WEB_APP, before.refreshToken!);
    await ageToken();
    const err = await provider()
      .accessToken(businessId)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionNeedsReconnect);
    expect((err as Error).message).toMatch(/invalid_grant/);
    expect((err as Error).message).not.toContain(before.refreshToken!);
    const after = await storedConnection(system.database.db, businessId);
    expect(after).toMatchObject({
      status: 'needs_reconnect',
      lastError: expect.stringContaining('invalid_grant'),
    });
    // No more calls to Xero for a connection that needs a person.
    const stats = await identityStats(system);
    await expect(provider().accessToken(businessId)).rejects.toBeInstanceOf(ConnectionNeedsReconnect);
    expect(await identityStats(system)).toEqual(stats);
  });

  it('reconnecting through the callback makes the connection active again; disconnect removes it in Xero and forgets every token', async () => {
    const again = await connectThroughOAuth(system, businessId, tenantId);
    expect(again.body).toMatchObject({ status: 'active', tenantId });
    const { revocations } = await identityStats(system);
    const res = await checkedFetch(`${system.apiUrl}/xero/disconnect?business=${businessId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await system.keyFor(businessId)}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      businessId,
      status: 'disconnected',
      xero: { connectionDeleted: true, tokenRevoked: true },
    });
    expect((await identityStats(system)).revocations).toBe(revocations + 1);
    expect(system.xero.sim.identity.isConnected(WEB_APP.clientId, tenantId)).toBe(false);
    const raw = await rawConnectionRow(system.database.db, businessId);
    expect(raw).toMatchObject({
      status: 'disconnected',
      access_token_enc: null,
      refresh_token_enc: null,
      client_secret_enc: null,
    });
    expect((await getBusiness(system.database.db, businessId))?.xeroTenantId).toBeNull();
    await expect(provider().accessToken(businessId)).rejects.toBeInstanceOf(ConnectionNeedsReconnect);
  });

  it('key rotation: tokens reencrypt seals every stored value with the new key; the old key is then not needed', async () => {
    const oldKey = testCipher();
    const newKeyBytes = randomBytes(32);
    const store = new ConnectionStore(system.database.db, oldKey);
    await unconnectedBusiness(system.database.db, 'biz_rotate', {
      name: 'Rotate',
      timeZone: 'UTC',
      settings: {},
    });
    const client = await system.database.db.connect();
    try {
      await store.put(client, {
        businessId: 'biz_rotate',
        kind: 'custom',
        tenantId,
        tenantName: null,
        xeroConnectionId: null,
        accessToken: 'plain-access-token',
        expiresAt: new Date(Date.now() + 60_000),
        client: { clientId: 'cid', clientSecret: 'csecret' },
      });
    } finally {
      client.release();
    }
    const rotating = new TokenCipher(newKeyBytes, [Buffer.from(system.cfg.TOKEN_ENCRYPTION_KEY!, 'base64')]);
    const done = await new ConnectionStore(system.database.db, rotating).reencryptAll();
    expect(done.connections).toBeGreaterThanOrEqual(1);
    const onlyNew = new ConnectionStore(system.database.db, new TokenCipher(newKeyBytes));
    expect(await onlyNew.get(system.database.db, 'biz_rotate')).toMatchObject({
      accessToken: 'plain-access-token',
      client: { clientId: 'cid', clientSecret: 'csecret' },
    });
    // A second run has nothing left to do.
    expect((await new ConnectionStore(system.database.db, rotating).reencryptAll()).connections).toBe(0);
  });
});
