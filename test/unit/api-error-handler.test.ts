import type { Request, Response } from 'express';
import { errorHandler } from '../../src/api/errors';
import { unavailableDependency } from '../../src/api/dependencies';
import { Busy, Conflict, IdempotencyKeyReused, InvalidInput, NotConnected, NotFound } from '../../src/errors';
import type { Logger } from '../../src/logger';
import { XeroApiError } from '../../src/xero/errors';

/** The one error middleware: which status each kind of error becomes (a fake response records the answer). */
function answer(err: unknown): {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
} {
  const out = { status: 0, headers: {} as Record<string, string>, body: {} as Record<string, unknown> };
  const res = {
    set: (name: string, value: string) => ((out.headers[name.toLowerCase()] = value), res),
    status: (s: number) => ((out.status = s), res),
    type: (t: string) => ((out.headers['content-type'] = t), res),
    json: (b: Record<string, unknown>) => ((out.body = b), res),
  };
  const quiet: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
  };
  errorHandler(quiet)(err, {} as Request, res as unknown as Response, () => undefined);
  return out;
}

describe('API error middleware', () => {
  it('maps each domain error to its status and problem+json, field paths placed where they were sent', () => {
    expect(answer(new NotFound('Sync request "sr_1"'))).toMatchObject({
      status: 404,
      body: { title: 'Not Found', detail: 'Sync request "sr_1" was not found.' },
    });
    expect(answer(new Conflict('Nothing to retry', 'It has no failed orders.'))).toMatchObject({
      status: 409,
      body: { title: 'Nothing to retry', detail: 'It has no failed orders.' },
    });
    expect(answer(new NotConnected('No Xero.')).body.title).toBe('Not connected');
    expect(answer(new NotConnected('Refused.', true))).toMatchObject({
      status: 409,
      body: { title: 'Reconnect Xero' },
    });
    expect(answer(new Busy('Try again.')).status).toBe(503);
    const invalid = answer(new InvalidInput([{ path: 'endDate', message: 'is in the future' }]));
    expect(invalid).toMatchObject({
      status: 400,
      headers: { 'content-type': 'application/problem+json' },
      body: {
        title: 'Invalid request',
        detail: 'body.endDate: is in the future',
        errors: [{ path: 'body.endDate', message: 'is in the future' }],
      },
    });
    const cursor = answer(new InvalidInput([{ path: 'cursor', message: 'bad' }], undefined, 'query'));
    expect(cursor.body.errors).toEqual([{ path: 'query.cursor', message: 'bad' }]);
    const reused = answer(new IdempotencyKeyReused());
    expect(reused.status).toBe(422);
    expect(reused.body.errors).toEqual([
      { path: 'header.idempotency-key', message: expect.stringContaining('different request') },
    ]);
  });

  it('keeps Xero’s own 4xx a 502 (its HTTP status is Xero’s, not the caller’s)', () => {
    const xero = new XeroApiError({
      kind: 'validation',
      status: 400,
      xeroMessage: 'A validation exception occurred',
      validationErrors: [],
    });
    expect(answer(xero).status).toBe(502);
  });

  it('maps the HTTP layer’s client errors: body-parser’s by type, the router’s malformed %-escape', () => {
    const charset = Object.assign(new Error('unsupported charset "LATIN1"'), {
      status: 415,
      expose: true,
      type: 'charset.unsupported',
    });
    expect(answer(charset)).toMatchObject({ status: 415, body: { title: 'Unsupported Media Type' } });
    const gzip = Object.assign(new Error('incorrect header check'), { status: 400, expose: true });
    expect(answer(gzip)).toMatchObject({
      status: 400,
      body: { detail: expect.stringContaining('incorrect header check') },
    });
    const escape = Object.assign(new URIError("Failed to decode param '%E0'"), { status: 400 });
    expect(answer(escape).status).toBe(400);
    // Something of ours with a status field but none of these shapes is not trusted: a 500.
    expect(answer(Object.assign(new Error('odd'), { status: 404 })).status).toBe(500);
  });

  it('turns PostgreSQL or Temporal being down into a 503 with Retry-After, and nothing else', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });
    expect(answer(refused)).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    expect(unavailableDependency(new Error('timeout exceeded when trying to connect'))).toBe('PostgreSQL');
    expect(unavailableDependency(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(
      'PostgreSQL',
    );
    const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: 14,
      details: '',
      metadata: {},
    });
    expect(unavailableDependency(new Error('Failed to start', { cause: grpc }))).toBe('Temporal');
    expect(
      unavailableDependency(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' })),
    ).toBeUndefined();
    expect(answer(new Error('boom')).status).toBe(500);
  });
});
