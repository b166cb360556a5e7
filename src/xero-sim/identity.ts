import { createHash, randomBytes, randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Client, TokenResponse } from './identity-store';
import { send } from './pipeline';
import { unauthorized } from './errors';
import { appScopes, parseScopes, scopeRefusal } from './scopes';
import type { XeroSim } from './sim';

/**
 * identity.xero.com and api.xero.com/connections: authorize (test-mode consent that redirects straight back),
 * the token endpoint for authorization_code, refresh_token and client_credentials, revocation and connections.
 */

function oauthError(res: Response, error: string, status = 400): void {
  res.status(status).json({ error });
}

/** Client authentication: HTTP Basic (what Xero documents) or client_id/client_secret in the form. */
function authenticateClient(sim: XeroSim, req: Request): Client | undefined {
  let id = typeof req.body?.client_id === 'string' ? (req.body.client_id as string) : undefined;
  let secret = typeof req.body?.client_secret === 'string' ? (req.body.client_secret as string) : undefined;
  const basic = /^Basic\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    id = decodeURIComponent(decoded.slice(0, colon));
    secret = decodeURIComponent(decoded.slice(colon + 1));
  }
  const client = id ? sim.identity.clients.get(id) : undefined;
  return client && client.clientSecret === secret ? client : undefined;
}

function tokens(
  sim: XeroSim,
  client: Client,
  grant: { tenantIds: string[]; authEventId: string; scopes: string[] },
  withRefresh: boolean,
): TokenResponse {
  const response = sim.identity.issue({ ...grant, clientId: client.clientId }, withRefresh, sim.clock.now());
  // expires_in is what a client waits on in real time, so it is given in real seconds.
  response.expires_in = sim.clock.toRealSeconds(sim.options.accessTokenSeconds);
  return response;
}

function grant(sim: XeroSim, req: Request, res: Response, client: Client): void {
  const now = sim.clock.now();
  const body = req.body as Record<string, string | undefined>;
  switch (body.grant_type) {
    case 'authorization_code': {
      const code = sim.identity.codes.get(body.code ?? '');
      sim.identity.codes.delete(body.code ?? '');
      if (
        !code ||
        code.clientId !== client.clientId ||
        code.redirectUri !== body.redirect_uri ||
        code.expiresMs < now ||
        !pkceMatches(code.codeChallenge, body.code_verifier)
      ) {
        return oauthError(res, 'invalid_grant');
      }
      const authEventId = randomUUID();
      sim.identity.connect(client.clientId, code.tenantIds, authEventId, now);
      // Only a consent that asked for offline_access gets a refresh token (Xero's scopes page).
      const grant = { tenantIds: code.tenantIds, authEventId, scopes: code.scopes };
      res.json(tokens(sim, client, grant, code.scopes.includes('offline_access')));
      return;
    }
    case 'refresh_token': {
      const outcome = sim.identity.useRefreshToken(body.refresh_token ?? '', client.clientId, now);
      if (!outcome.ok) return oauthError(res, 'invalid_grant');
      res.json(tokens(sim, client, outcome, true));
      return;
    }
    case 'client_credentials':
      return customConnectionGrant(sim, res, client, body.scope);
    default:
      oauthError(res, 'unsupported_grant_type');
  }
}

/**
 * A Custom Connection's token. Without `scope` it carries every scope of the app (what a client should send);
 * a `scope` naming one the app may not have is refused, as Xero answers new Custom Connections asked for
 * accounting.transactions (XeroAPI/xero-mcp-server#209).
 */
function customConnectionGrant(sim: XeroSim, res: Response, client: Client, scope: string | undefined): void {
  const tenantId = client.customConnectionTenantId;
  if (!tenantId) return oauthError(res, 'unauthorized_client');
  if (!sim.identity.isConnected(client.clientId, tenantId)) return oauthError(res, 'invalid_grant');
  const requested = parseScopes(scope);
  if (requested.length > 0 && scopeRefusal(client.appKind, requested))
    return void res
      .status(400)
      .json({ error: 'invalid_scope', error_description: 'Client credentials scope validation failed' });
  const scopes = requested.length > 0 ? requested : appScopes(client.appKind);
  res.json(tokens(sim, client, { tenantIds: [tenantId], authEventId: randomUUID(), scopes }, false));
}

