import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createApp, OPERATIONS } from '../../src/api/app';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import type { Logger } from '../../src/logger';
import { apiClient, serveApp } from '../support/api';
import { createBusiness, loadDemoOrders } from '../support/orders';
import { syncToEnd } from '../support/requests';
import { eventually, startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { CLI_ENTRY } from '../support/cli';

const run = promisify(execFile);

/** A concrete path for an operation's template, with a real request id where one is needed. */
function samplePath(path: string, requestId: string): string {
  return path.replace(':id', requestId);
}

function capturingLogger(lines: Array<Record<string, unknown>>): Logger {
  const keep = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, ...fields });
  return { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

describe('API access: keys, business scoping, health, errors, docs', () => {
  let system: TestSystem;
  let requestOfA: string;
  beforeAll(async () => {
    system = await startTestSystem('api-access', { env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
    for (const id of ['biz_key_a', 'biz_key_b']) await createBusiness(system.database.db, id);
    await loadDemoOrders(system.database.db, {
      businessId: 'biz_key_a',
      from: '2025-05-01',
      to: '2025-05-01',
      ordersPerDay: 4,
      channel: 'pos',
      seed: 3,
    });
    const synced = await syncToEnd(system, {
      businessId: 'biz_key_a',
      channel: 'pos',
      startDate: '2025-05-01',
      endDate: '2025-05-01',
    });
    requestOfA = synced.id;
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('refuses every /api operation without a key, with a malformed key and with an unknown key (401 problem+json)', async () => {
    const anonymous = apiClient(system.apiUrl);
    const guarded = OPERATIONS.filter((op) => op.auth);
    expect(guarded.length).toBeGreaterThanOrEqual(10);
    for (const op of guarded) {
      for (const key of [null, 'not-a-key', 'xms_aaaaaaaaaaaa_' + 'A'.repeat(43)]) {
        const res = await anonymous.request(op.method.toUpperCase(), samplePath(op.path, requestOfA), {
          key,
          body: op.body ? {} : undefined,
        });
        expect(res.status).toBe(401);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(String(res.body.detail)).toMatch(/Authorization: Bearer|unknown or revoked/);
      }
    }
  });

  it('answers 404 to another business’s key for every operation on a request or webhook endpoint, and lists only the key’s own requests', async () => {
    const b = await system.api('biz_key_b');
    // A's webhook endpoint (loopback, subscribed to nothing that happens here), removed again below.
    const hook = await (
      await system.api('biz_key_a')
    ).post<{ id: string }>('/api/webhook-endpoints', {
      url: 'http://127.0.0.1:9/hooks',
      events: ['sync_request.paused'],
    });
    expect(hook.status).toBe(201);
    for (const op of OPERATIONS.filter((o) => o.path.includes(':id'))) {
      const id = op.path.startsWith('/api/webhook-endpoints/') ? hook.body.id : requestOfA;
      const res = await b.request(op.method.toUpperCase(), samplePath(op.path, id));
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('biz_key_a');
    }
    expect(
      (await (await system.api('biz_key_a')).request('DELETE', `/api/webhook-endpoints/${hook.body.id}`))
        .status,
    ).toBe(204);
    expect((await b.get('/api/sync-requests')).body).toEqual({ items: [], nextCursor: null });
    const a = await system.api('biz_key_a');
    const own = await a.get<{ items: Array<{ id: string }> }>('/api/sync-requests');
    expect(own.body.items.map((i) => i.id)).toEqual([requestOfA]);
    // Naming another business in the body is answered as if it did not exist, on submit and on preview.
    const foreign = {
      businessId: 'biz_key_a',
      channel: 'pos',
      locationId: 'all',
      startDate: '2025-05-01',
      endDate: '2025-05-01',
      contactMapping: { mode: 'auto' },
    };
    for (const path of ['/api/sync-requests', '/api/sync-requests/preview'])
      expect((await b.post(path, foreign)).status).toBe(404);
  });

  it('creates a key with the CLI (printed once, stored hashed), and a revoked key stops working', async () => {
    const env = { ...process.env, DATABASE_URL: system.database.url };
    const cli = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], { env });
    const created = await cli('keys', 'create', '--business', 'biz_key_b', '--label', 'cli test');
    const key = created.stdout.trim();
    expect(key).toMatch(/^xms_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const { rows } = await system.database.db.query<{ secret_hash: Buffer }>(
      "SELECT secret_hash FROM api_keys WHERE label = 'cli test'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secret_hash.toString('utf8')).not.toContain(key.slice(17));
    const client = apiClient(system.apiUrl, key);
    expect((await client.get('/api/sync-requests')).status).toBe(200);

    const revoked = await cli('keys', 'revoke', key.slice(0, 16));
    expect(revoked.stdout).toContain('Revoked');
    // An API process trusts a key it verified for two seconds at most (one, and one more while it looks again).
    await eventually(async () => (await client.get('/api/sync-requests')).status === 401, 3000);
    const unknownBusiness = cli('keys', 'create', '--business', 'biz_nobody');
    await expect(unknownBusiness).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('biz_nobody'),
    });
  });

  it('serves /healthz and /readyz without a key, and /readyz says which dependency is down', async () => {
    const anonymous = apiClient(system.apiUrl);
    expect((await anonymous.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await anonymous.get('/readyz')).body).toEqual({
      status: 'ready',
      checks: { postgres: 'ok', temporal: 'ok' },
    });
    // The same API with PostgreSQL unreachable (nothing listens on port 9).
    const deadDb = createPool('postgres://nobody:nothing@127.0.0.1:9/none', 1);
    const broken = await serveApp(
      createApp({ ...system.deps, db: deadDb, temporal: system.temporal.client, log: capturingLogger([]) }),
    );
    try {
      const res = await apiClient(broken.url).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'not_ready', checks: { temporal: 'ok' } });
      expect((res.body.checks as { postgres: string }).postgres).not.toBe('ok');
    } finally {
      await broken.close();
      await deadDb.end();
    }
  });

  it('answers an unexpected error with a 500 carrying an error id that is in the log, and no internals', async () => {
    const lines: Array<Record<string, unknown>> = [];
    // A database that rejects every query after authentication succeeds: the handler's query fails unexpectedly.
    const key = await system.keyFor('biz_key_a');
    const failing = Object.create(system.database.db) as typeof system.database.db;
    failing.query = ((text: unknown, ...rest: unknown[]) =>
      String(text).includes('sync_requests')
        ? Promise.reject(new Error('relation "secret_internal_table" does not exist'))
        : (system.database.db.query as (...a: unknown[]) => unknown)(text, ...rest)) as never;
    const app = await serveApp(
      createApp({
        ...system.deps,
        db: failing,
        temporal: system.temporal.client,
        log: capturingLogger(lines),
      }),
    );
    try {
      const res = await apiClient(app.url, key).get('/api/sync-requests');
      expect(res.status).toBe(500);
      const errorId = String(res.body.errorId);
      expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(String(res.body.detail)).toContain(errorId);
      expect(JSON.stringify(res.body)).not.toMatch(/secret_internal_table|at .*\.ts|stack/);
      expect(lines).toContainEqual(expect.objectContaining({ level: 'error', errorId }));
    } finally {
      await app.close();
    }
    // Through the real logger: the line carries the error id, the request's id and the error's stack.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'api-log-')), 'api.ndjson');
    const logged = await serveApp(
      createApp({
        ...system.deps,
        db: failing,
        temporal: system.temporal.client,
        log: createLogger('api', 'info', file),
      }),
    );
    try {
      const res = await apiClient(logged.url, key).request('GET', '/api/sync-requests', {
        headers: { 'x-request-id': 'req-500-test' },
      });
      expect(res.status).toBe(500);
      expect(res.headers.get('x-request-id')).toBe('req-500-test');
      const entries = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(entries).toContainEqual(
        expect.objectContaining({
          level: 'error',
          msg: 'Unhandled API error',
          errorId: res.body.errorId,
          requestId: 'req-500-test',
          err: expect.objectContaining({
            message: 'relation "secret_internal_table" does not exist',
            stack: expect.stringMatching(/^Error: relation .*\n\s+at /),
          }),
        }),
      );
      // And the request's own line, with its id and status.
      expect(entries).toContainEqual(
        expect.objectContaining({
          reqId: 'req-500-test',
          res: { statusCode: 500 },
          level: 'error',
          msg: 'GET /api/sync-requests 500',
        }),
      );
    } finally {
      await logged.close();
    }
  });

  it('refuses a body over the size limit (413) and a body that is not JSON (400)', async () => {
    const a = await system.api('biz_key_a');
    const huge = await a.request('POST', '/api/sync-requests', {
      rawBody: JSON.stringify({ pad: 'x'.repeat(1_200_000) }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.detail).toMatch(/size limit/);
    const garbage = await a.request('POST', '/api/sync-requests', { rawBody: '{"channel": pos' });
    expect(garbage.status).toBe(400);
    expect(garbage.body.detail).toMatch(/not valid JSON/);
  });

  it('serves its OpenAPI document and a docs page that loads offline', async () => {
    const anonymous = apiClient(system.apiUrl);
    const doc = await anonymous.get<{ openapi: string; paths: Record<string, unknown> }>('/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/sync-requests/{id}/retry-failed');
    const page = await anonymous.get<string>('/docs');
    expect(page.headers.get('content-type')).toContain('text/html');
    for (const asset of String(page.body).match(/\/docs\/assets\/[\w.-]+/g) ?? []) {
      const res = await fetch(`${system.apiUrl}${asset}`);
      expect(res.status).toBe(200);
    }
    expect(String(page.body)).not.toMatch(/https?:\/\//);
  });
});
