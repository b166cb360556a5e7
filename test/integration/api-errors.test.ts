import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createApiKey } from '../../src/api-keys/store';
import { createApp, openApiDocument } from '../../src/api/app';
import { API_DB_DEADLINES, apiTemporalClient } from '../../src/api/dependencies';
import { createPool } from '../../src/db/pool';
import type { Db } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { apiClient, checkAgainstOpenApi, serveApp } from '../support/api';
import type { ApiResponse } from '../support/api';
import { testConfig, testLogFile } from '../support/harness';
import { createBusiness, loadDemoOrders } from '../support/orders';
import { freePort } from '../support/ports';
import { syncToEnd } from '../support/requests';
import { eventually, startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Every client error is a 4xx application/problem+json naming what to fix, and a dependency that is down is a
 * 503 with Retry-After within 5 s: nothing a caller sends, and no outage, makes the API answer 500 or hang.
 */

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const paths = (res: ApiResponse) => ((res.body.errors ?? []) as Array<{ path: string }>).map((e) => e.path);

/** A TCP server that accepts connections and never answers: a hung (SIGSTOPped) PostgreSQL or Temporal. */
async function blackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => void sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A raw fetch whose answer is still checked against the OpenAPI document. */
async function raw(url: string, init: RequestInit): Promise<ApiResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  const body = contentType.includes('json') && text ? (JSON.parse(text) as Record<string, unknown>) : {};
  checkAgainstOpenApi(
    (init.method ?? 'GET').toLowerCase(),
    new URL(url).pathname,
    res.status,
    contentType,
    body,
  );
  return { status: res.status, headers: res.headers, body };
}

