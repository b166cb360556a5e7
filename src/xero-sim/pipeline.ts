import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Query, type ApiContext } from './context';
import {
  ApiError,
  badRequest,
  forbidden,
  insufficientScope,
  notFound,
  problem,
  unauthorized,
  xeroError,
  type ApiResult,
} from './errors';
import type { FaultDecision } from './faults';
import type { Client } from './identity-store';
import { admit } from './limits';
import { scopesAllow } from './scopes';
import type { XeroSim } from './sim';
import type { TenantState } from './state';
import { recordCall } from './stats';

/** Per-request state handed from one stage to the next. */
interface CallState {
  tenant: TenantState;
  client: Client;
}

const calls = new WeakMap<Request, CallState>();

export function send(res: Response, result: ApiResult): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  res.status(result.status);
  if (typeof result.body === 'string') res.type('text/plain').send(result.body);
  else res.json(result.body);
}

/** Bearer token + xero-tenant-id, as on api.xero.com: 401 for a bad token, 403 for a tenant it does not grant. */
export function authenticate(sim: XeroSim): RequestHandler {
  return (req, res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const found = match?.[1] ? sim.identity.authenticate(match[1], sim.clock.now()) : 'unknown';
    if (found === 'unknown') return send(res, unauthorized('AuthenticationUnsuccessful'));
    if (found === 'expired') {
      return send(
        res,
        unauthorized(`TokenExpired: token expired at ${new Date().toISOString()}`, 'The token expired'),
      );
    }
    const tenantId = (req.get('xero-tenant-id') ?? '').toLowerCase();
    const tenant = sim.tenants.get(tenantId);
    const client = sim.identity.clients.get(found.clientId);
    if (
      !tenant ||
      !client ||
      !found.tenantIds.includes(tenantId) ||
      !sim.identity.isConnected(found.clientId, tenantId)
    ) {
      return send(res, forbidden());
    }
    if (!scopesAllow(found.scopes, req.method, req.path)) return send(res, insufficientScope());
    calls.set(req, { tenant, client });
    next();
  };
}

function endpointLabel(req: Request): string {
  const path = req.path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}');
  return `${req.method} ${path}`;
}

/** Per-tenant and per-app limits, the X-*Limit-Remaining headers on every answer, and call statistics. */
export function limitCalls(sim: XeroSim): RequestHandler {
  return (req, res, next) => {
    const state = calls.get(req);
    if (!state) return next();
    const { tenant, client } = state;
    const limiter = sim.limiter(tenant);
    const admission = admit(
      tenant,
      limiter,
      sim.appWindow(client.clientId),
      sim.tenantNow(tenant),
      sim.limitConfig,
    );
    for (const [name, value] of Object.entries(admission.headers)) res.setHeader(name, value);
    const endpoint = endpointLabel(req);
    if (!admission.ok) {
      const problemName = admission.problem ?? 'minute';
      tenant.stats.rateLimited[problemName] = (tenant.stats.rateLimited[problemName] ?? 0) + 1;
      recordCall(tenant, endpoint, '429');
      return send(
        res,
        tooManyRequests(problemName, sim.clock.toRealSeconds(admission.retryAfterSimSeconds ?? 1)),
      );
    }
    res.once('close', () => {
      limiter.inFlight--;
      recordCall(tenant, endpoint, res.writableFinished ? String(res.statusCode) : 'dropped');
      if (res.writableFinished) tenant.stats.bytesSent += Number(res.getHeader('content-length') ?? 0);
    });
    next();
  };
}

/** URLs longer than Xero serves are answered 404 before any work (and count against no limit). */
export function limitUrlLength(sim: XeroSim): RequestHandler {
  return (req, res, next) => {
    if (req.originalUrl.length <= sim.options.maxUrlLength) return next();
    const state = calls.get(req);
    if (state) recordCall(state.tenant, endpointLabel(req), '404');
    send(res, notFound());
  };
}

function tooManyRequests(problemName: string, retryAfterSeconds: number): ApiResult {
  const result = problem(429, 'Too Many Requests', `Rate limit exceeded: ${problemName}`);
  result.headers = { 'Retry-After': String(retryAfterSeconds), 'X-Rate-Limit-Problem': problemName };
  return result;
}

