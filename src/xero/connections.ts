import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import { inTransaction } from '../db/pool';
import type { Logger } from '../logger';
import { ConnectionStore } from './connection-store';
import type { ConnectionSummary, StoredConnection } from './connection-store';
import { authEventIdOf, IdentityError, newPkce, XeroIdentityClient } from './identity';
import type { ClientCredentials, ConsentCheck, XeroTenantConnection } from './identity';
import type { TokenCipher } from './token-crypto';
import { keepConnectionsAlive } from './keep-alive';
import type { KeepAliveReport } from './keep-alive';
import { StoredTokenProvider } from './tokens';

/**
 * Connecting a business to Xero and disconnecting it: the OAuth 2.0 authorization-code flow with PKCE and
 * state, Custom Connections, and disconnect. Used by the HTTP API and the CLI; the worker only needs `tokens`.
 */

/** How long a consent may take between GET /xero/connect and the callback. */
const STATE_TTL_MS = 10 * 60_000;

export type ConnectionErrorCode =
  | 'oauth-not-configured'
  | 'unknown-business'
  | 'invalid-state'
  | 'consent-refused'
  | 'scope-refused'
  | 'connection-limit'
  | 'xero-refused'
  | 'xero-unavailable'
  | 'no-organisation';

/** A connect/disconnect step that failed in a way the caller can act on. Never carries a token. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    readonly code: ConnectionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What a disconnect did in Xero. Locally, every token and secret is forgotten whatever this says. */
export interface DisconnectReport {
  connectionDeleted: boolean;
  /** null: nothing to revoke (a Custom Connection has no refresh token). */
  tokenRevoked: boolean | null;
  /** What could not be undone in Xero, and what the merchant can do about it. */
  notUndone: string[];
}

export interface XeroConnectionsOptions {
  db: Db;
  cipher: TokenCipher;
  identityUrl: string;
  apiUrl: string;
  timeoutMs: number;
  /** The OAuth app; without it only Custom Connections work. */
  app?: ClientCredentials;
  redirectUri: string;
  scopes: string;
  log?: Logger;
  /** The tokens' clock (tests move it days forward, with the simulator's). */
  now?: () => number;
}

export class XeroConnections {
  readonly store: ConnectionStore;
  readonly identity: XeroIdentityClient;
  readonly tokens: StoredTokenProvider;

  constructor(private readonly options: XeroConnectionsOptions) {
    this.store = new ConnectionStore(options.db, options.cipher);
    this.identity = new XeroIdentityClient(options);
    this.tokens = new StoredTokenProvider({
      store: this.store,
      identity: this.identity,
      app: options.app,
      log: options.log,
      now: options.now,
    });
  }

  /** Refreshes the OAuth connections idle for more than `afterDays` days (src/xero/keep-alive.ts). */
  keepAlive(afterDays: number): Promise<KeepAliveReport> {
    return keepConnectionsAlive({ store: this.store, tokens: this.tokens, log: this.options.log }, afterDays);
  }

  static fromConfig(cfg: Config, db: Db, cipher: TokenCipher, log?: Logger): XeroConnections {
    return new XeroConnections({
      db,
      cipher,
      identityUrl: cfg.XERO_IDENTITY_URL,
      apiUrl: cfg.XERO_API_URL,
      timeoutMs: cfg.XERO_REQUEST_TIMEOUT_MS,
      app:
        cfg.XERO_CLIENT_ID && cfg.XERO_CLIENT_SECRET
          ? { clientId: cfg.XERO_CLIENT_ID, clientSecret: cfg.XERO_CLIENT_SECRET }
          : undefined,
      redirectUri: cfg.xeroRedirectUri,
      scopes: cfg.xeroScopes,
      log,
    });
  }

  summary(businessId: string): Promise<ConnectionSummary | null> {
    return this.store.summary(businessId);
  }

