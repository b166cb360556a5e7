import { randomBytes, randomUUID } from 'node:crypto';
import type { ClientSpec } from './options';

export interface Client extends ClientSpec {
  appName: string;
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
}

interface RefreshToken {
  clientId: string;
  tenantIds: string[];
  authEventId: string;
  expiresMs: number;
  /** When a newer token replaced this one; it keeps working for the grace period after that (xero-facts.md). */
  supersededMs?: number;
  revoked: boolean;
}

export interface AuthCode {
  clientId: string;
  redirectUri: string;
  tenantIds: string[];
  scope: string;
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
  { ok: true; tenantIds: string[]; clientId: string; authEventId: string } | { ok: false };

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
    const client: Client = { ...spec, appName: spec.appName ?? spec.clientId };
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
    clientId: string,
    tenantIds: string[],
    authEventId: string,
    withRefresh: boolean,
    nowMs: number,
  ): TokenResponse {
    const token = opaque('sim_at_');
    this.accessTokens.set(token, {
      token,
      clientId,
      tenantIds,
      authEventId,
      expiresMs: nowMs + this.lifetimes.accessMs,
    });
    const response: TokenResponse = {
      access_token: token,
      expires_in: 0, // filled in by the caller in real seconds
      token_type: 'Bearer',
      scope:
        'openid profile email accounting.transactions accounting.contacts accounting.settings offline_access',
    };
    if (withRefresh) {
      const refresh = opaque('sim_rt_');
      this.refreshTokens.set(refresh, {
        clientId,
        tenantIds,
        authEventId,
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
    return { ok: true, tenantIds: found.tenantIds, clientId: found.clientId, authEventId: found.authEventId };
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