/** A code bought with a PKCE challenge needs the verifier whose SHA-256 it is; one without needs none. */
function pkceMatches(challenge: string | undefined, verifier: string | undefined): boolean {
  if (challenge === undefined) return true;
  if (!verifier) return false;
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

/**
 * Xero's own error page, which the browser stays on: an authorize request it refuses (an unknown scope, a scope
 * the app may not have) is never sent back to the app's redirect_uri. Xero's page reads "Sorry, something went
 * wrong … Error code: 500 … Error: unauthorized_client : Invalid scope for client" (developer.xero.com
 * oauth2/troubleshooting "I see a 500 error screen"; XeroAPI/xero-python-oauth2-app#14). Its HTTP status is a guess.
 */
function consentErrorPage(res: Response, error: string, description: string): void {
  res
    .status(500)
    .type('html')
    .send(
      `<!doctype html><title>Xero</title><h1>Sorry, something went wrong</h1><p>Go back and try again.</p>` +
        `<p>Error code: 500</p><p>Error: ${error} : ${description}</p>`,
    );
}

/**
 * The organisations the (test-mode) user ticks: those in tenant_ids, or every tenant. An app at its tier's cap
 * never gets to the picker; one with free slots may add that many new organisations: ticking more (tenant_ids)
 * is refused, and "every tenant" takes the first that fit, as Xero's picker disables the others. Null: refused.
 */
function pickTenants(sim: XeroSim, client: Client, tenantIdsParam: string | undefined): string[] | null {
  const connected = new Set(sim.identity.connectedTenants(client.clientId));
  const free = client.connectionLimit - connected.size;
  if (free <= 0) return null;
  if (tenantIdsParam) {
    const picked = tenantIdsParam.split(',').map((t) => t.trim().toLowerCase());
    return picked.filter((t) => !connected.has(t)).length > free ? null : picked;
  }
  const all = [...sim.tenants.keys()];
  const added = all.filter((t) => !connected.has(t)).slice(0, free);
  return all.filter((t) => connected.has(t) || added.includes(t));
}

function authorize(sim: XeroSim, req: Request, res: Response): void {
  const q = req.query as Record<string, string | undefined>;
  const client = sim.identity.clients.get(q.client_id ?? '');
  if (!client || q.response_type !== 'code' || !q.redirect_uri) return oauthError(res, 'invalid_request');
  if (q.code_challenge !== undefined && q.code_challenge_method !== 'S256')
    return oauthError(res, 'invalid_request');
  const scopes = parseScopes(q.scope);
  const refused = scopeRefusal(client.appKind, scopes);
  if (refused) return consentErrorPage(res, refused.error, refused.description);
  const tenantIds = pickTenants(sim, client, q.tenant_ids);
  // Xero sends the browser to its own page (authorize.xero.com/connectionLimit), never back to the app.
  if (!tenantIds)
    return res.redirect(302, `/connectionLimit?client_id=${encodeURIComponent(client.clientId)}`);
  const code = randomBytes(16).toString('hex');
  sim.identity.codes.set(code, {
    clientId: client.clientId,
    redirectUri: q.redirect_uri,
    tenantIds,
    scopes,
    expiresMs: sim.clock.now() + 300_000,
    ...(q.code_challenge ? { codeChallenge: q.code_challenge } : {}),
  });
  const target = new URL(q.redirect_uri);
  target.searchParams.set('code', code);
  if (q.state !== undefined) target.searchParams.set('state', q.state);
  target.searchParams.set('scope', scopes.join(' '));
  res.redirect(302, target.toString());
}

/**
 * The page Xero shows when an app has no free connection left (PipedreamHQ/pipedream#12215 quotes it; #21951
 * gives its address, authorize.xero.com/connectionLimit). Shown before the user even signs in.
 */
function connectionLimitPage(sim: XeroSim, req: Request, res: Response): void {
  const client = sim.identity.clients.get(String(req.query.client_id ?? ''));
  const app = client?.appName ?? 'This app';
  res
    .status(200)
    .type('html')
    .send(
      `<!doctype html><title>Xero</title><h1>Connection limit reached</h1>` +
        `<p>Sorry! ${escapeHtml(app)} has reached their Xero connection limit, please let them know so they can ` +
        'connect more Xero organisations.</p>',
    );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function connections(sim: XeroSim, req: Request, res: Response): void {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  const found = match?.[1] ? sim.identity.authenticate(match[1], sim.clock.now()) : 'unknown';
  if (typeof found === 'string')
    return send(res, unauthorized(found === 'expired' ? 'TokenExpired' : 'AuthenticationUnsuccessful'));
  const list = sim.identity.activeConnections(found.clientId, found.tenantIds).map((c) => ({
    id: c.id,
    authEventId: c.authEventId,
    tenantId: c.tenantId,
    tenantType: 'ORGANISATION',
    tenantName: sim.tenants.get(c.tenantId)?.name ?? null,
    createdDateUtc: new Date(c.createdMs).toISOString().replace('Z', ''),
    updatedDateUtc: new Date(c.updatedMs).toISOString().replace('Z', ''),
  }));
  if (req.method === 'DELETE') {
    const target = list.find((c) => c.id === req.params.id);
    if (!target) return void res.status(404).end();
    sim.identity.revokeConnection(target.id);
    return void res.status(204).end();
  }
  res.json(list);
}

/** A response stand-in that swallows the answer (the connection is about to be reset). */
function dropped(res: Response): Response {
  const sink = {
    status: () => sink,
    json: () => sink,
    end: () => sink,
  };
  return Object.assign(Object.create(res) as Response, sink);
}

export function identityRouter(sim: XeroSim): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false });
  router.get('/identity/connect/authorize', (req, res) => authorize(sim, req, res));
  router.get('/connectionLimit', (req, res) => connectionLimitPage(sim, req, res));
  router.post('/connect/token', form, async (req, res) => {
    const grantType = String((req.body as Record<string, unknown> | undefined)?.grant_type ?? '');
    res.once('finish', () => sim.identity.countTokenRequest(grantType, res.statusCode));
    const fault = sim.faults.decideToken();
    if (fault.latencyMs > 0) await sim.sleep(fault.latencyMs);
    if (fault.errorStatus !== undefined) return oauthError(res, 'server_error', fault.errorStatus);
    const client = authenticateClient(sim, req);
    if (!client) return oauthError(res, 'invalid_client');
    if (fault.dropAfterCommit) {
      // The grant is applied (a refresh token rotates), then the client never hears the answer.
      sim.identity.countTokenRequest(grantType, 0);
      grant(sim, req, dropped(res), client);
      req.socket.destroy();
      return;
    }
    grant(sim, req, res, client);
  });
  router.post('/connect/revocation', form, (req, res) => {
    if (!authenticateClient(sim, req)) return oauthError(res, 'invalid_client');
    sim.identity.revokeRefreshToken(String((req.body as Record<string, unknown>).token ?? ''));
    res.status(200).end();
  });
  router.get('/connections', (req, res) => connections(sim, req, res));
  router.delete('/connections/:id', (req, res) => connections(sim, req, res));
  return router;
}
