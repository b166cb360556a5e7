import http from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createApp } from '../../src/api/app';
import type { Order } from '../../src/orders/schema';
import type { WebhookEventPayload } from '../../src/webhooks/events';
import { apiClient, serveApp } from '../support/api';
import type { ApiClient } from '../support/api';
import { createBusiness, loadDemoOrders } from '../support/orders';
import { submitSync, syncResult } from '../support/requests';
import { eventually, startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Signed webhooks to the platform, end to end: a loopback receiver (allowed by WEBHOOK_ALLOW_PRIVATE_URLS, as
 * tests need), requests run by the real workflow against the simulator, deliveries by their own workflows on the
 * webhook task queue. Every event the receiver keeps is verified with the `standardwebhooks` package.
 */

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
  answered: number | null;
}

/** The platform's side: answers by path (/ok/*: 200; /flaky/*: 500 three times per webhook-id, then 200; /silent/*: never). */
async function startReceiver() {
  const received: Received[] = [];
  const tries = new Map<string, number>();
  const server: Server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Received = {
        path: req.url ?? '',
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        answered: null,
      };
      received.push(entry);
      if (entry.path.startsWith('/silent/')) return; // holds the connection, never answers
      const id = entry.headers['webhook-id'] ?? '';
      const n = (tries.get(`${entry.path} ${id}`) ?? 0) + 1;
      tries.set(`${entry.path} ${id}`, n);
      entry.answered = entry.path.startsWith('/flaky/') && n <= 3 ? 500 : 200;
      res.writeHead(entry.answered, { 'content-type': 'text/plain' }).end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Verifies a delivery as any Standard Webhooks receiver would; throws on a bad signature. */
function verified(r: Received, secret: string): WebhookEventPayload {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': r.headers['webhook-id']!,
    'webhook-timestamp': r.headers['webhook-timestamp']!,
    'webhook-signature': r.headers['webhook-signature']!,
  }) as WebhookEventPayload;
}

