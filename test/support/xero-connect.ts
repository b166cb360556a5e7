import { decodeKey } from '../../src/config';
import type { Db } from '../../src/db/pool';
import { ConnectionStore } from '../../src/xero/connection-store';
import type { StoredConnection } from '../../src/xero/connection-store';
import { TokenCipher } from '../../src/xero/token-crypto';
import { TEST_TOKEN_ENCRYPTION_KEY } from './harness';
import type { TestSystem } from './system';
import { checkedFetch } from './api';

/** The OAuth app the connection tests configure (XERO_CLIENT_ID / XERO_CLIENT_SECRET) and create in the simulator. */
export const WEB_APP = { clientId: 'web-app', clientSecret: 'web-secret' };
export const WEB_APP_ENV = { XERO_CLIENT_ID: WEB_APP.clientId, XERO_CLIENT_SECRET: WEB_APP.clientSecret };

export function testCipher(): TokenCipher {
  return new TokenCipher(decodeKey(TEST_TOKEN_ENCRYPTION_KEY)!);
}

/** The business's connection as stored, opened with the test key. */
export async function storedConnection(db: Db, businessId: string): Promise<StoredConnection> {
  const found = await new ConnectionStore(db, testCipher()).get(db, businessId);
  if (!found) throw new Error(`no connection stored for ${businessId}`);
  return found;
}

/** The raw row, as PostgreSQL holds it. */
export async function rawConnectionRow(db: Db, businessId: string): Promise<Record<string, unknown>> {
  const { rows } = await db.query<Record<string, unknown>>(
    'SELECT * FROM xero_connections WHERE business_id = $1',
    [businessId],
  );
  return rows[0]!;
}

export interface IdentityStats {
  tokenRequests: Record<string, number>;
  revocations: number;
}

export async function identityStats(system: TestSystem): Promise<IdentityStats> {
  const res = await fetch(`${system.xero.baseUrl}/__sim/stats`);
  return ((await res.json()) as { identity: IdentityStats }).identity;
}

/** GET /xero/connect with the business's API key; the answer's Location is the consent page. */
export async function startConnect(system: TestSystem, businessId: string): Promise<Response> {
  return checkedFetch(`${system.apiUrl}/xero/connect?business=${encodeURIComponent(businessId)}`, {
    headers: { authorization: `Bearer ${await system.keyFor(businessId)}` },
    redirect: 'manual',
  });
}

/**
 * The whole consent as a browser would do it: our /xero/connect, the (simulated) Xero consent page where the
 * user picks `tenantId`, then Xero's redirect to our callback. Returns the callback's URL and answer.
 */
export async function connectThroughOAuth(
  system: TestSystem,
  businessId: string,
  tenantId: string,
): Promise<{ callbackUrl: string; status: number; body: Record<string, unknown> }> {
  const connect = await startConnect(system, businessId);
  if (connect.status !== 302)
    throw new Error(`/xero/connect answered ${connect.status}: ${await connect.text()}`);
  // The simulator's consent is test-mode: tenant_ids says which organisations the user ticked.
  const consent = await fetch(`${connect.headers.get('location')}&tenant_ids=${tenantId}`, {
    redirect: 'manual',
  });
  const back = new URL(consent.headers.get('location') ?? '');
  // Xero redirects to XERO_REDIRECT_URI; the test API listens elsewhere, so the same query goes to it.
  const callbackUrl = `${system.apiUrl}/xero/callback${back.search}`;
  const res = await checkedFetch(callbackUrl, { headers: { accept: 'application/json' } });
  return { callbackUrl, status: res.status, body: (await res.json()) as Record<string, unknown> };
}
