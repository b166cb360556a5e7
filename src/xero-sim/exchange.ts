import type { RequestHandler } from 'express';
import type { ApiExchange } from './options';

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Reports each finished API exchange (request and response bodies) to an observer, e.g. an OpenAPI validator. */
export function recordExchanges(observer: (exchange: ApiExchange) => void): RequestHandler {
  return (req, res, next) => {
    const receivedAt = Date.now();
    const originalSend = res.send.bind(res);
    let sent = '';
    res.send = (body?: unknown) => {
      sent =
        typeof body === 'string'
          ? body
          : Buffer.isBuffer(body)
            ? body.toString('utf8')
            : JSON.stringify(body ?? '');
      return originalSend(body);
    };
    res.once('finish', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers[name] = value;
      const query: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.query as Record<string, unknown>))
        if (typeof value === 'string') query[name] = value;
      observer({
        method: req.method,
        path: req.path,
        query,
        rawQuery: req.originalUrl.includes('?')
          ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
          : '',
        headers,
        requestBody: Buffer.isBuffer(req.body) ? parseJson(req.body.toString('utf8')) : undefined,
        status: res.statusCode,
        responseBody: parseJson(sent),
        receivedAt,
        answeredAt: Date.now(),
      });
    });
    next();
  };
}