/** The events a receiver accepted (2xx), once per webhook-id, in the order they happened. */
function acceptedEvents(deliveries: Received[], secret: string): Array<WebhookEventPayload & { id: string }> {
  const byId = new Map<string, WebhookEventPayload & { id: string }>();
  for (const r of deliveries.filter((d) => d.answered === 200))
    byId.set(r.headers['webhook-id']!, { ...verified(r, secret), id: r.headers['webhook-id']! });
  return [...byId.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

interface Registered {
  id: string;
  secret: string;
  url: string;
}

async function register(api: ApiClient, url: string, events?: string[]): Promise<Registered> {
  const res = await api.post<Registered & { links: { self: string } }>('/api/webhook-endpoints', {
    url,
    ...(events ? { events } : {}),
    description: 'test receiver',
  });
  expect(res.status).toBe(201);
  expect(res.headers.get('location')).toBe(`/api/webhook-endpoints/${res.body.id}`);
  return res.body;
}

const RANGE = { from: '2025-06-02', to: '2025-06-03' };

describe('signed webhooks to the platform', () => {
  let system: TestSystem;
  let receiver: Receiver;
  beforeAll(async () => {
    system = await startTestSystem('webhooks', {
      sim: { timeScale: 60 },
      env: {
        XERO_WINDOW_MS: '1000',
        XERO_QUOTA_PROBE_MS: '5000',
        WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
        WEBHOOK_BACKOFF_INITIAL_MS: '200',
        WEBHOOK_ATTEMPT_TIMEOUT_MS: '1000',
      },
    });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
  });

  async function businessWithOrders(
    id: string,
    settings: Record<string, unknown> = {},
    ordersPerDay = 12,
  ): Promise<Order[]> {
    // One simulated organisation for every business here: each numbers its invoices apart.
    await createBusiness(system.database.db, id, { invoiceNumberTemplate: `${id}-{number}`, ...settings });
    return loadDemoOrders(system.database.db, { businessId: id, ...RANGE, ordersPerDay, channel: 'pos' });
  }

  const submit = (businessId: string) =>
    submitSync(system, { businessId, channel: 'pos', startDate: RANGE.from, endDate: RANGE.to });

  it('tells a completed request: submitted, running, completed, each signed so standardwebhooks verifies it', async () => {
    const orders = await businessWithOrders('biz_wh_done');
    const api = await system.api('biz_wh_done');
    const first = await register(api, `${receiver.url}/ok/done`);
    expect(first.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // Rotated before the request: its events carry two signatures, so the old secret and the new both verify.
    const rotated = await api.post<Registered>(`/api/webhook-endpoints/${first.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(first.secret);

    const id = await submit('biz_wh_done');
    const done = await syncResult(system, id);
    expect(done.state).toBe('completed');
    const delivered = await eventually(async () => {
      const got = acceptedEvents(receiver.at('/ok/done'), rotated.body.secret);
      return got.some((e) => e.type === 'sync_request.completed') && got;
    });

    expect(delivered.map((e) => e.type)).toEqual([
      'sync_request.submitted',
      'sync_request.running',
      'sync_request.completed',
    ]);
    const synced = orders.filter((o) => o.status !== 'voided').length;
    expect(delivered[0]!.data).toMatchObject({
      id,
      businessId: 'biz_wh_done',
      state: 'queued',
      expected: orders.length,
      counts: { synced: 0, failed: 0 },
    });
    expect(delivered[2]!.data).toMatchObject({
      id,
      state: 'completed',
      channel: 'pos',
      locationId: 'all',
      startDate: RANGE.from,
      endDate: RANGE.to,
      counts: { found: orders.length, synced, failed: 0, skipped: orders.length - synced },
      // Changes of orders already in Xero are counted apart (docs/revisions.md): none in this range.
      changes: { applied: 0, failed: 0 },
      resumeAt: null,
      lastError: null,
      links: { self: `/api/sync-requests/${id}`, orders: `/api/sync-requests/${id}/orders` },
    });
    for (const r of receiver.at('/ok/done')) {
      expect(verified(r, first.secret).data.id).toBe(id); // the previous secret still signs, for 24 hours
      expect(r.headers['webhook-signature']!.split(' ')).toHaveLength(2);
      expect(r.headers['content-type']).toBe('application/json');
      expect(() =>
        new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(r.body, r.headers),
      ).toThrow();
      expect(() =>
        verified({ ...r, body: r.body.replace('"data"', '"dato"') }, rotated.body.secret),
      ).toThrow();
    }
    // Exactly once as far as ids go: each event id accepted once, and ids differ between events.
    const ids = receiver.at('/ok/done').map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((i) => /^evt_[0-9a-f]{24}$/.test(i ?? ''))).toBe(true);
  });

  it('tells a quota wait: waiting_for_quota with resumeAt, then running again and completed', async () => {
    // The reserve keeps all but 3 calls of the day for the live sync (and one probe): the request stops early.
    await businessWithOrders('biz_wh_quota', { dailyQuotaReserve: 4997 }, 40);
    const api = await system.api('biz_wh_quota');
    const endpoint = await register(api, `${receiver.url}/ok/quota`);
    const id = await submit('biz_wh_quota');
    const waiting = await eventually(async () =>
      acceptedEvents(receiver.at('/ok/quota'), endpoint.secret).find(
        (e) => e.type === 'sync_request.waiting_for_quota',
      ),
    );
    expect(waiting.data.state).toBe('waiting_for_quota');
    expect(Date.parse(waiting.data.resumeAt!)).toBeGreaterThan(Date.parse(waiting.timestamp));
    expect(waiting.data.resumeAtIsReset).toBe(false);
    // The business gives up its reserve: when the wait ends, the request carries on.
    const patched = await api.request('PATCH', '/api/business/settings', { body: { dailyQuotaReserve: 0 } });
    expect(patched.status).toBe(200);
    expect((await syncResult(system, id)).state).toBe('completed');
    const delivered = await eventually(async () => {
      const got = acceptedEvents(receiver.at('/ok/quota'), endpoint.secret);
      return got.some((e) => e.type === 'sync_request.completed') && got;
    });
    expect(delivered.map((e) => e.type)).toEqual([
      'sync_request.submitted',
      'sync_request.running',
      'sync_request.waiting_for_quota',
      'sync_request.running',
      'sync_request.completed',
    ]);
  });

  it('tells a failed request: submitted, running, failed with the reason', async () => {
    await businessWithOrders('biz_wh_fail');
    const api = await system.api('biz_wh_fail');
    const endpoint = await register(api, `${receiver.url}/ok/fail`);
    // Xero refuses every write with a 403 (the connection is still listed): the request cannot get past it.
    await fetch(`${system.xero.baseUrl}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ faults: [{ errorRate: 1, errorStatus: 403 }] }),
    });
    try {
      const id = await submit('biz_wh_fail');
      await expect(syncResult(system, id)).rejects.toThrow();
      const delivered = await eventually(async () => {
        const got = acceptedEvents(receiver.at('/ok/fail'), endpoint.secret);
        return got.some((e) => e.type === 'sync_request.failed') && got;
      });
      expect(delivered.map((e) => e.type)).toEqual([
        'sync_request.submitted',
        'sync_request.running',
        'sync_request.failed',
      ]);
      expect(delivered[2]!.data).toMatchObject({ id, state: 'failed' });
      expect(delivered[2]!.data.lastError).toMatch(/403|forbidden/i);
    } finally {
      await fetch(`${system.xero.baseUrl}/__sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ faults: [] }),
      });
    }
  });

  it('retries a receiver that answers 500 three times: delivered once, 4 attempts in the log, backing off', async () => {
    await businessWithOrders('biz_wh_flaky');
    const api = await system.api('biz_wh_flaky');
    const endpoint = await register(api, `${receiver.url}/flaky/one`, ['sync_request.completed']);
    const id = await submit('biz_wh_flaky');
    expect((await syncResult(system, id)).state).toBe('completed');

    type Page = {
      deliveries: Array<{
        eventId: string;
        eventType: string;
        requestId: string;
        status: string;
        attemptCount: number;
        nextAttemptAt: string | null;
        attempts: Array<{ attempt: number; startedAt: string; statusCode: number | null }>;
      }>;
    };
    const log = await eventually(async () => {
      const res = await api.get<Page>(`/api/webhook-endpoints/${endpoint.id}/deliveries`);
      return res.body.deliveries[0]?.status === 'delivered' && res.body.deliveries;
    });
    expect(log).toHaveLength(1); // only the subscribed event
    const [delivery] = log;
    expect(delivery).toMatchObject({
      eventType: 'sync_request.completed',
      requestId: id,
      attemptCount: 4,
      nextAttemptAt: null,
    });
    expect(delivery!.attempts.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 200],
    ]);
    // Exponential backoff from 200 ms: at least 200, 400, 800 ms between attempts.
    const starts = delivery!.attempts.map((a) => Date.parse(a.startedAt));
    for (let i = 1; i < starts.length; i += 1)
      expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(200 * 2 ** (i - 1) - 20);

    // The receiver saw one id four times, answered 200 once, and nothing comes after the 200.
    await new Promise((r) => setTimeout(r, 2000));
    const seen = receiver.at('/flaky/one');
    expect(seen.map((r) => r.headers['webhook-id'])).toEqual(Array(4).fill(delivery!.eventId));
    expect(seen.map((r) => r.answered)).toEqual([500, 500, 500, 200]);
    expect(acceptedEvents(seen, endpoint.secret).map((e) => e.type)).toEqual(['sync_request.completed']);
  });

  it('does not slow the sync for a receiver that never answers: the request completes while deliveries retry', async () => {
    await businessWithOrders('biz_wh_silent');
    const api = await system.api('biz_wh_silent');
    const endpoint = await register(api, `${receiver.url}/silent/one`);
    const id = await submit('biz_wh_silent');
    // Were the sync to wait for its webhooks, it could never finish: this receiver answers nothing, ever.
    expect((await syncResult(system, id)).state).toBe('completed');

    type Page = {
      deliveries: Array<{
        eventType: string;
        status: string;
        attemptCount: number;
        nextAttemptAt: string | null;
        lastError: string | null;
        attempts: Array<{ startedAt: string; durationMs: number; error: string | null }>;
      }>;
    };
    const page = async () =>
      (await api.get<Page>(`/api/webhook-endpoints/${endpoint.id}/deliveries`)).body.deliveries;
    // Each state's event has its delivery, none of them delivered.
    const atCompletion = await page();
    expect(atCompletion.map((d) => d.eventType).sort()).toEqual([
      'sync_request.completed',
      'sync_request.running',
      'sync_request.submitted',
    ]);
    expect(atCompletion.every((d) => d.status === 'pending')).toBe(true);
    // They go on retrying after the request has ended: every one timed out at least once, the next try scheduled.
    const retrying = await eventually(async () => {
      const now = await page();
      return now.every((d) => d.attemptCount >= 1) && now;
    });
    for (const d of retrying) {
      expect(d.status).toBe('pending');
      expect(d.lastError).toBe('no answer within 1000 ms');
      expect(d.nextAttemptAt).not.toBeNull();
    }
    // The request had ended before the first attempt of its first event had even given up on the receiver.
    const detail = await api.get<{ closedAt: string }>(`/api/sync-requests/${id}`);
    const submitted = retrying.find((d) => d.eventType === 'sync_request.submitted')!;
    const firstGaveUp = Date.parse(submitted.attempts[0]!.startedAt) + submitted.attempts[0]!.durationMs;
    expect(Date.parse(detail.body.closedAt)).toBeLessThan(firstGaveUp);
    expect(receiver.at('/silent/one').length).toBeGreaterThanOrEqual(3);
  });

  it('refuses loopback and plain http unless the deployment allows them; another business’s endpoints are 404', async () => {
    await createBusiness(system.database.db, 'biz_wh_a');
    await createBusiness(system.database.db, 'biz_wh_b');
    const a = await system.api('biz_wh_a');
    const b = await system.api('biz_wh_b');

    // This deployment (the flag on) accepts a loopback http URL…
    const own = await register(a, 'http://127.0.0.1:9/hooks');
    // …one in production shape (the flag off) refuses it, and every other private or loopback address.
    const strict = createApp({
      ...system.deps,
      temporal: system.temporal.client,
      cfg: { ...system.cfg, WEBHOOK_ALLOW_PRIVATE_URLS: false },
    });
    const served = await serveApp(strict);
    try {
      const prod = apiClient(served.url, await system.keyFor('biz_wh_a'));
      const refused = async (url: string, why: RegExp) => {
        const res = await prod.post<{ errors: Array<{ path: string; message: string }> }>(
          '/api/webhook-endpoints',
          {
            url,
          },
        );
        expect(res.status).toBe(400);
        expect(res.body.errors[0]).toMatchObject({ path: 'body.url', message: expect.stringMatching(why) });
      };
      await refused('http://127.0.0.1/hooks', /https/);
      await refused('https://127.0.0.1/hooks', /loopback/);
      await refused('https://localhost:8443/hooks', /loopback/);
      await refused('https://10.1.2.3/hooks', /private/);
      await refused('https://169.254.169.254/latest/meta-data', /linkLocal/);
      await refused('https://[::1]/hooks', /loopback/);
      await refused('https://[::ffff:192.168.1.1]/hooks', /private/);
      await refused('https://user:pass@93.184.216.34/hooks', /user name or password/);
    } finally {
      await served.close();
    }

    // The secret is shown once: never in a list or a read, and stored sealed.
    const listed = await a.get<{ endpoints: Array<Record<string, unknown>> }>('/api/webhook-endpoints');
    expect(listed.body.endpoints.map((e) => e.id)).toEqual([own.id]);
    expect(JSON.stringify(listed.body)).not.toContain(own.secret);
    expect(Object.keys(listed.body.endpoints[0]!)).not.toContain('secret');
    const { rows } = await system.database.db.query<{ secret_enc: string }>(
      'SELECT secret_enc FROM webhook_endpoints WHERE id = $1',
      [own.id],
    );
    expect(rows[0]!.secret_enc).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(rows[0]!.secret_enc).not.toContain(own.secret.slice(6));

    // Another business sees none of it.
    expect((await b.get<{ endpoints: unknown[] }>('/api/webhook-endpoints')).body.endpoints).toEqual([]);
    expect((await b.get(`/api/webhook-endpoints/${own.id}`)).status).toBe(404);
    expect((await b.get(`/api/webhook-endpoints/${own.id}/deliveries`)).status).toBe(404);
    expect((await b.post(`/api/webhook-endpoints/${own.id}/rotate-secret`)).status).toBe(404);
    expect((await b.request('DELETE', `/api/webhook-endpoints/${own.id}`)).status).toBe(404);
    expect((await a.get(`/api/webhook-endpoints/${own.id}`)).status).toBe(200);
    // Its owner deletes it.
    expect((await a.request('DELETE', `/api/webhook-endpoints/${own.id}`)).status).toBe(204);
    expect((await a.get(`/api/webhook-endpoints/${own.id}`)).status).toBe(404);
  });
});
