import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { XeroApiError } from '../xero/errors';
import { DailyQuotaExhausted } from '../xero/gateway';
import { ConnectionNeedsReconnect } from '../xero/tokens';
import { DEPENDENCY_RETRY_AFTER_SECONDS, unavailableDependency } from './dependencies';

/** A problem the caller can act on; rendered as application/problem+json (RFC 9457). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly errors: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'Not Found', `${what} was not found.`);

export function sendProblem(
  res: Parameters<RequestHandler>[1],
  status: number,
  body: {
    title: string;
    detail: string;
    errors?: Array<{ path: string; message: string }>;
    errorId?: string;
  },
): void {
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: 'about:blank', status, ...body });
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

/**
 * The one error middleware: typed errors become their status; HTTP-layer errors their 4xx; a dependency that is
 * down or did not answer in time a 503 with Retry-After; anything else a 500 with an error id that is also
 * logged, and never a stack or internal detail.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof ApiError) {
      sendProblem(res, err.status, {
        title: err.title,
        detail: err.message,
        errors: err.errors.length ? err.errors : undefined,
      });
      return;
    }
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
    log.error('Unhandled API error', { errorId, error: err instanceof Error ? err.message : String(err) });
    sendProblem(res, 500, {
      title: 'Internal Server Error',
      detail: `Something went wrong on our side. Quote error id ${errorId}.`,
      errorId,
    });
  };
}
