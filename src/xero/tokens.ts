import type { PoolClient } from 'pg';
import { inTransaction } from '../db/pool';
import type { Logger } from '../logger';
import type { ConnectionStore, StoredConnection } from './connection-store';
import { XeroApiError } from './errors';
import { IdentityError } from './identity';
import type { ClientCredentials, XeroIdentityClient } from './identity';

/**
 * Where activities get a Xero access token. Tokens are looked up by business inside activities and never
 * travel through workflow inputs, results or histories.
 */
export interface TokenProvider {
  accessToken(businessId: string): Promise<string>;
  /** Drops a cached token after Xero answered 401, so the next call gets a fresh one. */
  invalidate(businessId: string): void;
  /**
   * Xero refused a call (403, or 401 with a fresh token): asks GET /connections whether the organisation is
   * still connected. If it is not, the connection becomes needs_reconnect and this throws
   * ConnectionNeedsReconnect; if it is, this returns and the caller's error stands.
   */
  checkConnection(businessId: string, tenantId: string): Promise<void>;
}

/**
 * The business's Xero connection is revoked, expired or disconnected: a person has to reconnect it (the OAuth
 * flow, or `business connect-custom`). The message says why, never with a token in it.
 */
export class ConnectionNeedsReconnect extends Error {
  override readonly name = 'ConnectionNeedsReconnect';
  constructor(
    readonly businessId: string,
    readonly reason: string,
  ) {
    super(`The Xero connection of business ${businessId} needs to be reconnected: ${reason}`);
  }
}

export interface KeepAliveOutcome {
  /** refreshed: its refresh token was used; skipped: not idle (or not an active OAuth connection). */
  outcome: 'refreshed' | 'skipped' | 'needs_reconnect';
  reason?: string;
}

export interface StoredTokenOptions {
  store: ConnectionStore;
  identity: XeroIdentityClient;
  /** The OAuth app (XERO_CLIENT_ID / XERO_CLIENT_SECRET); refreshes of OAuth connections need it. */
  app?: ClientCredentials;
  log?: Logger;
  now?: () => number;
}

/** Refresh when less than this is left: two minutes, or a fifth of the lifetime for short-lived tokens. */
function refreshMarginMs(c: { expiresAt: Date | null; refreshedAt: Date | null }): number {
  if (!c.expiresAt || !c.refreshedAt) return 120_000;
  return Math.min(120_000, (c.expiresAt.getTime() - c.refreshedAt.getTime()) / 5);
}

/**
 * Tokens from the connection store (PostgreSQL), refreshed shortly before they expire.
 *
 * Exactly one refresh per connection at a time, across every process: the refresh runs inside a transaction
 * holding the connection's row lock (`SELECT … FOR UPDATE`), and looks at the stored token again once it has the
 * lock, so whoever waited uses the token the first one stored. The rotated pair is written in that transaction.
 * When the refresh gets no answer, the transaction rolls back and the previous refresh token stays stored: Xero
 * honours it for 30 minutes after a rotation, so the retry succeeds. A refused grant marks the connection
 * needs_reconnect.
 */
export class StoredTokenProvider implements TokenProvider {
  private readonly cache = new Map<string, { token: string; refreshAtMs: number }>();
  private readonly inFlight = new Map<string, Promise<string>>();
  /** The last token Xero answered 401 to, per business: it must not be handed out again. */
  private readonly rejected = new Map<string, string>();

  constructor(private readonly options: StoredTokenOptions) {}

  async accessToken(businessId: string): Promise<string> {
    const cached = this.cache.get(businessId);
    if (cached && cached.refreshAtMs > this.now()) return cached.token;
    // One load (and at most one refresh) per business per process; other processes are held by the row lock.
    let pending = this.inFlight.get(businessId);
    if (!pending) {
      pending = this.load(businessId).finally(() => this.inFlight.delete(businessId));
      this.inFlight.set(businessId, pending);
    }
    return pending;
  }

  invalidate(businessId: string): void {
    const cached = this.cache.get(businessId);
    if (cached) this.rejected.set(businessId, cached.token);
    this.cache.delete(businessId);
  }

  async checkConnection(businessId: string, tenantId: string): Promise<void> {
    let connected: boolean;
    try {
      const token = await this.accessToken(businessId);
      const list = await this.options.identity.connections(token);
      connected = list.some((c) => c.tenantId.toLowerCase() === tenantId.toLowerCase());
    } catch (err) {
      if (err instanceof ConnectionNeedsReconnect) throw err;
      if (!(err instanceof IdentityError) || !err.needsReconnect) return; // cannot tell: the caller's error stands
      connected = false;
    }
    if (connected) return;
    const reason = 'Xero no longer lists the organisation among the connections (revoked or disconnected)';
    await this.options.store.markNeedsReconnect(this.options.store.db, businessId, reason);
    this.cache.delete(businessId);
    throw new ConnectionNeedsReconnect(businessId, reason);
  }

  private async load(businessId: string): Promise<string> {
    const stored = await this.options.store.get(this.options.store.db, businessId);
    const usable = this.usable(businessId, stored);
    if (usable) return usable;
    return this.refresh(businessId);
  }

