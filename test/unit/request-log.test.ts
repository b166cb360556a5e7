import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { errorHandler } from '../../src/api/errors';
import { requestIds, requestLogLevel, requestLogging } from '../../src/api/observability';
import { NotFound } from '../../src/errors';
import { createLogger } from '../../src/logger';
import type { Level } from '../../src/logger';
import { serveApp } from '../support/api';

type Line = Record<string, unknown> & { level: string; msg: string };

/**
 * The API's request log: one line per answered request, at a level an operator can live with while a platform
 * polls a request's progress hundreds of times a second (docs/operations.md, "Logs").
 */
describe('the request log', () => {
  /** An app with the API's request ids and log, answering a read, a refusal, a bug, a write and a probe. */
  async function served(level: Level) {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'request-log-')), 'log.ndjson');
    const log = createLogger('api', level, file);
    const app = express();
    app.use(requestIds(), requestLogging(log));
    app.get('/healthz', (_req, res) => void res.json({ ok: true }));
    app.get('/api/sync-requests/sr_1', (_req, res) => {
      res.locals.businessId = 'biz_log';
      res.json({ id: 'sr_1', state: 'running' });
    });
    app.get('/api/sync-requests/sr_2', (_req, _res, next) => next(new NotFound('Sync request "sr_2"')));
    app.get('/api/boom', () => {
      throw new Error('a bug');
    });
    app.post('/api/sync-requests', (_req, res) => void res.status(202).json({ id: 'sr_3' }));
    app.get('/xero/callback', (_req, res) => void res.json({ connected: true }));
    app.use(errorHandler(log));
    const server = await serveApp(app);
    const lines = async (count: number): Promise<Line[]> => {
      // Each line is written when its answer finishes, which may come a moment after the client has it.
      for (let waited = 0; waited < 2000; waited += 20) {
        const text = readFileSync(file, 'utf8').trim();
        const all = text ? text.split('\n').map((l) => JSON.parse(l) as Line) : [];
        const requests = all.filter((l) => 'req' in l);
        if (requests.length >= count) return requests;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`fewer than ${count} request lines in ${file}`);
    };
    const call = (p: string, init?: RequestInit) =>
      fetch(`${server.url}${p}`, { headers: { 'x-request-id': `t-${p.length}` }, ...init }).then((r) =>
        r.arrayBuffer().then(() => r.status),
      );
    return { server, lines, call };
  }

  it('at info: a 200 poll is not logged; a refused read, a failure, a write and a GET that writes are', async () => {
    const { server, lines, call } = await served('info');
    try {
      for (let i = 0; i < 5; i++) expect(await call('/api/sync-requests/sr_1')).toBe(200);
      expect(await call('/healthz')).toBe(200);
      expect(await call('/api/sync-requests/sr_2')).toBe(404);
      expect(await call('/api/boom')).toBe(500);
      expect(await call('/api/sync-requests', { method: 'POST' })).toBe(202);
      expect(await call('/xero/callback?code=secret-code&state=secret-state')).toBe(200);
      const logged = await lines(4);
      expect(logged.map((l) => [l.level, l.msg])).toEqual([
        ['info', 'GET /api/sync-requests/sr_2 404'],
        ['error', 'GET /api/boom 500'],
        ['info', 'POST /api/sync-requests 202'],
        ['info', 'GET /xero/callback?code=%5Bredacted%5D&state=%5Bredacted%5D 200'],
      ]);
      expect(logged[0]).toMatchObject({
        reqId: 't-23',
        req: { id: 't-23', method: 'GET', url: '/api/sync-requests/sr_2' },
        res: { statusCode: 404 },
      });
      expect(typeof logged[0]!.responseTime).toBe('number');
      expect(JSON.stringify(logged)).not.toContain('secret-');
    } finally {
      await server.close();
    }
  });

  it('at debug: each 200 poll is logged, with its id, business and time', async () => {
    const { server, lines, call } = await served('debug');
    try {
      expect(await call('/api/sync-requests/sr_1')).toBe(200);
      const [line] = await lines(1);
      expect(line).toMatchObject({
        level: 'debug',
        msg: 'GET /api/sync-requests/sr_1 200',
        reqId: 't-23',
        businessId: 'biz_log',
        req: { method: 'GET', url: '/api/sync-requests/sr_1' },
        res: { statusCode: 200 },
      });
    } finally {
      await server.close();
    }
  });

  it('chooses the level from the method, the status and whether the answer failed', () => {
    expect(requestLogLevel('GET', '/api/sync-requests/sr_1', 200, false)).toBe('debug');
    expect(requestLogLevel('HEAD', '/manual-sync', 200, false)).toBe('debug');
    expect(requestLogLevel('GET', '/manual-sync/open', 303, false)).toBe('info');
    expect(requestLogLevel('GET', '/xero/callback', 200, false)).toBe('info');
    expect(requestLogLevel('GET', '/api/sync-requests/sr_1', 401, false)).toBe('info');
    expect(requestLogLevel('POST', '/api/sync-requests', 202, false)).toBe('info');
    expect(requestLogLevel('GET', '/api/sync-requests/sr_1', 503, false)).toBe('warn');
    expect(requestLogLevel('GET', '/api/sync-requests/sr_1', 500, false)).toBe('error');
    expect(requestLogLevel('GET', '/api/sync-requests/sr_1', 200, true)).toBe('error');
  });
});
