import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { XeroApiError } from '../xero/errors';
import { DailyQuotaExhausted } from '../xero/gateway';

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

/**
 * The one error middleware: typed errors become their status; body-parser errors become 400/413; anything
 * else is a 500 with an error id that is also logged, and never a stack or internal detail.
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
    const http = err as { status?: number; type?: string };
    if (http.type === 'entity.too.large') {
      sendProblem(res, 413, {
        title: 'Payload Too Large',
        detail: 'The request body is over the size limit; send less.',
      });
      return;
    }
    if (http.type === 'entity.parse.failed') {
      sendProblem(res, 400, { title: 'Bad Request', detail: 'The request body is not valid JSON.' });
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
    const errorId = randomUUID();
    log.error('Unhandled API error', { errorId, error: err instanceof Error ? err.message : String(err) });
    sendProblem(res, 500, {
      title: 'Internal Server Error',
      detail: `Something went wrong on our side. Quote error id ${errorId}.`,
      errorId,
    });
  };
}