  /** Starts a consent: stores a single-use state and the PKCE verifier, and returns Xero's consent URL. */
  async beginOAuth(businessId: string): Promise<string> {
    const app = this.requireApp();
    await this.requireBusiness(businessId);
    const state = randomBytes(32).toString('base64url');
    const pkce = newPkce();
    const url = this.identity.authorizeUrl({
      clientId: app.clientId,
      redirectUri: this.options.redirectUri,
      scope: this.options.scopes,
      state,
      codeChallenge: pkce.challenge,
    });
    // Xero refuses a bad consent on pages of its own, never coming back to us: look first, and say why here.
    this.refuseConsent(await this.identity.checkConsent(url, this.options.redirectUri));
    await this.store.saveOAuthState(state, businessId, pkce.verifier, new Date(Date.now() + STATE_TTL_MS));
    return url;
  }

  private refuseConsent(check: ConsentCheck): void {
    if (check.outcome === 'connection_limit')
      throw new ConnectionError('connection-limit', connectionLimitMessage(check.text));
    if (check.outcome === 'refused') this.refuseOAuthError(check.error, check.description);
  }

  /** An OAuth error from Xero's consent (its error page, or the callback's `error`) as words to act on. */
  private refuseOAuthError(error: string, description: string): never {
    const said = `${error}${description ? `: ${description}` : ''}`;
    if (error === 'invalid_scope' || /scope/i.test(description))
      throw new ConnectionError('scope-refused', scopeRefusedMessage(said, this.options.scopes));
    if (error === 'access_denied')
      throw new ConnectionError(
        'consent-refused',
        `The person at Xero's consent page did not allow access (${said}); start again from /xero/connect.`,
      );
    if (/redirect_uri/i.test(description))
      throw new ConnectionError(
        'xero-refused',
        `Xero refused the redirect URI (${said}): register ${this.options.redirectUri} on the Xero app, or set XERO_REDIRECT_URI to one registered there.`,
      );
    throw new ConnectionError(
      'xero-refused',
      `Xero refused this app's consent (${said}); check XERO_CLIENT_ID and the app at developer.xero.com.`,
    );
  }

  /**
   * The callback: uses up the state, exchanges the code (with the PKCE verifier), asks /connections which
   * organisation was authorised, and stores the token set and that organisation as the business's connection.
   */
  async completeOAuth(params: {
    state: string;
    code?: string;
    error?: string;
    errorDescription?: string;
  }): Promise<{ businessId: string; connection: ConnectionSummary; otherTenants: number }> {
    const app = this.requireApp();
    const consent = await this.store.takeOAuthState(params.state);
    if (!consent)
      throw new ConnectionError(
        'invalid-state',
        'This consent link is unknown, expired or already used; start again from /xero/connect.',
      );
    if (params.error) this.refuseOAuthError(params.error, params.errorDescription ?? '');
    if (!params.code)
      throw new ConnectionError(
        'consent-refused',
        'Xero did not grant access (no code); start again from /xero/connect.',
      );
    const tokens = await this.xero(() =>
      this.identity.exchangeCode(app, {
        code: params.code!,
        redirectUri: this.options.redirectUri,
        codeVerifier: consent.codeVerifier,
      }),
    );
    if (!tokens.refreshToken)
      throw new ConnectionError(
        'xero-refused',
        'Xero granted no refresh token; XERO_SCOPES must include offline_access.',
      );
    const connections = await this.xero(() => this.identity.connections(tokens.accessToken));
    const { chosen, others } = pickTenant(connections, authEventIdOf(tokens.accessToken));
    await inTransaction(this.options.db, (tx) =>
      this.store.put(tx, {
        businessId: consent.businessId,
        kind: 'oauth',
        tenantId: chosen.tenantId,
        tenantName: chosen.tenantName,
        xeroConnectionId: chosen.id,
        accessToken: tokens.accessToken,
        expiresAt: new Date(Date.now() + tokens.expiresIn * 1000),
        refreshToken: tokens.refreshToken,
        client: null,
      }),
    );
    this.options.log?.info('Xero connected (OAuth)', {
      businessId: consent.businessId,
      tenantId: chosen.tenantId,
    });
    return {
      businessId: consent.businessId,
      connection: (await this.store.summary(consent.businessId))!,
      otherTenants: others,
    };
  }