describe('API errors: 4xx for every client mistake, 503 for a dependency that is down', () => {
  let system: TestSystem;
  let key: string;
  let requestId: string;
  const businessId = 'biz_errors';
  const submitBody = {
    channel: 'pos',
    locationId: 'all',
    startDate: '2025-05-01',
    endDate: '2025-05-01',
    contactMapping: { mode: 'auto' as const },
  };

  beforeAll(async () => {
    system = await startTestSystem('api-errors');
    await createBusiness(system.database.db, businessId);
    await loadDemoOrders(system.database.db, {
      businessId,
      from: '2025-05-01',
      to: '2025-05-02',
      ordersPerDay: 3,
      channel: 'pos',
      seed: 5,
    });
    requestId = (await syncToEnd(system, { businessId, ...submitBody })).id;
    key = await system.keyFor(businessId);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('an impossible date is a 400 before any SQL, and the documented pattern refuses 0000-00-00', async () => {
    const api = await system.api(businessId);
    for (const date of ['2026-02-30', '0000-00-00', '2025-13-01', '2026-2-3']) {
      const res = await api.get(`/api/sync-requests?date=${date}`);
      expect(res.status).toBe(400);
      expect(paths(res)).toEqual(['query.date']);
    }
    const res = await api.post('/api/sync-requests', { ...submitBody, startDate: '2025-02-29' });
    expect(res.status).toBe(400);
    expect(paths(res)).toEqual(['body.startDate']);
    const doc = openApiDocument() as {
      paths: Record<string, { get: { parameters: Array<{ name: string; schema: { pattern: string } }> } }>;
    };
    const pattern = doc.paths['/api/sync-requests']!.get.parameters.find((p) => p.name === 'date')!.schema
      .pattern;
    expect(new RegExp(pattern).test('0000-00-00')).toBe(false);
    expect(new RegExp(pattern).test('2026-03-14')).toBe(true);
  });

  it('a forged cursor is a 400 naming query.cursor, whatever it holds', async () => {
    const api = await system.api(businessId);
    const forged = [
      cursorOf({ createdAt: 'yesterday', id: requestId }),
      cursorOf({ createdAt: '2026-02-30 10:00:00+00', id: requestId }),
      cursorOf({ createdAt: '2026-03-01 10:00:00.123456+00', id: "sr_x' OR 1=1" }),
      cursorOf(['createdAt']),
      'not base64 at all!',
    ];
    for (const cursor of forged) {
      const res = await api.get(`/api/sync-requests?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(paths(res)).toEqual(['query.cursor']);
    }
    for (const cursor of [cursorOf({ orderId: 'ord_\u0000' }), cursorOf({ orderId: 7 })]) {
      const res = await api.get(`/api/sync-requests/${requestId}/orders?cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(paths(res)).toEqual(['query.cursor']);
    }
    // A real cursor still works.
    const real = await api.get(
      `/api/sync-requests?cursor=${cursorOf({ createdAt: '2999-01-01 00:00:00+00', id: 'sr_z' })}`,
    );
    expect(real.status).toBe(200);
  });

  it('a malformed tax rate is a 400 on its field, never a 500', async () => {
    const api = await system.api(businessId);
    for (const rate of ['', 'abc', '9.00001', '9e999', '101']) {
      const res = await api.request('PATCH', '/api/business/settings', {
        body: { taxTypes: { GST9: { taxType: 'OUTPUTY24', rate } } },
      });
      expect(res.status).toBe(400);
      expect(paths(res)).toEqual(['body.taxTypes.GST9.rate']);
    }
  });

  it('a NUL or control character in any field or key is a 400 naming it', async () => {
    const api = await system.api(businessId);
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/api/sync-requests', { ...submitBody, locationId: 'loc\u0000' }, 'body.locationId'],
      ['POST', '/api/sync-requests/preview', { ...submitBody, locationId: 'a\u0007b' }, 'body.locationId'],
      ['PATCH', '/api/business/settings', { walkInContactName: 'Walk\u0000in' }, 'body.walkInContactName'],
      [
        'PATCH',
        '/api/business/settings',
        { invoiceNumberTemplate: '{number}\u0000' },
        'body.invoiceNumberTemplate',
      ],
      [
        'PATCH',
        '/api/business/settings',
        { taxTypes: { 'GST\u0000': { taxType: 'OUTPUTY24', rate: '9' } } },
        'body.taxTypes.GST\\x00',
      ],
      ['PATCH', '/api/business/settings', { walkInContactName: 'Walk \ud800 in' }, 'body.walkInContactName'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await api.request(method, path, { body });
      expect(res.status).toBe(400);
      expect(paths(res)).toEqual([field]);
      expect(JSON.stringify(res.body)).toMatch(/control characters|valid Unicode/);
    }
    const query = await api.get(`/api/sync-requests?locationId=${encodeURIComponent('loc\u0000')}`);
    expect(query.status).toBe(400);
    expect(paths(query)).toEqual(['query.locationId']);
  });

  it('a body nested thousands deep is a 400 on every operation that takes a body, never a 500', async () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const withBody = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.requestBody)
        .map(([method, op]) => [method.toUpperCase(), path.replace(/\{[^}]+\}/g, requestId), op] as const),
    );
    expect(withBody.length).toBeGreaterThanOrEqual(4);
    const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const objects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    const inField = (n: number) =>
      JSON.stringify({ ...submitBody, locationId: 'x' }).replace('"x"', arrays(n));
    for (const [method, path] of withBody) {
      for (const body of [arrays(3000), objects(3000), arrays(5000), inField(5000)]) {
        const res = await raw(`${system.apiUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body,
        });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: expect.any(Number) });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    }
    const deep = await raw(`${system.apiUrl}/api/sync-requests/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: inField(3000),
    });
    expect(deep.status).toBe(400);
    expect(JSON.stringify(deep.body)).toMatch(/nested more than 32 levels/);
    expect(paths(deep)[0]).toMatch(/^body\.locationId(\.0)+$/);
  });

  it('maps body-parser errors: an unsupported charset or encoding is a 415, a body that is not gzip a 400', async () => {
    const url = `${system.apiUrl}/api/sync-requests/preview`;
    const send = (headers: Record<string, string>, body: string) =>
      raw(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers }, body });
    const json = JSON.stringify(submitBody);
    const latin1 = await send({ 'content-type': 'application/json; charset=latin1' }, json);
    expect(latin1.status).toBe(415);
    expect(latin1.body.detail).toMatch(/charset/i);
    const notGzip = await send({ 'content-type': 'application/json', 'content-encoding': 'gzip' }, json);
    expect(notGzip.status).toBe(400);
    const unknown = await send({ 'content-type': 'application/json', 'content-encoding': 'x-zip' }, json);
    expect(unknown.status).toBe(415);
    const text = await send({ 'content-type': 'text/plain' }, json);
    expect(text.status).toBe(415);
    const malformedEscape = await raw(`${system.apiUrl}/api/sync-requests/%E0%A4%A`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(malformedEscape.status).toBe(400);
  });

  it('a body that is not UTF-8 is a 400 naming the byte, and nothing of it is stored', async () => {
    const url = `${system.apiUrl}/api/business/settings`;
    const api = await system.api(businessId);
    const before = (await api.get('/api/business/settings')).body;
    const [head, tail] = JSON.stringify({ walkInContactName: 'Walk|in' }).split('|') as [string, string];
    const withBytes = (bytes: number[]) =>
      Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);
    const at = head.length + 1; // the first bad byte, 1-based
    for (const bytes of [
      [0xff, 0xfe],
      [0xed, 0xa0, 0x80],
      [0xc0, 0xaf],
      [0xe2, 0x82],
    ]) {
      for (const contentType of ['application/json', 'application/json; charset=utf-8']) {
        const res = await raw(url, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
          body: withBytes(bytes),
        });
        expect(res.status).toBe(400);
        expect(res.body.detail).toBe(
          `The request body is not valid UTF-8: byte ${at} (0x${bytes[0]!.toString(16).toUpperCase()}) does not start a well-formed character; send the JSON body encoded as UTF-8.`,
        );
      }
    }
    expect((await api.get('/api/business/settings')).body).toEqual(before);
    const good = await raw(url, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: withBytes([...Buffer.from('é ☕ ')]),
    });
    expect(good.status).toBe(200);
    expect((await api.get('/api/business/settings')).body).toMatchObject({
      walkInContactName: 'Walké ☕ in',
    });
  });

  it('headers over 16 KB get a problem+json 431 saying what to do; malformed HTTP a problem+json 400', async () => {
    const big = await raw(`${system.apiUrl}/api/sync-requests`, {
      headers: { authorization: `Bearer ${key}`, cookie: `junk=${'x'.repeat(20 * 1024)}` },
    });
    expect(big.status).toBe(431);
    expect(big.headers.get('content-type')).toBe('application/problem+json');
    expect(big.body).toEqual({
      type: 'about:blank',
      status: 431,
      title: 'Request Header Fields Too Large',
      detail:
        "The request's headers are over 16 KB in all (cookies included); send fewer or smaller headers, or clear this site's cookies in the browser.",
    });
    const { port } = new URL(system.apiUrl);
    const rawHttp = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request));
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const overflow = await rawHttp(
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`,
    );
    expect(overflow).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(overflow).toContain('\r\nContent-Type: application/problem+json\r\n');
    const malformed = await rawHttp('GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(malformed).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(malformed.slice(malformed.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 400,
      detail: expect.stringMatching(/not valid HTTP\/1\.1/),
    });
    // A request just under the limit is served as usual.
    const under = await raw(`${system.apiUrl}/api/sync-requests`, {
      headers: { authorization: `Bearer ${key}`, 'x-padding': 'x'.repeat(12 * 1024) },
    });
    expect(under.status).toBe(200);
  });

  it('PATCH /api/business/settings with no body is a 400 (an empty object is a valid, empty change)', async () => {
    const url = `${system.apiUrl}/api/business/settings`;
    const none = await raw(url, { method: 'PATCH', headers: { authorization: `Bearer ${key}` } });
    expect(none.status).toBe(400);
    expect(paths(none)).toEqual(['body']);
    const empty = await (
      await system.api(businessId)
    ).request('PATCH', '/api/business/settings', { body: {} });
    expect(empty.status).toBe(200);
  });

  it('an undeclared method is a 405 with Allow; OPTIONS lists exactly the resource’s methods', async () => {
    const auth = { authorization: `Bearer ${key}` };
    const cases: Array<[string, string, string[]]> = [
      ['DELETE', '/api/sync-requests', ['GET', 'POST']],
      ['GET', '/api/sync-requests/preview', ['POST']],
      ['PUT', '/api/business/settings', ['GET', 'PATCH']],
      ['DELETE', `/api/sync-requests/${requestId}`, ['GET']],
      ['GET', `/api/sync-requests/${requestId}/pause`, ['POST']],
    ];
    for (const [method, path, allowed] of cases) {
      const res = await fetch(`${system.apiUrl}${path}`, { method, headers: auth });
      expect(res.status).toBe(405);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const allow = (res.headers.get('allow') ?? '').split(', ');
      expect(allow).toEqual(expect.arrayContaining(allowed));
      expect(allow.filter((m) => !['HEAD', 'OPTIONS'].includes(m)).sort()).toEqual([...allowed].sort());
    }
    const options = await fetch(`${system.apiUrl}/api/sync-requests/preview`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('POST, OPTIONS');
    // Unknown paths stay 404.
    expect((await fetch(`${system.apiUrl}/api/nothing-here`, { headers: auth })).status).toBe(404);
  });

  it('GET /api/xero/contacts while the connection needs reconnecting is a 409, like settings', async () => {
    const other = 'biz_errors_reconnect';
    await createBusiness(system.database.db, other);
    const api = await system.api(other);
    await system.database.db.query(
      `UPDATE xero_connections SET status = 'needs_reconnect', last_error = 'invalid_grant' WHERE business_id = $1`,
      [other],
    );
    const res = await api.get('/api/xero/contacts?search=walk');
    expect(res.status).toBe(409);
    expect(res.body.title).toBe('Reconnect Xero');
  });

  it('a wrong secret leaves the key’s last_used_at alone; the right one sets it', async () => {
    // A key of its own, never used: the API moves last_used_at at most once a minute per key and process.
    const fresh = (await createApiKey(system.database.db, 'biz_errors_reconnect', 'last used')).key;
    const id = fresh.slice(4, 16);
    const lastUsed = async () =>
      (
        await system.database.db.query<{ last_used_at: Date | null }>(
          'SELECT last_used_at FROM api_keys WHERE id = $1',
          [id],
        )
      ).rows[0]!.last_used_at;
    expect(await lastUsed()).toBeNull();
    const wrong = `${fresh.slice(0, 17)}${'A'.repeat(43)}`;
    expect((await apiClient(system.apiUrl, wrong).get('/api/business')).status).toBe(401);
    expect(await lastUsed()).toBeNull();
    expect((await apiClient(system.apiUrl, fresh).get('/api/business')).status).toBe(200);
    expect(await lastUsed()).toBeInstanceOf(Date);
  });

  it('the reserve can be lowered, and unchanged Xero fields resent, with no Xero call when the quota is below the reserve', async () => {
    const api = await system.api(businessId);
    await system.database.db.query(
      `INSERT INTO xero_tenant_pacing (tenant_id, day_remaining, day_observed_at) VALUES ($1, 199, now())
       ON CONFLICT (tenant_id) DO UPDATE SET day_remaining = 199, day_observed_at = now()`,
      [DEMO_TENANT_ID],
    );
    const calls = async () => {
      const stats = (await (await fetch(`${system.xero.baseUrl}/__sim/stats`)).json()) as {
        tenants: Record<string, { calls: { total: number } }>;
      };
      return stats.tenants[DEMO_TENANT_ID]!.calls.total;
    };
    const before = await calls();
    const current = (await api.get('/api/business/settings')).body;
    // The whole settings object back, as a settings page would send it: nothing changes in Xero's terms.
    const resent = await api.request('PATCH', '/api/business/settings', { body: { ...current } });
    expect(resent.status).toBe(200);
    const lowered = await api.request('PATCH', '/api/business/settings', {
      body: { ...current, dailyQuotaReserve: 100 },
    });
    expect(lowered.status).toBe(200);
    expect(lowered.body.dailyQuotaReserve).toBe(100);
    expect(await calls()).toBe(before);
    await system.database.db.query('DELETE FROM xero_tenant_pacing WHERE tenant_id = $1', [DEMO_TENANT_ID]);
  });

  describe('with a dependency down', () => {
    const timed = async <T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> => {
      const started = Date.now();
      const value = await fn();
      return { value, ms: Date.now() - started };
    };
    const expect503 = (res: ApiResponse, ms: number, dependency: string) => {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(String(res.body.detail)).toContain(dependency);
      expect(ms).toBeLessThan(5000);
    };
    const withApp = async (db: Db, temporalAddress: string, fn: (url: string) => Promise<void>) => {
      const temporal = apiTemporalClient(testConfig({ TEMPORAL_ADDRESS: temporalAddress }));
      const app = await serveApp(
        createApp({
          ...system.deps,
          db,
          temporal: temporal.client,
          log: createLogger('api', 'error', testLogFile()),
        }),
      );
      try {
        await fn(app.url);
      } finally {
        await app.close();
        await temporal.connection.close();
      }
    };
    const temporalCalls = (url: string) => {
      const api = apiClient(url, key);
      return [
        () => api.get('/api/sync-requests'),
        () => api.post(`/api/sync-requests/${requestId}/pause`),
        // A day never synced here: a range with nothing to send would be refused (409) before Temporal is asked.
        () =>
          api.post('/api/sync-requests', { ...submitBody, startDate: '2025-05-02', endDate: '2025-05-02' }),
      ];
    };
    /** A request's detail is served from PostgreSQL: it answers, within 5 s, saying its record is not confirmed live. */
    const expectDetailFromRecord = async (url: string) => {
      // Its last record is an hour old: the API asks Temporal once, cannot, and says the record may be stale.
      await system.database.db.query(
        "UPDATE sync_request_progress SET updated_at = now() - interval '1 hour' WHERE request_id = $1",
        [requestId],
      );
      const { value, ms } = await timed(() => apiClient(url, key).get(`/api/sync-requests/${requestId}`));
      expect(value.status).toBe(200);
      expect(value.body).toMatchObject({ id: requestId, state: 'running', stale: true });
      expect(ms).toBeLessThan(5000);
    };

    it('Temporal refusing connections: list, control and submit answer 503 within 5 s; detail answers from the record', async () => {
      const db = createPool(system.database.url, 4, API_DB_DEADLINES);
      // A request still open in the table, so the list asks Temporal for its live state.
      await system.database.db.query("UPDATE sync_requests SET state = 'running' WHERE id = $1", [requestId]);
      try {
        await withApp(db, `127.0.0.1:${await freePort()}`, async (url) => {
          for (const call of temporalCalls(url)) {
            const { value, ms } = await timed(call);
            expect503(value, ms, 'Temporal');
          }
          await expectDetailFromRecord(url);
        });
      } finally {
        await system.database.db.query("UPDATE sync_requests SET state = 'completed' WHERE id = $1", [
          requestId,
        ]);
        await db.end();
      }
    });

    it('Temporal hung (accepts, never answers): 503 within 5 s', async () => {
      const hole = await blackHole();
      const db = createPool(system.database.url, 4, API_DB_DEADLINES);
      await system.database.db.query("UPDATE sync_requests SET state = 'running' WHERE id = $1", [requestId]);
      try {
        await withApp(db, `127.0.0.1:${hole.port}`, async (url) => {
          const { value, ms } = await timed(() => apiClient(url, key).get('/api/sync-requests'));
          expect503(value, ms, 'Temporal');
          await expectDetailFromRecord(url);
        });
      } finally {
        await system.database.db.query("UPDATE sync_requests SET state = 'completed' WHERE id = $1", [
          requestId,
        ]);
        await db.end();
        await hole.close();
      }
    });

    it('PostgreSQL down or hung: even authentication answers 503 within 5 s', async () => {
      const hole = await blackHole();
      const refused = createPool(`postgres://u:p@127.0.0.1:${await freePort()}/none`, 2, API_DB_DEADLINES);
      const hung = createPool(`postgres://u:p@127.0.0.1:${hole.port}/none`, 2, API_DB_DEADLINES);
      try {
        for (const db of [refused, hung]) {
          await withApp(db, system.cfg.TEMPORAL_ADDRESS!, async (url) => {
            const { value, ms } = await timed(() => apiClient(url, key).get('/api/business'));
            expect503(value, ms, 'PostgreSQL');
          });
        }
      } finally {
        await Promise.all([refused.end(), hung.end()]);
        await hole.close();
      }
    });

    it('a frozen worker: a request’s detail answers within 5 s (its recorded progress), not after 30 s', async () => {
      // An API whose task queue no worker polls: the workflow is started, and its progress query is never answered.
      const frozen = testConfig({
        DATABASE_URL: system.database.url,
        TEMPORAL_TASK_QUEUE: `${system.cfg.TEMPORAL_TASK_QUEUE}-frozen`,
      });
      const db = createPool(system.database.url, 4, API_DB_DEADLINES);
      const temporal = apiTemporalClient(frozen);
      const app = await serveApp(
        createApp({
          ...system.deps,
          cfg: frozen,
          db,
          temporal: temporal.client,
          log: createLogger('api', 'error', testLogFile()),
        }),
      );
      try {
        const api = apiClient(app.url, key);
        const submitted = await api.post('/api/sync-requests', {
          ...submitBody,
          startDate: '2025-05-02',
          endDate: '2025-05-02',
        });
        expect(submitted.status).toBe(202);
        const { value, ms } = await timed(() => api.get(`/api/sync-requests/${String(submitted.body.id)}`));
        expect(value.status).toBe(200);
        expect(value.body).toMatchObject({ id: submitted.body.id, state: 'queued', counts: { found: 0 } });
        expect(ms).toBeLessThan(5000);
        await system.temporal.client.workflow.getHandle(String(submitted.body.id)).terminate('test cleanup');
      } finally {
        await app.close();
        await temporal.connection.close();
        await db.end();
      }
    });

    it('comes back by itself when the dependency does', async () => {
      await eventually(
        async () => (await (await system.api(businessId)).get('/api/sync-requests')).status === 200,
      );
    });
  });
});
