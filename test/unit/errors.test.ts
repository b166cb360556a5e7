import { isRetryable, parseXeroError, rateLimitHeaders, XeroApiError } from '../../src/xero/errors';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlLXNlY3JldA';

/** What xero-node 20 rejects with: a JSON string, not an Error. */
function rejection(statusCode: number, headers: Record<string, unknown>, body: unknown): string {
  return JSON.stringify({ response: { statusCode, headers, body }, body });
}

const validationBody = {
  ErrorNumber: 10,
  Type: 'ValidationException',
  Message: 'A validation exception occurred',
  Elements: [
    { InvoiceNumber: 'POS-1', ValidationErrors: [{ Message: 'Invoice # must be unique.' }] },
    { InvoiceNumber: 'POS-2', ValidationErrors: [{ Message: 'Account code 999 is not a valid code.' }] },
  ],
};

describe('parseXeroError: rate limits', () => {
  it('reads a minute-limit 429 with Retry-After and the remaining-quota headers', () => {
    const err = parseXeroError(
      rejection(
        429,
        {
          'retry-after': '17',
          'x-rate-limit-problem': 'minute',
          'x-daylimit-remaining': '4012',
          'x-minlimit-remaining': '0',
        },
        '',
      ),
    );
    expect(err).toBeInstanceOf(XeroApiError);
    expect(err).toMatchObject({
      kind: 'minute-limit',
      status: 429,
      retryAfterSeconds: 17,
      rateLimitProblem: 'minute',
      dayLimitRemaining: 4012,
      minLimitRemaining: 0,
    });
  });

  it('reads a day-limit 429 whose Retry-After is hours, with header names in any case', () => {
    const err = parseXeroError(
      rejection(429, { 'Retry-After': ['30512'], 'X-Rate-Limit-Problem': 'Day' }, ''),
    );
    expect(err).toMatchObject({ kind: 'day-limit', retryAfterSeconds: 30512, rateLimitProblem: 'day' });
  });

  it('classifies the concurrent limit', () => {
    expect(
      parseXeroError(rejection(429, { 'X-Rate-Limit-Problem': 'concurrent', 'Retry-After': '1' }, '')).kind,
    ).toBe('concurrent-limit');
  });

  it('treats a 429 without X-Rate-Limit-Problem or Retry-After as a minute limit of 60 seconds', () => {
    const err = parseXeroError(rejection(429, {}, undefined));
    expect(err).toMatchObject({ kind: 'minute-limit', retryAfterSeconds: 60 });
    expect(err.rateLimitProblem).toBeUndefined();
  });
});

describe('parseXeroError: Xero answers', () => {
  it('collects every validation message and leads with the first', () => {
    const err = parseXeroError(rejection(400, {}, validationBody));
    expect(err.kind).toBe('validation');
    expect(err.validationErrors).toEqual([
      'Invoice # must be unique.',
      'Account code 999 is not a valid code.',
    ]);
    expect(err.xeroMessage).toBe('A validation exception occurred: Invoice # must be unique.');
    expect(err.message).toContain('HTTP 400 validation');
  });

  it('parses a body that arrives as a JSON string', () => {
    expect(parseXeroError(rejection(400, {}, JSON.stringify(validationBody))).validationErrors).toHaveLength(
      2,
    );
  });

  it('calls a 400 that is not a ValidationException a client error (QueryParseException)', () => {
    const err = parseXeroError(
      rejection(
        400,
        {},
        { ErrorNumber: 16, Type: 'QueryParseException', Message: "Operator '\"' incompatible" },
      ),
    );
    expect(err).toMatchObject({ kind: 'client-error', xeroMessage: "Operator '\"' incompatible" });
  });

  it("gives a large organisation's HighVolumeException its own kind: not retried as it is, not a validation error", () => {
    const body = {
      ErrorNumber: 51,
      Type: 'HighVolumeException',
      Message:
        'Your request is not filtering Contacts efficiently, given the extremely high volume for this organisation.',
    };
    const err = parseXeroError(rejection(400, {}, body));
    expect(err).toMatchObject({ kind: 'high-volume', status: 400, xeroMessage: body.Message });
    expect(isRetryable(err.kind)).toBe(false);
    expect(parseXeroError(rejection(400, {}, JSON.stringify(body))).kind).toBe('high-volume');
  });

  it('uses Title and Detail of a 401 problem body', () => {
    const err = parseXeroError(
      rejection(
        401,
        {},
        {
          Type: null,
          Title: 'Unauthorized',
          Status: 401,
          Detail: 'TokenExpired: token expired at 01/01/2026',
        },
      ),
    );
    expect(err).toMatchObject({
      kind: 'unauthorized',
      xeroMessage: 'Unauthorized: TokenExpired: token expired at 01/01/2026',
    });
  });

  it.each([
    [403, 'forbidden'],
    [404, 'not-found'],
    [409, 'client-error'],
    [503, 'transient'],
    [500, 'transient'],
    [502, 'transient'],
    [504, 'transient'],
  ])('classifies HTTP %i as %s', (status, kind) => {
    expect(parseXeroError(rejection(status, {}, '<html>Bad gateway</html>'))).toMatchObject({ kind });
  });

  it('keeps a short plain-text body but not an HTML page', () => {
    expect(parseXeroError(rejection(503, {}, 'The organisation is offline')).xeroMessage).toBe(
      'The organisation is offline',
    );
    expect(parseXeroError(rejection(502, {}, '<html>x</html>')).xeroMessage).toBe(
      'Xero answered HTTP 502 without a message',
    );
  });
});