  /** The stored access token if it is active, not about to expire and not the one Xero just refused. */
  private usable(businessId: string, c: StoredConnection | null): string | undefined {
    if (!c) throw new ConnectionNeedsReconnect(businessId, 'no Xero connection is stored for this business');
    if (c.status !== 'active')
      throw new ConnectionNeedsReconnect(businessId, c.lastError ?? `the connection is ${c.status}`);
    if (!c.accessToken || !c.expiresAt || c.accessToken === this.rejected.get(businessId)) return undefined;
    const refreshAtMs = c.expiresAt.getTime() - refreshMarginMs(c);
    if (refreshAtMs <= this.now()) return undefined;
    this.cache.set(businessId, { token: c.accessToken, refreshAtMs });
    return c.accessToken;
  }

  private async refresh(businessId: string): Promise<string> {
    const outcome = await this.locked(businessId, async (tx, c) => {
      const usable = this.usable(businessId, c);
      if (usable) return { token: usable };
      return this.renew(tx, c!, reconnectReason);
    });
    if ('reconnect' in outcome) {
      this.cache.delete(businessId);
      throw new ConnectionNeedsReconnect(businessId, outcome.reconnect);
    }
    this.rejected.delete(businessId);
    return outcome.token;
  }

  /**
   * The keep-alive: refreshes an active OAuth connection whose refresh token was last used before `idleBefore`,
   * so that Xero, which expires a refresh token unused for 60 days, never does. Under the same row lock as every
   * refresh, looking again once it has it, so a connection a sync just refreshed is left be. A refused refresh
   * token marks the connection needs_reconnect; no answer from Xero throws (a later run tries again).
   */
  async keepAlive(businessId: string, idleBefore: Date): Promise<KeepAliveOutcome> {
    const outcome = await this.locked(businessId, async (tx, c) => {
      const idle =
        c?.kind === 'oauth' && c.status === 'active' && (!c.refreshedAt || c.refreshedAt < idleBefore);
      if (!idle) return { skipped: true as const };
      return this.renew(tx, c, keepAliveReason);
    });
    if ('reconnect' in outcome) {
      this.cache.delete(businessId);
      return { outcome: 'needs_reconnect', reason: outcome.reconnect };
    }
    if ('skipped' in outcome) return { outcome: 'skipped' };
    this.rejected.delete(businessId);
    return { outcome: 'refreshed' };
  }

  /**
   * Runs `fn` holding the connection's row lock, with the connection as stored once the lock is held. No answer
   * from Xero rolls back (the stored refresh token is the one to retry with) and becomes a transient error.
   */
  private async locked<T>(
    businessId: string,
    fn: (tx: PoolClient, c: StoredConnection | null) => Promise<T>,
  ): Promise<T> {
    const { store } = this.options;
    return inTransaction<T>(store.db, async (tx) => fn(tx, await store.get(tx, businessId, true))).catch(
      (err: unknown) => {
        if (err instanceof IdentityError) {
          // No answer, or Xero unavailable: retry later with the same (still stored) refresh token.
          throw new XeroApiError({
            kind: 'transient',
            status: err.status,
            xeroMessage: `token ${err.operation} failed (${err.status === 0 ? 'no response' : `HTTP ${err.status}`}); will retry`,
            validationErrors: [],
          });
        }
        throw err;
      },
    );
  }

  /** A new token set from Xero, stored with its rotated refresh token; a refused grant marks needs_reconnect. */
  private async renew(
    tx: PoolClient,
    connection: StoredConnection,
    why: (c: StoredConnection, err: IdentityError) => string,
  ): Promise<{ token: string } | { reconnect: string }> {
    const { store } = this.options;
    const { businessId } = connection;
    const startedMs = this.now();
    try {
      const tokens = await this.grant(connection);
      const expiresAt = new Date(startedMs + tokens.expiresIn * 1000);
      const refreshedAt = new Date(startedMs);
      await store.saveTokens(tx, businessId, { ...tokens, expiresAt, refreshedAt });
      this.options.log?.info('Xero token refreshed', { businessId, kind: connection.kind });
      this.cache.set(businessId, {
        token: tokens.accessToken,
        refreshAtMs: expiresAt.getTime() - refreshMarginMs({ expiresAt, refreshedAt }),
      });
      return { token: tokens.accessToken };
    } catch (err) {
      if (!(err instanceof IdentityError) || !err.needsReconnect) throw err;
      const reason = why(connection, err);
      await store.markNeedsReconnect(tx, businessId, reason);
      return { reconnect: reason };
    }
  }

  private grant(c: StoredConnection) {
    const { identity, app } = this.options;
    if (c.kind === 'custom') {
      if (!c.client)
        throw new IdentityError('invalid_client', 0, 'client_credentials', 'no stored credentials');
      return identity.clientCredentials(c.client);
    }
    if (!app)
      throw new IdentityError('invalid_client', 0, 'refresh', 'XERO_CLIENT_ID / XERO_CLIENT_SECRET not set');
    if (!c.refreshToken) throw new IdentityError('invalid_grant', 0, 'refresh', 'no stored refresh token');
    return identity.refresh(app, c.refreshToken);
  }

  /** This provider's clock (tests move it days forward, as the simulator's). */
  now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function keepAliveReason(_c: StoredConnection, err: IdentityError): string {
  return `Xero refused the refresh token when the keep-alive used it (${err.oauthError ?? err.kind}): the connection was revoked or expired; connect again`;
}

function reconnectReason(c: StoredConnection, err: IdentityError): string {
  if (c.kind === 'custom')
    return `Xero refused the Custom Connection's client credentials (${err.oauthError ?? err.kind}); run business connect-custom again`;
  return `Xero refused the refresh token (${err.oauthError ?? err.kind}): the connection was revoked or expired; connect again`;
}
