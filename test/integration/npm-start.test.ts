import { execFile } from 'node:child_process';
import { rangeUtc } from '../../src/calendar';
import net from 'node:net';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createPool } from '../../src/db/pool';
import type { Db } from '../../src/db/pool';
import type { Order } from '../../src/orders/schema';
import { startXeroSim } from '../../src/xero-sim';
import type { RunningXeroSim } from '../../src/xero-sim';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID } from '../../src/xero-sim';
import { apiClient } from '../support/api';
import type { ApiClient } from '../support/api';
import { expectExactlyOnce, simInvoices } from '../support/orders';
import { removeScratch, runNpm, scratchEnv } from '../support/npm-start';
import type { NpmProcess } from '../support/npm-start';
import { eventually } from '../support/system';
import { CLI_ENTRY } from '../support/cli';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

/** True when something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * `npm start` as a newcomer runs it: supervision of its children (a killed worker and a killed PostgreSQL come
 * back by themselves, and the request completes exactly once), an external Xero with no simulator and the CLI
 * beside it using the generated key, and `npm run db` alone.
 */
describe('npm start', () => {
  jest.setTimeout(600_000);

  describe('supervises its children (simulated Xero, real 60 s pacing)', () => {
    let start: NpmProcess;
    let api: ApiClient;
    let db: Db;
    let simUrl: string;
    beforeAll(async () => {
      const { env, dataDir } = await scratchEnv();
      start = runNpm('start', env, dataDir);
      await start.waitFor(/Demo API key: +(xms_\S+)/, 300_000);
      api = apiClient(
        `http://127.0.0.1:${env.API_PORT}`,
        readFileSync(path.join(dataDir, 'demo-api-key'), 'utf8').trim(),
      );
      db = createPool(`postgres://postgres:postgres@127.0.0.1:${env.EMBEDDED_PG_PORT}/xero_manual_sync`, 2);
      simUrl = `http://127.0.0.1:${env.XERO_SIM_PORT}`;
      // The banner waits for the API's liveness; readiness (PostgreSQL and Temporal checked) may come a moment later.
      await eventually(async () => (await api.get('/readyz').catch(() => null))?.status === 200, 60_000);
    });
    afterAll(async () => {
      await db?.end();
      expect(await start?.stop()).toBe(0);
      if (start) removeScratch(start.dataDir);
    });

    /** Submits a POS request over `days` local days ending `endDaysAgo` days ago; waits until it has begun. */
    const submit = async (endDaysAgo: number, days: number) => {
      const end = new Date(Date.now() - endDaysAgo * 86_400_000);
      const body = {
        channel: 'pos',
        locationId: 'all',
        startDate: isoDay(new Date(end.getTime() - (days - 1) * 86_400_000)),
        endDate: isoDay(end),
        contactMapping: { mode: 'auto' },
      };
      const res = await api.post('/api/sync-requests', body);
      expect(res.status).toBe(202);
      return { id: String(res.body.id), ...body };
    };
    const progressOf = async (id: string) =>
      (
        await api.get<{ state: string; xeroCalls: number; counts: { synced: number; found: number } }>(
          `/api/sync-requests/${id}`,
        )
      ).body;
    const finished = (id: string) =>
      eventually(async () => {
        const p = await progressOf(id).catch(() => null);
        return p && ['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(p.state)
          ? p
          : null;
      }, 300_000);
    const ordersOf = async (r: { startDate: string; endDate: string }) => {
      const { fromUtc, toUtcExclusive } = rangeUtc(r.startDate, r.endDate, 'Asia/Singapore');
      const { rows } = await db.query<{ payload: Order }>(
        `SELECT payload FROM orders WHERE business_id = 'biz_demo' AND channel = 'pos'
           AND placed_at >= $1 AND placed_at < $2`,
        [fromUtc, toUtcExclusive],
      );
      return rows.map((r) => r.payload);
    };
    const requests: Array<{ startDate: string; endDate: string }> = [];

    it("prints a single-use page link that opens the demo business's Manual Syncing page", async () => {
      const [, link] = await start.waitFor(/Manual Syncing: +(http\S+\/manual-sync\/open\?token=\S+)/);
      const opened = await fetch(link!, { redirect: 'manual' });
      expect(opened.status).toBe(303);
      expect(opened.headers.get('location')).toBe('/manual-sync');
      const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
      const page = await fetch(new URL('/manual-sync', link), { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Manual Syncing');
      // The business the session belongs to: the demo's, and no other.
      const history = await fetch(new URL('/api/sync-requests', link), { headers: { cookie } });
      expect(history.status).toBe(200);
      // Used once: the same link is refused, with a page saying what to do.
      const again = await fetch(link!, { redirect: 'manual' });
      expect(again.status).toBe(401);
      const refused = await again.text();
      expect(refused).toContain('Link already used');
      expect(refused).toContain('Open Manual Syncing again from your platform');
    });

    it('CLI commands beside it (no XERO_* in their shell) reach its simulator, and say so; the banner says they do', async () => {
      expect(start.lines.join('\n')).toContain(
        '[start] CLI:             npm run cli -- … beside this npm start uses this simulator too',
      );
      expect(Object.keys(start.env).filter((k) => k.startsWith('XERO_') && k !== 'XERO_SIM_PORT')).toEqual(
        [],
      );
      // A Custom Connection that exists only in npm start's simulator: identity.xero.com would refuse it.
      const sim = (path: string, body: unknown) =>
        fetch(`${simUrl}/__sim/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then(async (r) => (await r.json()) as { tenantId: string });
      const { tenantId } = await sim('tenants', { name: 'Beside Ltd' });
      await sim('clients', {
        clientId: 'beside-cc',
        clientSecret: 'beside-secret',
        customConnectionTenantId: tenantId,
      });
      const cli = (...args: string[]) =>
        run(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], { cwd: root, env: start.env }).then(
          (r) => ({ code: 0, ...r }),
          (err: { code: number; stdout: string; stderr: string }) => err,
        );
      expect((await cli('business', 'create', '--id', 'biz_beside', '--name', 'Beside')).code).toBe(0);
      const connected = await cli(
        'business',
        'connect-custom',
        '--business',
        'biz_beside',
        '--client-id',
        'beside-cc',
        '--client-secret',
        'beside-secret',
      );
      expect(connected.stderr).toBe('');
      expect(connected.code).toBe(0);
      expect(connected.stdout).toContain(`Xero: the LOCAL SIMULATOR of the npm start running here`);
      expect(connected.stdout).toContain(`at ${simUrl}, NOT Xero.`);
      expect(connected.stdout).toContain(`Beside Ltd (${tenantId}) through a Custom Connection`);
    });

    it('a killed worker is restarted, logged, and the request it was running completes exactly once', async () => {
      const workerPid = Number((await start.waitFor(/\[start\] worker: started \(pid (\d+)\)/))[1]);
      const request = await submit(20, 4);
      requests.push(request);
      await eventually(async () => (await progressOf(request.id)).xeroCalls >= 1, 120_000);
      process.kill(workerPid, 'SIGKILL');
      await start.waitFor(
        /\[start\] worker: exited unexpectedly \(signal SIGKILL\); restarting in 1 s \(attempt 1 of 5\)/,
      );
      await start.waitFor(/\[start\] worker: restarted \(pid \d+\)/);
      const done = await finished(request.id);
      expect(done.state).toBe('completed');
      expectExactlyOnce(await ordersOf(request), await simInvoices(simUrl, DEMO_TENANT_ID));
    });

    it('a killed PostgreSQL is restarted, logged, and the request running meanwhile completes exactly once', async () => {
      const postgresPid = Number((await start.waitFor(/\[start\] PostgreSQL: started \(pid (\d+)\)/))[1]);
      const request = await submit(40, 4);
      requests.push(request);
      await eventually(async () => (await progressOf(request.id)).xeroCalls >= 1, 120_000);
      process.kill(postgresPid, 'SIGKILL');
      await start.waitFor(/\[start\] PostgreSQL: exited unexpectedly \(signal SIGKILL\); restarting in/);
      await start.waitFor(/\[start\] PostgreSQL: restarted \(pid \d+\)/, 120_000);
      const done = await finished(request.id);
      expect(done.state).toBe('completed');
      const orders = [...(await ordersOf(requests[0]!)), ...(await ordersOf(request))];
      expectExactlyOnce(orders, await simInvoices(simUrl, DEMO_TENANT_ID));
      // Neither crash stopped the system: both children were restarted, nothing was given up on.
      expect(start.lines.filter((l) => /Giving up|stopping/.test(l))).toEqual([]);
    });
  });

  describe('with an external Xero (only XERO_API_URL and XERO_IDENTITY_URL set)', () => {
    let xero: RunningXeroSim;
    let start: NpmProcess;
    let answeredAtBanner: boolean;
    beforeAll(async () => {
      xero = await startXeroSim({ port: 0 });
      const { env, dataDir } = await scratchEnv({ XERO_API_URL: '', XERO_IDENTITY_URL: '' });
      env.XERO_API_URL = xero.apiUrl;
      env.XERO_IDENTITY_URL = xero.identityUrl;
      start = runNpm('start', env, dataDir);
      await start.waitFor(/Press Ctrl-C|Ctrl-C stops everything/, 300_000);
      answeredAtBanner = await listening(Number(start.env.API_PORT));
    });
    afterAll(async () => {
      expect(await start?.stop()).toBe(0);
      if (start) removeScratch(start.dataDir);
      await xero?.close();
    });

    it('prints its banner only once the API listens, so the curl it suggests works at once', () => {
      expect(answeredAtBanner).toBe(true);
    });

    it('starts no simulator, and says which Xero it talks to and why', async () => {
      expect(await listening(Number(start.env.XERO_SIM_PORT))).toBe(false);
      const said = start.lines.join('\n');
      expect(said).toContain(
        `Xero:            ${xero.apiUrl} (identity ${xero.identityUrl}), because XERO_API_URL, XERO_IDENTITY_URL are set; no simulator.`,
      );
      expect(said).toMatch(/No OAuth app \(XERO_CLIENT_ID\): businesses connect with a Custom Connection/);
      expect(said).toContain(
        '[start] CLI:             npm run cli -- … beside this npm start uses this Xero too',
      );
      expect(said).not.toMatch(/LOCAL SIMULATOR|Demo data/);
    });

    it('business connect-custom works beside it with the key npm start generated (no TOKEN_ENCRYPTION_KEY)', async () => {
      const cli = (...args: string[]) =>
        run(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], { cwd: root, env: start.env }).then(
          (r) => ({ code: 0, ...r }),
          (err: { code: number; stdout: string; stderr: string }) => err,
        );
      expect(start.env.TOKEN_ENCRYPTION_KEY).toBeUndefined();
      expect(
        (
          await cli(
            'business',
            'create',
            '--id',
            'biz_ext',
            '--name',
            'External',
            '--time-zone',
            'Asia/Singapore',
          )
        ).code,
      ).toBe(0);
      const connected = await cli(
        'business',
        'connect-custom',
        '--business',
        'biz_ext',
        '--client-id',
        DEMO_CLIENT_ID,
        '--client-secret',
        DEMO_CLIENT_SECRET,
      );
      expect(connected.stderr).toBe('');
      expect(connected.code).toBe(0);
      expect(connected.stdout).toContain(`(${DEMO_TENANT_ID}) through a Custom Connection`);
      expect(connected.stdout).toContain(
        `Xero: ${xero.apiUrl} (identity ${xero.identityUrl}), because XERO_API_URL, XERO_IDENTITY_URL are set.`,
      );
      // In a shell without the XERO_* variables, the CLI still talks to the Xero this npm start uses.
      const bare = { ...start.env };
      delete bare.XERO_API_URL;
      delete bare.XERO_IDENTITY_URL;
      const beside = await run(
        process.execPath,
        [
          '--import',
          'tsx',
          CLI_ENTRY,
          'business',
          'connect-custom',
          '--business',
          'biz_ext',
          '--client-id',
          DEMO_CLIENT_ID,
          '--client-secret',
          DEMO_CLIENT_SECRET,
        ],
        { cwd: root, env: bare },
      );
      expect(beside.stdout).toContain(
        `Xero: ${xero.apiUrl} (identity ${xero.identityUrl}), as the npm start running here`,
      );
      expect(beside.stdout).toContain(`(${DEMO_TENANT_ID}) through a Custom Connection`);
      const key = (await cli('keys', 'create', '--business', 'biz_ext')).stdout.trim();
      // The API (started by npm start with the same generated key) reads that connection.
      const business = await apiClient(`http://127.0.0.1:${start.env.API_PORT}`, key).get('/api/business');
      expect(business.body).toMatchObject({
        xero: { status: 'active', kind: 'custom', tenantId: DEMO_TENANT_ID },
      });
    });
  });

  it('npm run db runs the embedded PostgreSQL alone, migrated, and stops on SIGTERM', async () => {
    const { env, dataDir } = await scratchEnv();
    const db = runNpm('db', env, dataDir);
    try {
      const url = (await db.waitFor(/^DATABASE_URL=(\S+)$/, 180_000))[1]!;
      expect(url).toBe(`postgres://postgres:postgres@127.0.0.1:${env.EMBEDDED_PG_PORT}/xero_manual_sync`);
      const pool = createPool(url, 1);
      try {
        const { rows } = await pool.query<{ name: string }>(
          'SELECT name FROM schema_migrations ORDER BY name',
        );
        expect(rows.map((r) => r.name)).toEqual(
          expect.arrayContaining(['001_foundation.sql', '009_order_imports.sql']),
        );
      } finally {
        await pool.end();
      }
      process.kill(-db.child.pid!, 'SIGTERM');
      expect(await db.stop()).toBe(0);
      expect(await listening(Number(env.EMBEDDED_PG_PORT))).toBe(false);
    } finally {
      await db.stop();
      removeScratch(dataDir);
    }
  });
});
