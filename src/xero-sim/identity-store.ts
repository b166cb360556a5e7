import { randomBytes, randomUUID } from 'node:crypto';
import type { ClientSpec } from './options';
import { TIER_CONNECTION_LIMITS } from './scopes';
import type { AppKind } from './scopes';

export interface Client extends ClientSpec {
  appName: string;
  appKind: AppKind;
  /** Most organisations it may have connected at once (its tier's cap); Infinity: no cap. */
  connectionLimit: number;
}

export interface Connection {
  id: string;
  clientId: string;
  tenantId: string;
  authEventId: string;
  createdMs: number;
  updatedMs: number;
  revoked: boolean;
}

export interface AccessToken {
  token: string;
  clientId: string;
  tenantIds: string[];
  authEventId: string;
  expiresMs: number;
  /** What the consent granted: an Accounting API call outside them is refused. */
  scopes: string[];
}

interface RefreshToken {
  clientId: string;
  tenantIds: string[];
  authEventId: string;
  /** A refresh token lasts 60 days from its issue; every refresh issues a new one (so use keeps it alive). */
  expiresMs: number;
  scopes: string[];
  /** When a newer token replaced this one; it keeps working for the grace period after that (xero-facts.md). */
  supersededMs?: number;
  revoked: boolean;
}

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  tenantIds: string[];
  scopes: string[];
  expiresMs: number;
  /** PKCE (RFC 7636): the S256 challenge sent to authorize, checked against code_verifier at exchange. */
  codeChallenge?: string;
}

export interface TokenLifetimes {
  accessMs: number;
  refreshMs: number;
  graceMs: number;
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  token_type: 'Bearer';
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

export type RefreshOutcome =
  { ok: true; tenantIds: string[]; clientId: string; authEventId: string; scopes: string[] } | { ok: false };

function opaque(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

/** OAuth 2.0 state: clients, connections (client × tenant), access/refresh tokens and authorization codes. */
export class IdentityStore {
  readonly clients = new Map<string, Client>();
  readonly connections = new Map<string, Connection>();
  private readonly connectionIndex = new Map<string, string>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  readonly codes = new Map<string, AuthCode>();
  /** Token endpoint answers by grant type and status (e.g. "refresh_token 200"), and revocations. */
  stats = { tokenRequests: {} as Record<string, number>, revocations: 0 };

  constructor(private readonly lifetimes: TokenLifetimes) {}

  addClient(spec: ClientSpec, nowMs: number): Client {
    const client: Client = {
      ...spec,
      appName: spec.appName ?? spec.clientId,
      appKind: spec.appKind ?? '2026',
      connectionLimit: TIER_CONNECTION_LIMITS[spec.tier ?? 'enterprise'],
    };
    this.clients.set(client.clientId, client);
    if (client.customConnectionTenantId)
      this.connect(client.clientId, [client.customConnectionTenantId], randomUUID(), nowMs);
    return client;
  }

  /** Creates (or re-activates) the connection of a client to each tenant, as consent does. */
  connect(clientId: string, tenantIds: string[], authEventId: string, nowMs: number): void {
    for (const tenantId of tenantIds) {
      const key = `${clientId}|${tenantId}`;
      const existing = this.connections.get(this.connectionIndex.get(key) ?? '');
      if (existing) {
        Object.assign(existing, { revoked: false, updatedMs: nowMs, authEventId });
        continue;
      }
      const id = randomUUID();
      this.connectionIndex.set(key, id);
      this.connections.set(id, {
        id,
        clientId,
        tenantId,
        authEventId,
        createdMs: nowMs,
        updatedMs: nowMs,
        revoked: false,
      });
    }
  }

  isConnected(clientId: string, tenantId: string): boolean {
    const connection = this.connections.get(this.connectionIndex.get(`${clientId}|${tenantId}`) ?? '');
    return !!connection && !connection.revoked;
  }

  /** The organisations the client has connected now (what its tier's cap counts). */
  connectedTenants(clientId: string): string[] {
    return [...this.connections.values()]
      .filter((c) => c.clientId === clientId && !c.revoked)
      .map((c) => c.tenantId);
  }

  activeConnections(clientId: string, tenantIds: string[]): Connection[] {
    return [...this.connections.values()].filter(
      (c) => c.clientId === clientId && tenantIds.includes(c.tenantId) && !c.revoked,
    );
  }

  revokeConnection(id: string): boolean {
    const connection = this.connections.get(id);
    if (!connection) return false;
    connection.revoked = true;
    return true;
  }

  issue(
    grant: { clientId: string; tenantIds: string[]; authEventId: string; scopes: string[] },
    withRefresh: boolean,
    nowMs: number,
  ): TokenResponse {
    const token = opaque('sim_at_');
    const { clientId, tenantIds, authEventId, scopes } = grant;
    this.accessTokens.set(token, {
      token,
      clientId,
      tenantIds,
      authEventId,
      scopes,
      expiresMs: nowMs + this.lifetimes.accessMs,
    });
    const response: TokenResponse = {
      access_token: token,
      expires_in: 0, // filled in by the caller in real seconds
      token_type: 'Bearer',
      scope: scopes.join(' '),
    };
    if (withRefresh) {
      const refresh = opaque('sim_rt_');
      this.refreshTokens.set(refresh, {
        clientId,
        tenantIds,
        authEventId,
        scopes,
        expiresMs: nowMs + this.lifetimes.refreshMs,
        revoked: false,
      });
      response.refresh_token = refresh;
    }
    return response;
  }

  authenticate(token: string, nowMs: number): AccessToken | 'unknown' | 'expired' {
    const found = this.accessTokens.get(token);
    if (!found) return 'unknown';
    if (found.expiresMs <= nowMs) return 'expired';
    return found;
  }

  /** Rotation: the presented token is superseded, still valid for the grace period, then refused. */
  useRefreshToken(token: string, clientId: string, nowMs: number): RefreshOutcome {
    const found = this.refreshTokens.get(token);
    if (!found || found.revoked || found.clientId !== clientId || found.expiresMs <= nowMs)
      return { ok: false };
    if (found.supersededMs !== undefined && nowMs > found.supersededMs + this.lifetimes.graceMs)
      return { ok: false };
    found.supersededMs ??= nowMs;
    return {
      ok: true,
      tenantIds: found.tenantIds,
      clientId: found.clientId,
      authEventId: found.authEventId,
      scopes: found.scopes,
    };
  }

  countTokenRequest(grantType: string, status: number): void {
    const key = `${grantType} ${status}`;
    this.stats.tokenRequests[key] = (this.stats.tokenRequests[key] ?? 0) + 1;
  }

  resetStats(): void {
    this.stats = { tokenRequests: {}, revocations: 0 };
  }

  revokeRefreshToken(token: string): void {
    this.stats.revocations += 1;
    const found = this.refreshTokens.get(token);
    if (!found) return;
    found.revoked = true;
    for (const connection of this.connections.values()) {
      if (connection.authEventId === found.authEventId) connection.revoked = true;
    }
  }

  expireAccessToken(token: string): void {
    const found = this.accessTokens.get(token);
    if (found) found.expiresMs = 0;
  }
}
