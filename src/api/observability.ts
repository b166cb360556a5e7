import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../db/pool';
import type { Level, Logger } from '../logger';
import { pinoOf } from '../logger';
import { metrics, METRICS_CONTENT_TYPE, metricsText, setRequestGauges } from '../observability/metrics';
import { requestGauges } from '../requests/progress';
import { mount } from './operation';
import type { Operation } from './operation';

/**
 * The API's request ids, request logs and Prometheus metrics (src/observability/metrics.ts).
 * Every request gets an id (the caller's X-Request-Id when it sends a sane one, else a new UUID), returned as
 * X-Request-Id and carried by its log line, so a platform's report and our log meet.
 */
const GIVEN_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIds(): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && GIVEN_ID.test(given) ? given : randomUUID();
    (req as Request & { id: string }).id = id;
    res.set('X-Request-Id', id);
    next();
  };
}

// Query parameters that are credentials of a flow (the OAuth callback's code and state): never logged.
const SECRET_PARAMS = ['code', 'state', 'token', 'access_token', 'refresh_token', 'client_secret'];

function loggedUrl(url: string): string {
  const parsed = new URL(url, 'http://api.invalid');
  for (const name of SECRET_PARAMS)
    if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '[redacted]');
  return `${parsed.pathname}${parsed.search}`;
}

// Probes and scrapes would drown the log.
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

// GETs that change something (Xero's redirect after consent stores the connection): logged like a write.
const WRITING_READS = new Set(['/xero/callback']);

/**
 * The level of a request's line. A read answered 2xx is `debug`: a platform polling a request's progress is 200
 * reads a second for 50 clients, each line saying what `http_requests_total` and `http_request_duration_seconds`
 * already count. Writes, redirects and refusals (4xx) are `info`; a 503 is a dependency that is down (already a
 * warning of its own); any other 5xx is a bug, logged with its stack and errorId by the error middleware: this line
 * only says which request it was.
 */
export function requestLogLevel(method: string, path: string, status: number, failed: boolean): Level {
  if (status === 503) return 'warn';
  if (failed || status >= 500) return 'error';
  const read = (method === 'GET' || method === 'HEAD') && !WRITING_READS.has(path);
  return read && status < 300 ? 'debug' : 'info';
}

/**
 * One log line per request, when it is answered (or its connection closes first): method, URL (credentials
 * redacted), status, time, business, at `requestLogLevel`. Nothing is built for a line the logger's level leaves
 * out: no child logger per request, so a read below the level costs two listeners and a comparison.
 */
export function requestLogging(log: Logger): RequestHandler {
  const logger = pinoOf(log);
  if (!logger) return (_req, _res, next) => next(); // a test double: nothing to log through
  return (req, res, next) => {
    const path = req.path;
    if (QUIET.has(path)) return next();
    const started = Date.now();
    const done = (err?: unknown) => {
      res.off('finish', done).off('close', done).off('error', done);
      const level = requestLogLevel(req.method, path, res.statusCode, err instanceof Error);
      if (!logger.isLevelEnabled(level)) return;
      const url = loggedUrl(req.originalUrl);
      const businessId = res.locals.businessId as unknown;
      logger[level](
        {
          reqId: (req as Request & { id?: string }).id,
          req: { id: (req as Request & { id?: string }).id, method: req.method, url },
          res: { statusCode: res.statusCode },
          responseTime: Date.now() - started,
          ...(typeof businessId === 'string' ? { businessId } : {}),
        },
        `${req.method} ${url} ${res.statusCode}`,
      );
    };
    res.on('finish', done).on('close', done).on('error', done);
    next();
  };
}

/** The route template a request matched (never its raw path, whose ids would make a series each). */
function routeOf(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
}

export function requestMetrics(): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const m = metrics();
      const route = routeOf(req);
      m.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      m.httpDuration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

export const metricsOperation = {
  method: 'get',
  path: '/metrics',
  operationId: 'metrics',
  summary: 'Prometheus metrics of this API process',
  description:
    'Prometheus text format: API requests by route and status, Xero calls made by the API (previews, settings ' +
    'checks, the contact picker), and open sync requests by state with how long each running one has gone ' +
    'without progress. Ids only, no business data. The worker serves its own on WORKER_HTTP_PORT.',
  tag: 'Service',
  auth: false,
  responses: {
    200: { description: 'The metrics.', schema: z.string(), contentType: 'text/plain' },
  },
} satisfies Operation;

const GAUGE_TIMEOUT_MS = 2000;

/** /metrics; the request gauges are read from PostgreSQL first (if it does not answer, the rest still serve). */
export function metricsRoutes(deps: { db: Db; log: Logger }): Router {
  const router = Router();
  mount(router, metricsOperation, async (_input, res) => {
    try {
      const gauges = await Promise.race([
        requestGauges(deps.db),
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`no answer within ${GAUGE_TIMEOUT_MS} ms`)),
            GAUGE_TIMEOUT_MS,
          ).unref(),
        ),
      ]);
      setRequestGauges(gauges);
    } catch (err) {
      deps.log.warn('Request gauges not read for /metrics', { err });
    }
    res
      .status(200)
      .type(METRICS_CONTENT_TYPE)
      .send(await metricsText());
  });
  return router;
}