function faultResult(decision: FaultDecision, tenant: TenantState): ApiResult | null {
  if (decision.storm) {
    tenant.stats.rateLimited.minute = (tenant.stats.rateLimited.minute ?? 0) + 1;
    return tooManyRequests('minute', decision.storm.retryAfterSeconds);
  }
  if (decision.errorStatus !== undefined) {
    return problem(
      decision.errorStatus,
      'Internal Server Error',
      'An injected fault: the request was not processed.',
    );
  }
  return null;
}

function parseBody(req: Request): { ok: true; body: unknown; raw: string } | { ok: false } {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  if (raw.trim() === '') return { ok: true, body: undefined, raw };
  try {
    return { ok: true, body: JSON.parse(raw) as unknown, raw };
  } catch {
    return { ok: false };
  }
}

const WRITES = new Set(['PUT', 'POST', 'PATCH']);
export type Handler = (ctx: ApiContext) => ApiResult;

function fingerprint(req: Request, raw: string): string {
  return createHash('sha256').update(`${req.method} ${req.originalUrl.toLowerCase()}\n${raw}`).digest('hex');
}

/**
 * Runs one API handler: Idempotency-Key first (so a concurrent repeat waits for the first call, latency included),
 * then injected latency and faults, then the handler, then commit-then-drop.
 */
export function handle(sim: XeroSim, handler: Handler): RequestHandler {
  return async (req: Request, res: Response, _next: NextFunction) => {
    const state = calls.get(req);
    if (!state) return send(res, forbidden());
    const parsed = parseBody(req);
    if (!parsed.ok) return send(res, xeroError(400, 14, 'PostDataInvalidException', 'Invalid Json data'));
    const isWrite = WRITES.has(req.method);
    const decision = sim.faults.decide(state.tenant.tenantId, isWrite);
    const run = async (): Promise<ApiResult | null> => {
      if (decision.latencyMs > 0) await sim.sleep(decision.latencyMs);
      const fault = faultResult(decision, state.tenant);
      if (fault) {
        send(res, fault);
        return null;
      }
      const ctx: ApiContext = {
        sim,
        tenant: state.tenant,
        clientId: state.client.clientId,
        appName: state.client.appName,
        query: new Query(req.query as Record<string, unknown>),
        params: req.params as Record<string, string>,
        body: parsed.body,
        nowMs: sim.tenantNow(state.tenant),
        ifModifiedSince: req.get('If-Modified-Since'),
      };
      return runHandler(handler, ctx);
    };
    const key = req.get('Idempotency-Key');
    const result =
      key !== undefined && isWrite
        ? await idempotent(sim, req, res, state, key, parsed.raw, run)
        : await run();
    if (!result) return;
    if (decision.dropAfterCommit) {
      req.socket.destroy(); // the write is saved, the client never hears about it
      return;
    }
    send(res, result);
  };
}

function runHandler(handler: Handler, ctx: ApiContext): ApiResult {
  try {
    return handler(ctx);
  } catch (error) {
    if (error instanceof ApiError) return error.result;
    throw error;
  }
}

async function idempotent(
  sim: XeroSim,
  req: Request,
  res: Response,
  state: CallState,
  key: string,
  raw: string,
  run: () => Promise<ApiResult | null>,
): Promise<ApiResult | null> {
  if (key.length === 0 || key.length > 128)
    return badRequest('The Idempotency-Key header must be 1 to 128 characters long.');
  const scope = `${state.client.clientId}|${state.tenant.tenantId}|${key}`;
  const print = fingerprint(req, raw);
  for (;;) {
    const outcome = sim.idempotency.begin(scope, print, sim.tenantNow(state.tenant));
    if (outcome.kind === 'conflict') {
      return badRequest('The Idempotency-Key has already been used with a different request.');
    }
    if (outcome.kind === 'replay') {
      const first = await outcome.result;
      if (first) return { ...first, headers: { ...first.headers, 'Idempotent-Replayed': 'true' } };
      if (res.destroyed) return null;
      continue; // the first attempt produced nothing to replay: run this one for real
    }
    try {
      const result = await run();
      outcome.settle(result);
      return result;
    } catch (error) {
      outcome.settle(null);
      throw error;
    }
  }
}