  /**
   * A Custom Connection: checks the credentials by getting a token and reading GET /connections (a Custom
   * Connection has exactly one organisation), then stores them sealed as the business's connection.
   */
  async connectCustom(businessId: string, client: ClientCredentials): Promise<ConnectionSummary> {
    await this.requireBusiness(businessId);
    const tokens = await this.xero(() => this.identity.clientCredentials(client));
    const connections = await this.xero(() => this.identity.connections(tokens.accessToken));
    const { chosen } = pickTenant(connections, undefined);
    await inTransaction(this.options.db, (tx) =>
      this.store.put(tx, {
        businessId,
        kind: 'custom',
        tenantId: chosen.tenantId,
        tenantName: chosen.tenantName,
        xeroConnectionId: chosen.id,
        accessToken: tokens.accessToken,
        expiresAt: new Date(Date.now() + tokens.expiresIn * 1000),
        refreshToken: null,
        client,
      }),
    );
    this.options.log?.info('Xero connected (Custom Connection)', { businessId, tenantId: chosen.tenantId });
    return (await this.store.summary(businessId))!;
  }

  /**
   * Disconnects: removes the connection in Xero (DELETE /connections/{id}), revokes an OAuth refresh token, then
   * forgets every token and secret in one transaction, whatever the connection's kind. Xero being unreachable
   * does not keep the business connected here: what could not be undone in Xero is reported in `notUndone`.
   */
  async disconnect(businessId: string): Promise<{ connection: ConnectionSummary; xero: DisconnectReport }> {
    const c = await this.store.get(this.options.db, businessId);
    if (!c) throw new ConnectionError('unknown-business', `Business ${businessId} has no Xero connection.`);
    const report: DisconnectReport = {
      connectionDeleted: false,
      tokenRevoked: c.kind === 'oauth' ? false : null,
      notUndone: [],
    };
    if (c.status !== 'disconnected') await this.undoInXero(c, report);
    await inTransaction(this.options.db, (tx) =>
      this.store.markDisconnected(tx, businessId, 'disconnected on request'),
    );
    this.options.log?.info('Xero disconnected', { businessId, ...report });
    return { connection: (await this.store.summary(businessId))!, xero: report };
  }

  /** Best effort in Xero; each step that fails is named in the report, never thrown. */
  private async undoInXero(c: StoredConnection, report: DisconnectReport): Promise<void> {
    const businessId = c.businessId;
    const warn = (what: string, err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      this.options.log?.warn(`Xero ${what} failed`, { businessId, error: reason });
      return reason;
    };
    const token = await this.tokens.accessToken(businessId).catch((err: unknown) => {
      warn('token', err);
      return undefined;
    });
    if (!c.xeroConnectionId || !token) {
      report.notUndone.push(
        `The connection could not be removed in Xero (${c.xeroConnectionId ? 'no working token' : 'its id is unknown'}); ` +
          'remove this app under Settings → Connected Apps in the Xero organisation.',
      );
    } else {
      await this.identity.deleteConnection(token, c.xeroConnectionId).then(
        () => void (report.connectionDeleted = true),
        (err: unknown) =>
          report.notUndone.push(
            `Xero did not remove the connection (${warn('disconnect', err)}); remove this app under Settings → Connected Apps in Xero.`,
          ),
      );
    }
    if (c.kind !== 'oauth') return;
    // Read again: the token call above may have rotated the refresh token.
    const latest = await this.store.get(this.options.db, businessId);
    if (!latest?.refreshToken || !this.options.app) {
      report.notUndone.push('The refresh token could not be revoked (no token or no OAuth app configured).');
      return;
    }
    await this.identity.revoke(this.options.app, latest.refreshToken).then(
      () => void (report.tokenRevoked = true),
      (err: unknown) =>
        report.notUndone.push(
          `Xero did not revoke the refresh token (${warn('revocation', err)}); it expires unused within 60 days.`,
        ),
    );
  }

