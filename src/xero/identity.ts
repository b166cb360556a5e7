import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Our own client for Xero's identity service and the /connections endpoint. xero-node hard-codes
 * identity.xero.com and api.xero.com for these (xero-facts.md), so they could not point at the simulator.
 *
 * Errors keep only the status and Xero's OAuth error code (`invalid_grant`, …): never a request, a header or a
 * response body, which could carry a token.
 */

export type IdentityErrorKind =
  /** The refresh token or code is expired, revoked or already used; the organisation must be reconnected. */
  | 'invalid_grant'
  /** The client id/secret are wrong (an app or Custom Connection secret was rotated or deleted). */
  | 'invalid_client'
  /** The client may not use this grant (e.g. client_credentials without a Custom Connection). */
  | 'unauthorized_client'
  /** A scope asked for is unknown, or one the app may not have (apps created since March 2026: granular only). */
  | 'invalid_scope'
  /** Xero refused a bearer token (GET /connections): it is expired or revoked. */
  | 'unauthorized'
  /** Any other 4xx. */
  | 'rejected'
  /** 5xx, 429: Xero could not answer now; try again. */
  | 'unavailable'
  /** No answer at all (network failure or timeout): Xero may or may not have done it. */
  | 'no_response';

export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  constructor(
    readonly kind: IdentityErrorKind,
    readonly status: number,
    readonly operation: string,
    readonly oauthError?: string,
    /** Xero's error_description, kept only when it is short plain text (it never holds a token). */
    readonly description?: string,
  ) {
    super(
      `Xero identity ${operation}: ${status === 0 ? 'no response' : `HTTP ${status}`}${oauthError ? ` ${oauthError}` : ''}${description ? ` (${description})` : ''}`,
    );
  }

  /** Xero refused the scopes asked for (`invalid_scope`, or `unauthorized_client` "Invalid scope for client"). */
  get scopeRefused(): boolean {
    return (
      this.kind === 'invalid_scope' ||
      (this.kind === 'unauthorized_client' && /scope/i.test(this.description ?? ''))
    );
  }

  /** The grant itself is dead: only a new consent (or new Custom Connection credentials) helps. */
  get needsReconnect(): boolean {
    return (
      this.kind === 'invalid_grant' ||
      this.kind === 'invalid_client' ||
      this.kind === 'unauthorized_client' ||
      this.kind === 'invalid_scope' ||
      this.kind === 'unauthorized'
    );
  }
}

export interface TokenSet {
  accessToken: string;
  /** Absent for client_credentials (Custom Connections). */
  refreshToken?: string;
  /** Seconds. */
  expiresIn: number;
  scope?: string;
}

export interface XeroTenantConnection {
  /** The connection's id (DELETE /connections/{id}). */
  id: string;
  tenantId: string;
  tenantName: string | null;
  tenantType: string;
  authEventId: string | null;
  updatedDateUtc: string | null;
}

/**
 * What Xero's consent page would do with an authorize URL, found before the browser is sent there: go on (to
 * sign-in, or straight back with a code), refuse it on Xero's own error page ("Error: unauthorized_client :
 * Invalid scope for client"; the browser never comes back), or stop at the app's connection limit.
 */
export type ConsentCheck =
  | { outcome: 'ok' }
  | { outcome: 'refused'; error: string; description: string }
  | { outcome: 'connection_limit'; text: string };

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

const TokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive(),
  scope: z.string().optional(),
});

const ConnectionsResponse = z.array(
  z.object({
    id: z.string(),
    tenantId: z.string(),
    tenantName: z.string().nullish(),
    tenantType: z.string().default('ORGANISATION'),
    authEventId: z.string().nullish(),
    updatedDateUtc: z.string().nullish(),
  }),
);

export interface Pkce {
  verifier: string;
  challenge: string;
}

