/**
 * Where activities get a Xero access token. Tokens are looked up by business inside activities and never
 * travel through workflow inputs, results or histories.
 */
export interface TokenProvider {
  accessToken(businessId: string): Promise<string>;
  /** Drops a cached token after Xero answered 401, so the next call gets a fresh one. */
  invalidate(businessId: string): void;
}

export interface ClientCredentials {
  identityUrl: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Custom Connection (client_credentials) tokens, one app for the whole deployment, cached per process
 * until a minute before expiry. Concurrent callers share one in-flight token request.
 */
export function clientCredentialsTokens(creds: ClientCredentials, now = () => Date.now()): TokenProvider {
  let cached: { token: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    const res = await fetch(`${creds.identityUrl.replace(/\/$/, '')}/connect/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    if (!res.ok) throw new Error(`Xero identity refused the client credentials (HTTP ${res.status})`);
    const body = (await res.json()) as { access_token: string; expires_in: number };
    // Renew a little before expiry: a minute, or a tenth of the lifetime when tokens are short-lived.
    const margin = Math.min(60, body.expires_in / 10);
    cached = { token: body.access_token, expiresAt: now() + (body.expires_in - margin) * 1000 };
    return body.access_token;
  };
  return {
    async accessToken() {
      if (cached && cached.expiresAt > now()) return cached.token;
      inFlight ??= fetchToken().finally(() => (inFlight = undefined));
      return inFlight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
