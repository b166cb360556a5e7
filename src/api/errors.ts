import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  Busy,
  Conflict,
  DomainError,
  IdempotencyKeyReused,
  InvalidInput,
  NotConnected,
  NotFound,
  NothingToSend,
  UndoRefused,
} from '../errors';
import type { FieldProblem, RangeCounts } from '../errors';
import { NOTHING_TO_SEND } from '../contract';
import type { Logger } from '../logger';
import { XeroApiError } from '../xero/errors';
import { DailyQuotaExhausted } from '../xero/gateway';
import { ConnectionNeedsReconnect } from '../xero/tokens';
import { DEPENDENCY_RETRY_AFTER_SECONDS, unavailableDependency } from './dependencies';

/** A problem of the HTTP layer itself (authentication, media types, routing); rendered as problem+json. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

interface ProblemBody {
  type?: string;
  title: string;
  detail: string;
  errors?: FieldProblem[];
  errorId?: string;
  counts?: RangeCounts;
}

export function sendProblem(res: Parameters<RequestHandler>[1], status: number, body: ProblemBody): void {
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: 'about:blank', ...body, status });
}

/** body-parser's and the router's own errors (http-errors with a 4xx status): what to tell the caller. */
const REQUEST_ERRORS: Record<string, { status: number; title: string; detail: (message: string) => string }> =
  {
    'entity.too.large': {
      status: 413,
      title: 'Payload Too Large',
      detail: () => 'The request body is over the size limit; send less.',
    },
    'entity.parse.failed': {
      status: 400,
      title: 'Bad Request',
      detail: () => 'The request body is not valid JSON (an object is expected).',
    },
    'entity.not.utf8': {
      status: 400,
      title: 'Bad Request',
      detail: (m) => `${m}; send the JSON body encoded as UTF-8.`,
    },
    'charset.unsupported': {
      status: 415,
      title: 'Unsupported Media Type',
      detail: (m) => `${m}; send the JSON body as UTF-8 (content-type: application/json; charset=utf-8).`,
    },
    'encoding.unsupported': {
      status: 415,
      title: 'Unsupported Media Type',
      detail: (m) => `${m}; send the body uncompressed, or with content-encoding gzip, deflate or br.`,
    },
  };

/**
 * An error of the HTTP layer itself: body-parser's (http-errors: `expose` and a `type`) or the router's (a
 * URIError with status 400 for a malformed %-escape). Xero's and identity errors carry an HTTP status too, but
 * theirs is Xero's, so only these shapes count.
 */
function isHttpLayerError(err: unknown): boolean {
  const http = err as { status?: unknown; expose?: unknown };
  if (typeof http.status !== 'number' || http.status < 400 || http.status >= 500) return false;
  return http.expose === true || err instanceof URIError;
}

function requestError(err: unknown): { status: number; title: string; detail: string } | undefined {
  if (!isHttpLayerError(err)) return undefined;
  const http = err as { status: number; type?: unknown; message?: unknown };
  const known = typeof http.type === 'string' ? REQUEST_ERRORS[http.type] : undefined;
  const message = typeof http.message === 'string' ? http.message : '';
  if (known) return { status: known.status, title: known.title, detail: known.detail(message) };
  // Any other client error of the HTTP layer: a body that does not decompress, a malformed %-escape, …
  return {
    status: http.status,
    title: http.status === 415 ? 'Unsupported Media Type' : 'Bad Request',
    detail: `The request could not be read (${message}); check its body, encoding and URL.`,
  };
}

/** Where a field problem was, as the caller sent it: body.startDate, query.cursor, header.idempotency-key. */
function located(where: string, problems: FieldProblem[]): FieldProblem[] {
  return problems.map((p) => ({ path: [where, p.path].filter(Boolean).join('.'), message: p.message }));
}

/** "body.startDate: must be …; query.limit: …": the detail line of a 400 or 422 with field errors. */
function detailOf(errors: FieldProblem[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
}

/** The domain's errors (src/errors.ts), each as its status and problem+json: the one place they are mapped. */
function domainProblem(err: DomainError): { status: number; body: ProblemBody } {
  const plain = (status: number) => ({ status, body: { title: err.title, detail: err.message } });
  if (err instanceof InvalidInput) {
    const errors = located(err.where, err.problems);
    return { status: 400, body: { title: err.title, detail: detailOf(errors), errors } };
  }
  if (err instanceof IdempotencyKeyReused) {
    const errors = located('header.idempotency-key', [{ path: '', message: err.message }]);
    return { status: 422, body: { title: err.title, detail: detailOf(errors), errors } };
  }
  if (err instanceof NothingToSend)
    return {
      status: 409,
      body: { type: NOTHING_TO_SEND, title: err.title, detail: err.message, counts: err.counts },
    };
  if (err instanceof UndoRefused)
    return { status: 409, body: { type: err.type, title: err.title, detail: err.message } };
  if (err instanceof NotFound) return plain(404);
  if (err instanceof Conflict || err instanceof NotConnected) return plain(409);
  if (err instanceof Busy) return plain(503);
  return plain(400);
}

/**
 * The one error middleware: domain errors and the HTTP layer's own become their status; a dependency that is
 * down or did not answer in time a 503 with Retry-After; anything else a 500 with an error id that is also
 * logged, and never a stack or internal detail.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (err instanceof DomainError) {
      const { status, body } = domainProblem(err);
      return void sendProblem(res, status, body);
    }
    if (err instanceof ApiError)
      return void sendProblem(res, err.status, { title: err.title, detail: err.message });
    const client = requestError(err);
    if (client) return void sendProblem(res, client.status, { title: client.title, detail: client.detail });
    if (err instanceof ConnectionNeedsReconnect) {
      sendProblem(res, 409, {
        title: 'Reconnect Xero',
        detail: `${err.message}. Connect it again (GET /xero/connect, or \`npm run cli -- business connect-custom\`).`,
      });
      return;
    }
    if (err instanceof DailyQuotaExhausted) {
      sendProblem(res, 503, {
        title: 'Xero quota exhausted',
        detail: `${err.message}. Try again after that time.`,
      });
      return;
    }
    if (err instanceof XeroApiError) {
      sendProblem(res, 502, { title: 'Xero error', detail: `Xero answered: ${err.xeroMessage}` });
      return;
    }
    const dependency = unavailableDependency(err);
    if (dependency) {
      log.warn('Dependency unavailable', {
        dependency,
        error: err instanceof Error ? err.message : String(err),
      });
      res.set('Retry-After', String(DEPENDENCY_RETRY_AFTER_SECONDS));
      sendProblem(res, 503, {
        title: 'Service Unavailable',
        detail: `${dependency} is not answering right now; try again in ${DEPENDENCY_RETRY_AFTER_SECONDS} seconds.`,
      });
      return;
    }
    const errorId = randomUUID();
    // The stack goes to the log (with the request's id), never to the caller.
    log.error('Unhandled API error', {
      errorId,
      requestId: (req as { id?: unknown }).id,
      method: req.method,
      route: (req as { route?: { path?: unknown } }).route?.path,
      err: err instanceof Error ? err : new Error(String(err)),
    });
    sendProblem(res, 500, {
      title: 'Internal Server Error',
      detail: `Something went wrong on our side. Quote error id ${errorId}.`,
      errorId,
    });
  };
}
