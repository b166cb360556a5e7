import http from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScheduleNotFoundError } from '@temporalio/client';
import { Webhook } from 'standardwebhooks';
import { unconnectedBusiness } from '../support/businesses';
import { KEEPALIVE_EVERY_MS, keepAliveScheduleId } from '../../src/definitions';
import { ensureKeepAliveSchedule } from '../../src/temporal/keep-alive-schedule';
import type { ConnectionEventPayload } from '../../src/webhooks/events';
import { XeroConnections } from '../../src/xero/connections';
import { ConnectionNeedsReconnect } from '../../src/xero/tokens';
import { eventually, startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import {
  connectThroughOAuth,
  identityStats,
  storedConnection,
  testCipher,
  WEB_APP,
  WEB_APP_ENV,
} from '../support/xero-connect';

const DAY_MS = 86_400_000;

/**
 * Xero expires a refresh token unused for 60 days. The keep-alive refreshes every OAuth connection idle for 30
 * days, so a business that syncs rarely stays connected; one Xero refuses becomes needs_reconnect and is told to
 * the business's webhook endpoints. Time is moved on both sides: the simulator's clock, and the token
 * provider's ("now" injected).
 */
describe('the Xero keep-alive', () => {
  let system: TestSystem;
  let simDays = 0;
  const received: Array<{ headers: Record<string, string>; body: string }> = [];
  let receiver: Server;
  let receiverUrl: string;

  /** Moves the simulator's clock; `connections()` then runs on the same day. */
  const advanceDays = (days: number) => {
    system.xero.sim.advanceClock(days * 86_400);
    simDays += days;
  };
  /** The connections as a process living `simDays` days from now would see them. */
  const connections = () =>
    new XeroConnections({
      db: system.database.db,
      cipher: testCipher(),
      identityUrl: system.xero.identityUrl,
      apiUrl: system.xero.apiUrl,
      timeoutMs: 5000,
      app: WEB_APP,
      redirectUri: system.cfg.xeroRedirectUri,
      scopes: system.cfg.xeroScopes,
      now: () => Date.now() + simDays * DAY_MS,
    });
  const connected = async (businessId: string) => {
    await unconnectedBusiness(system.database.db, businessId, { timeZone: 'UTC' });
    const tenantId = system.xero.sim.createTenant({ name: `${businessId} Ltd` }).tenantId;
    const done = await connectThroughOAuth(system, businessId, tenantId);
    expect(done.status).toBe(200);
    return tenantId;
  };
  const refreshes = async () => (await identityStats(system)).tokenRequests['refresh_token 200'] ?? 0;

  beforeAll(async () => {
    system = await startTestSystem('xero-keep-alive', {
      env: {
        ...WEB_APP_ENV,
        WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
        WEBHOOK_BACKOFF_INITIAL_MS: '200',
      },
    });
    system.xero.sim.createClient({ ...WEB_APP, appName: 'Manual Sync' });
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await system?.stop();
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
  });

  it('refreshes a connection idle for 50 days, so it is still connected on day 100 and its token works', async () => {
    const tenantId = await connected('biz_rare');
    advanceDays(50);
    const before = await refreshes();
    const day50 = await connections().keepAlive(30);
    expect(day50.refreshed).toBeGreaterThanOrEqual(1);
    expect(await refreshes()).toBe(before + day50.refreshed);
    const stored = await storedConnection(system.database.db, 'biz_rare');
    expect(stored.refreshedAt!.getTime()).toBeGreaterThan(Date.now() + 49 * DAY_MS);
    // Ten days later nothing is idle for 30 days: no call to Xero.
    advanceDays(10);
    const day60 = await connections().keepAlive(30);
    expect(day60).toEqual({ idle: 0, refreshed: 0, needsReconnect: 0, failed: 0 });
    advanceDays(40);
    expect((await connections().keepAlive(30)).refreshed).toBeGreaterThanOrEqual(1);
    expect((await storedConnection(system.database.db, 'biz_rare')).status).toBe('active');
    // A sync on day 100 gets a token Xero takes.
    const token = await connections().tokens.accessToken('biz_rare');
    const res = await fetch(`${system.xero.apiUrl}/Accounts`, {
      headers: { authorization: `Bearer ${token}`, 'xero-tenant-id': tenantId, accept: 'application/json' },
    });
    expect(res.status).toBe(200);
  });

  it('without the keep-alive (0 days), a connection unused for 61 days is expired at its next sync: needs_reconnect', async () => {
    await connected('biz_idle');
    advanceDays(61);
    expect(await connections().keepAlive(0)).toEqual({ idle: 0, refreshed: 0, needsReconnect: 0, failed: 0 });
    const refused = await connections()
      .tokens.accessToken('biz_idle')
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConnectionNeedsReconnect);
    const stored = await storedConnection(system.database.db, 'biz_idle');
    expect(stored.status).toBe('needs_reconnect');
    expect(stored.lastError).toContain('Xero refused the refresh token (invalid_grant)');
  });

  it('its Temporal Schedule runs it on the worker: idle connections refreshed, a refused one needs_reconnect, told once to the webhook endpoint and on the page’s connection', async () => {
    await connected('biz_revoked');
    await connected('biz_healthy');
    const api = await system.api('biz_revoked');
    const endpoint = await api.post<{ secret: string }>('/api/webhook-endpoints', {
      url: receiverUrl,
      events: ['xero_connection.needs_reconnect'],
    });
    expect(endpoint.status).toBe(201);
    // biz_revoked's refresh token is revoked in Xero; both have gone 31 days without a refresh (the worker's
    // clock is the real one here).
    const revoked = await storedConnection(system.database.db, 'biz_revoked');
    system.xero.sim.identity.revokeRefreshToken(revoked.refreshToken!);
    await system.database.db.query(
      `UPDATE xero_connections SET refreshed_at = now() - interval '31 days'
       WHERE business_id IN ('biz_revoked', 'biz_healthy')`,
    );
    const taskQueue = system.cfg.TEMPORAL_TASK_QUEUE;
    expect(await ensureKeepAliveSchedule(system.temporal.client, { taskQueue, enabled: true })).toBe(
      'created',
    );
    expect(await ensureKeepAliveSchedule(system.temporal.client, { taskQueue, enabled: true })).toBe(
      'updated',
    );
    const schedule = system.temporal.client.schedule.getHandle(keepAliveScheduleId(taskQueue));
    const described = await schedule.describe();
    expect(described.spec.intervals?.[0]?.every).toBe(KEEPALIVE_EVERY_MS);
    await schedule.trigger();

    const healthy = await eventually(async () => {
      const c = await storedConnection(system.database.db, 'biz_healthy');
      return c.refreshedAt! > new Date(Date.now() - 60_000) ? c : null;
    }, 60_000);
    expect(healthy.status).toBe('active');
    const told = await eventually(async () => received.length > 0 && received, 60_000);
    const event = new Webhook(endpoint.body.secret).verify(told[0]!.body, {
      'webhook-id': told[0]!.headers['webhook-id']!,
      'webhook-timestamp': told[0]!.headers['webhook-timestamp']!,
      'webhook-signature': told[0]!.headers['webhook-signature']!,
    }) as ConnectionEventPayload;
    expect(event).toMatchObject({
      type: 'xero_connection.needs_reconnect',
      data: {
        businessId: 'biz_revoked',
        status: 'needs_reconnect',
        kind: 'oauth',
        lastError: expect.stringContaining('Xero refused the refresh token when the keep-alive used it'),
        links: { connect: '/xero/connect?business=biz_revoked' },
      },
    });
    expect(told[0]!.body).not.toMatch(/sim_at_|sim_rt_/);
    // What the page's connection banner shows (the same view as GET /api/business).
    const business = await api.get<{ xero: { status: string; lastError: string } }>('/api/business');
    expect(business.body.xero).toMatchObject({
      status: 'needs_reconnect',
      lastError: expect.stringContaining('keep-alive'),
    });

    // A second run tells no one again: the event's id is the change's.
    const runs = async () => (await schedule.describe()).info.recentActions.length;
    const before = await runs();
    await schedule.trigger();
    await eventually(async () => (await runs()) > before, 60_000);
    await eventually(async () => {
      const recent = (await schedule.describe()).info.recentActions.at(-1)!;
      const run = system.temporal.client.workflow.getHandle(
        recent.action.workflow.workflowId,
        recent.action.workflow.firstExecutionRunId,
      );
      return (await run.describe()).status.name === 'COMPLETED';
    }, 60_000);
    const events = await system.database.db.query(
      `SELECT id FROM webhook_events WHERE business_id = 'biz_revoked'`,
    );
    expect(events.rowCount).toBe(1);
    expect(received).toHaveLength(1);

    expect(await ensureKeepAliveSchedule(system.temporal.client, { taskQueue, enabled: false })).toBe(
      'deleted',
    );
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  }, 120_000);
});