describe('parseXeroError: network failures', () => {
  it('treats statusCode 0 as transient with an unknown outcome', () => {
    expect(parseXeroError(rejection(0, {}, undefined))).toMatchObject({
      kind: 'transient',
      status: 0,
    });
  });

  it.each(['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED'])('treats %s after sending as transient', (code) => {
    const err = Object.assign(new Error(`read ${code}`), { code });
    expect(parseXeroError(err)).toMatchObject({ kind: 'transient', status: 0 });
  });

  it('treats "socket hang up" as transient', () => {
    expect(parseXeroError(new Error('socket hang up'))).toMatchObject({
      kind: 'transient',
      status: 0,
    });
  });

  it('treats a refused connection as transient, keeping only its code', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });
    expect(parseXeroError(err)).toMatchObject({
      kind: 'transient',
      xeroMessage: 'network failure ECONNREFUSED',
    });
  });

  it('reads an axios error that carries a response', () => {
    const err = Object.assign(new Error('Request failed with status code 429'), {
      response: { status: 429, headers: { 'x-rate-limit-problem': 'day', 'retry-after': '3600' }, data: {} },
    });
    expect(parseXeroError(err)).toMatchObject({ kind: 'day-limit', retryAfterSeconds: 3600 });
  });

  it('turns an unrecognised value into a non-retried client error that keeps nothing of it', () => {
    const err = parseXeroError({ weird: TOKEN });
    expect(err).toMatchObject({ kind: 'client-error' });
    expect(JSON.stringify(err)).not.toContain(TOKEN);
    expect(parseXeroError('not json').kind).toBe('client-error');
  });

  it('returns an already parsed error unchanged', () => {
    const err = parseXeroError(rejection(404, {}, {}));
    expect(parseXeroError(err)).toBe(err);
  });
});

describe('parseXeroError: no secrets leak', () => {
  const leakChecks = (err: XeroApiError): void => {
    for (const text of [err.message, err.stack ?? '', JSON.stringify(err), String(err)]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('refresh-secret');
      expect(text.toLowerCase()).not.toContain('authorization');
    }
    expect(err.cause).toBeUndefined();
  };

  it('drops request and response Authorization headers and tokens from a xero-node rejection', () => {
    const payload = JSON.stringify({
      response: {
        statusCode: 401,
        headers: { Authorization: `Bearer ${TOKEN}`, 'www-authenticate': `Bearer ${TOKEN}` },
        body: { Title: 'Unauthorized', Detail: 'AuthenticationUnsuccessful' },
        request: { headers: { Authorization: `Bearer ${TOKEN}` } },
      },
      body: { access_token: TOKEN, refresh_token: 'refresh-secret' },
    });
    const err = parseXeroError(payload);
    expect(err.kind).toBe('unauthorized');
    leakChecks(err);
  });

  it('drops the axios config (headers, URL) of a network error', () => {
    const err = Object.assign(new Error(`socket hang up Authorization: Bearer ${TOKEN}`), {
      code: 'ECONNRESET',
      config: { headers: { Authorization: `Bearer ${TOKEN}` }, url: `https://api.xero.com/?token=${TOKEN}` },
    });
    leakChecks(parseXeroError(err));
  });

  it('redacts a bearer token should Xero ever echo one in a message', () => {
    const err = parseXeroError(rejection(400, {}, { Message: `bad header Bearer ${TOKEN}` }));
    expect(err.xeroMessage).toBe('bad header Bearer [redacted]');
    leakChecks(err);
  });
});

describe('rateLimitHeaders / isRetryable', () => {
  it('reads the three quota headers of a successful response, case-insensitively', () => {
    expect(
      rateLimitHeaders({
        'X-DayLimit-Remaining': '4999',
        'x-minlimit-remaining': 59,
        'X-APPMINLIMIT-REMAINING': ['9990'],
      }),
    ).toEqual({ dayRemaining: 4999, minRemaining: 59, appMinRemaining: 9990 });
  });

  it('leaves out absent or malformed values', () => {
    expect(rateLimitHeaders({ 'X-DayLimit-Remaining': 'lots' })).toEqual({});
    expect(rateLimitHeaders(undefined)).toEqual({});
  });

  it('retries limits and transient failures, not validation or auth failures', () => {
    expect(
      ['minute-limit', 'day-limit', 'concurrent-limit', 'transient'].every((k) => isRetryable(k as never)),
    ).toBe(true);
    expect(
      ['validation', 'unauthorized', 'forbidden', 'not-found', 'client-error'].some((k) =>
        isRetryable(k as never),
      ),
    ).toBe(false);
  });
});