/** RFC 7636 S256: a 43-character verifier from 32 random bytes, and its SHA-256 challenge. */
export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * The `authentication_event_id` claim of a Xero access token (a JWT), which names the consent that produced it;
 * GET /connections tags each connection with it. Undefined for opaque tokens (the simulator's).
 */
export function authEventIdOf(accessToken: string): string | undefined {
  const payload = accessToken.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const id = (claims as Record<string, unknown>).authentication_event_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

export interface IdentityClientOptions {
  /** XERO_IDENTITY_URL: token and revocation endpoints live under it. */
  identityUrl: string;
  /** XERO_API_URL: /connections lives at its origin. */
  apiUrl: string;
  timeoutMs: number;
}

export class XeroIdentityClient {
  private readonly identityUrl: string;

  constructor(private readonly options: IdentityClientOptions) {
    this.identityUrl = options.identityUrl.replace(/\/$/, '');
  }

  /**
   * The consent page. Xero serves it from login.xero.com (its discovery document's authorization_endpoint); any
   * other identity URL (the simulator) serves it under its own /identity/connect/authorize.
   */
  authorizeUrl(params: {
    clientId: string;
    redirectUri: string;
    scope: string;
    state: string;
    codeChallenge: string;
  }): string {
    const base =
      new URL(this.identityUrl).hostname === 'identity.xero.com'
        ? 'https://login.xero.com/identity/connect/authorize'
        : `${this.identityUrl}/identity/connect/authorize`;
    const url = new URL(base);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: params.clientId,
      redirect_uri: params.redirectUri,
      scope: params.scope,
      state: params.state,
      code_challenge: params.codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  /**
   * Looks at the consent page as a browser without a session would (redirects followed within Xero), before
   * the user is sent there. Xero shows a refused authorize request (a scope the app may not have, a wrong
   * redirect URI) and an app at its connection limit on pages of its own, never redirecting back, so this is
   * the only way the product can say why. Best effort: anything it cannot read counts as "ok" and Xero's own
   * page then speaks to the user.
   */
  async checkConsent(authorizeUrl: string, redirectUri: string): Promise<ConsentCheck> {
    let url = new URL(authorizeUrl);
    try {
      for (let hop = 0; hop < 4; hop += 1) {
        const res = await fetch(url, {
          redirect: 'manual',
          headers: { accept: 'text/html' },
          signal: AbortSignal.timeout(Math.min(this.options.timeoutMs, CONSENT_CHECK_TIMEOUT_MS)),
        });
        const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
        if (!location) return consentPage(await boundedText(res));
        await res.body?.cancel();
        const next = new URL(location, url);
        if (`${next.origin}${next.pathname}` === redirectUri.replace(/\?.*$/, '')) return redirected(next);
        const withinXero =
          next.origin === new URL(authorizeUrl).origin || next.hostname.endsWith('.xero.com');
        // Xero's limit page (authorize.xero.com/connectionLimit) names the app: read it for its words.
        if (/connectionlimit/i.test(next.pathname))
          return withinXero ? limitPage(next) : { outcome: 'connection_limit', text: '' };
        if (!withinXero) return { outcome: 'ok' };
        url = next;
      }
    } catch {
      // Unreachable or slow: let the browser go; Xero's page will say what is wrong, if anything.
    }
    return { outcome: 'ok' };
  }

  exchangeCode(
    app: ClientCredentials,
    params: { code: string; redirectUri: string; codeVerifier: string },
  ): Promise<TokenSet> {
    return this.token('code exchange', app, {
      grant_type: 'authorization_code',
      code: params.code,
      redirect_uri: params.redirectUri,
      code_verifier: params.codeVerifier,
    });
  }

  refresh(app: ClientCredentials, refreshToken: string): Promise<TokenSet> {
    return this.token('refresh', app, { grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  clientCredentials(client: ClientCredentials): Promise<TokenSet> {
    return this.token('client_credentials', client, { grant_type: 'client_credentials' });
  }

  /** Revokes a refresh token, which also removes the connections made by its consent. */
  async revoke(app: ClientCredentials, refreshToken: string): Promise<void> {
    const res = await this.send('revocation', `${this.identityUrl}/connect/revocation`, {
      method: 'POST',
      headers: formHeaders(app),
      body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }).toString(),
    });
    if (!res.ok) throw await failure('revocation', res);
  }

  async connections(accessToken: string): Promise<XeroTenantConnection[]> {
    const res = await this.send('connections', this.connectionsUrl(), {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    });
    if (!res.ok) throw await failure('connections', res);
    const parsed = ConnectionsResponse.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new IdentityError('rejected', res.status, 'connections', 'malformed response');
    return parsed.data.map((c) => ({
      id: c.id,
      tenantId: c.tenantId,
      tenantName: c.tenantName ?? null,
      tenantType: c.tenantType,
      authEventId: c.authEventId ?? null,
      updatedDateUtc: c.updatedDateUtc ?? null,
    }));
  }

  async deleteConnection(accessToken: string, connectionId: string): Promise<void> {
    const res = await this.send(
      'disconnect',
      `${this.connectionsUrl()}/${encodeURIComponent(connectionId)}`,
      { method: 'DELETE', headers: { authorization: `Bearer ${accessToken}` } },
    );
    if (!res.ok && res.status !== 404) throw await failure('disconnect', res);
  }

  private connectionsUrl(): string {
    return new URL('/connections', this.options.apiUrl).toString();
  }

  private async token(
    operation: string,
    client: ClientCredentials,
    form: Record<string, string>,
  ): Promise<TokenSet> {
    const res = await this.send(operation, `${this.identityUrl}/connect/token`, {
      method: 'POST',
      headers: formHeaders(client),
      body: new URLSearchParams(form).toString(),
    });
    if (!res.ok) throw await failure(operation, res);
    const parsed = TokenResponse.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new IdentityError('unavailable', res.status, operation, 'malformed response');
    const body = parsed.data;
    return {
      accessToken: body.access_token,
      ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}),
      expiresIn: body.expires_in,
      ...(body.scope ? { scope: body.scope } : {}),
    };
  }

  private async send(operation: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, {
        ...init,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch {
      // Network failure or timeout: the request may have been applied (a refresh may have rotated the token).
      throw new IdentityError('no_response', 0, operation);
    }
  }
}

const CONSENT_CHECK_TIMEOUT_MS = 10_000;

/** At most 64 KB of a page: enough for Xero's error text, never a whole download. */
async function boundedText(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= 65_536) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Plain text of a page's fragment: tags and entities out, printable only, at most 200 characters. */
function plainText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/&[a-z]+;/gi, ' ')
    .replace(/[^\x20-\x7e\u00a0-\u024f\u2018-\u201d]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** Xero's error page ("Error: unauthorized_client : Invalid scope for client") or its connection-limit page. */
function consentPage(html: string): ConsentCheck {
  const text = html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
  const limit = /(?:Sorry! )?[^.!]*has reached (?:their|its) Xero connection limit[^.]*\.?/i.exec(text);
  if (limit) return { outcome: 'connection_limit', text: plainText(limit[0]) };
  const error = /Error:\s*([a-z_]{3,64})\s*:\s*([^<\n]{1,200})/.exec(html);
  if (error) return { outcome: 'refused', error: error[1]!, description: plainText(error[2]!) };
  return { outcome: 'ok' };
}

async function limitPage(url: URL): Promise<ConsentCheck> {
  const found = await fetch(url, { signal: AbortSignal.timeout(CONSENT_CHECK_TIMEOUT_MS) })
    .then(async (res) => consentPage(await boundedText(res)))
    .catch(() => undefined);
  return found?.outcome === 'connection_limit' ? found : { outcome: 'connection_limit', text: '' };
}

/** Back at our redirect URI: with a code (fine), or with an OAuth error as RFC 6749 §4.1.2.1 has it. */
function redirected(url: URL): ConsentCheck {
  const error = url.searchParams.get('error');
  if (!error) return { outcome: 'ok' };
  return {
    outcome: 'refused',
    error: plainText(error),
    description: plainText(url.searchParams.get('error_description') ?? ''),
  };
}

function formHeaders(client: ClientCredentials): Record<string, string> {
  const basic = Buffer.from(
    `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`,
  ).toString('base64');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    authorization: `Basic ${basic}`,
  };
}

async function failure(operation: string, res: Response): Promise<IdentityError> {
  const body: unknown = await res.json().catch(() => undefined);
  const raw = (body as Record<string, unknown> | undefined)?.error;
  // Only a well-formed OAuth error code (RFC 6749 §5.2) and a short plain-text description are kept.
  const code = typeof raw === 'string' && /^[a-z_]{1,64}$/.test(raw) ? raw : undefined;
  const rawDescription = (body as Record<string, unknown> | undefined)?.error_description;
  const description =
    typeof rawDescription === 'string' && /^[A-Za-z0-9 .,:;'()_-]{1,200}$/.test(rawDescription)
      ? rawDescription
      : undefined;
  if (res.status === 429 || res.status >= 500)
    return new IdentityError('unavailable', res.status, operation, code);
  if (
    code === 'invalid_grant' ||
    code === 'invalid_client' ||
    code === 'unauthorized_client' ||
    code === 'invalid_scope'
  )
    return new IdentityError(code, res.status, operation, code, description);
  if (res.status === 401 || res.status === 403)
    return new IdentityError(
      operation === 'connections' || operation === 'disconnect' ? 'unauthorized' : 'invalid_client',
      res.status,
      operation,
      code,
    );
  return new IdentityError('rejected', res.status, operation, code);
}