  private requireApp(): ClientCredentials {
    if (!this.options.app)
      throw new ConnectionError(
        'oauth-not-configured',
        'OAuth connect needs XERO_CLIENT_ID and XERO_CLIENT_SECRET (a Xero web app); or use a Custom Connection: npm run cli -- business connect-custom.',
      );
    return this.options.app;
  }

  private async requireBusiness(businessId: string): Promise<void> {
    const { rows } = await this.options.db.query('SELECT 1 FROM businesses WHERE id = $1', [businessId]);
    if (rows.length === 0)
      throw new ConnectionError('unknown-business', `Business ${JSON.stringify(businessId)} was not found.`);
  }

  /** Identity failures as ConnectionErrors the caller can show. */
  private async xero<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof IdentityError)) throw err;
      if (err.kind === 'no_response' || err.kind === 'unavailable')
        throw new ConnectionError(
          'xero-unavailable',
          `Xero could not be reached (${err.message}); try again.`,
        );
      if (err.scopeRefused)
        throw new ConnectionError(
          'scope-refused',
          scopeRefusedMessage(
            `${err.oauthError ?? err.kind}${err.description ? `: ${err.description}` : ''}`,
            this.options.scopes,
          ),
        );
      throw new ConnectionError('xero-refused', `Xero refused: ${err.message}.`);
    }
  }
}

const BROAD_SCOPES = ['accounting.transactions', 'accounting.transactions.read', 'accounting.reports.read'];

/** Why Xero refused the scopes, and which setting to change (docs/connecting-xero.md "Scopes"). */
export function scopeRefusedMessage(said: string, scopes: string): string {
  const broad = scopes.split(/\s+/).filter((s) => BROAD_SCOPES.includes(s));
  const fix = broad.length
    ? `This deployment asks for ${broad.join(', ')}, which a Xero app created since 2 March 2026 may not have: unset XERO_LEGACY_SCOPES and XERO_SCOPES (the default scopes are granular). Keep XERO_LEGACY_SCOPES=true only for an app created before March 2026.`
    : 'Apps created since 2 March 2026 may only use granular scopes: unset XERO_SCOPES (the default is granular), or, for an app created before March 2026 that still uses accounting.transactions, set XERO_LEGACY_SCOPES=true.';
  return `Xero refused the scopes this app asked for (${said}). ${fix}`;
}

/** The app's pricing tier lets it connect no more organisations (Xero's own words, when its page gave them). */
export function connectionLimitMessage(xeroSaid: string): string {
  return (
    `This Xero app has reached its pricing tier's limit of connected organisations${xeroSaid ? ` (Xero: "${xeroSaid}")` : ''}, ` +
    'so Xero lets no organisation connect or reconnect: disconnect one that no longer uses it (in Xero, Settings → Connected Apps) ' +
    'or move the app to a higher tier at developer.xero.com (Starter 5, Core 50, Plus 1,000, Advanced 10,000 organisations).'
  );
}

/**
 * The organisation the user picked. A consent can authorise several: those of this consent carry its
 * authentication event id (from the access token); of those, the most recently updated one is taken.
 */
function pickTenant(
  connections: XeroTenantConnection[],
  authEventId: string | undefined,
): { chosen: XeroTenantConnection; others: number } {
  const organisations = connections.filter((c) => c.tenantType === 'ORGANISATION');
  const ofThisConsent = authEventId
    ? organisations.filter((c) => c.authEventId === authEventId)
    : organisations;
  const candidates = (ofThisConsent.length > 0 ? ofThisConsent : organisations).sort((a, b) =>
    (b.updatedDateUtc ?? '').localeCompare(a.updatedDateUtc ?? ''),
  );
  const chosen = candidates[0];
  if (!chosen)
    throw new ConnectionError('no-organisation', 'Xero lists no organisation for this connection.');
  return { chosen, others: candidates.length - 1 };
}
