import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { apiEnv, waitUntilReady } from '../support/api-process';
import { createBusiness, expectExactlyOnce, loadDemoOrders, simInvoices } from '../support/orders';
import { freePort } from '../support/ports';
import { syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { LOGS_ON_STDOUT, exited, keepInTestLog, stopWorker, workerEnv } from '../support/worker-process';

const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);
// Exactly `npm run build`: dist/ (left in place afterwards, as CI's build step leaves it).
const out = path.join(root, 'dist');
const bundle = path.join(out, 'workflow-bundle.js');

/** A compiled entry point as its own process, its output kept for the assertions. */
function spawnBuilt(entry: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  const child = spawn(process.execPath, ['--enable-source-maps', path.join(out, entry), ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
  keepInTestLog(child.stdout);
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  return { child, output: () => output.join('') };
}

/** `node dist/src/healthcheck.js …`, the containers' health check: its exit code. */
async function healthcheck(env: NodeJS.ProcessEnv, target: string): Promise<number> {
  const res = await run(process.execPath, [path.join(out, 'src/healthcheck.js'), target], {
    cwd: root,
    env,
  }).catch((err: { code: number }) => err);
  return 'code' in res ? res.code : 0;
}

describe('production build', () => {
  let system: TestSystem;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    const built = await run('npm', ['run', 'build'], { cwd: root });
    expect(built.stdout).toContain('Built dist in');
    system = await startTestSystem('build', {
      sim: { timeScale: 60 },
      env: { XERO_WINDOW_MS: '1000' },
      worker: false,
    });
  }, 180_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) await stopWorker(c);
    await system?.stop();
  });

  it('writes the compiled service, its migrations and one workflow bundle, and nothing of the tests', () => {
    for (const entry of [
      'src/worker.js',
      'src/api/main.js',
      'src/cli/main.js',
      'src/xero-sim/main.js',
      'src/healthcheck.js',
    ])
      expect(existsSync(path.join(out, entry))).toBe(true);
    expect(existsSync(bundle)).toBe(true);
    const sql = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.sql'));
    expect(sql(path.join(out, 'src/db/migrations'))).toEqual(sql(path.join(root, 'src/db/migrations')));
    expect(readdirSync(out).sort()).toEqual(['activities', 'src', 'workflow-bundle.js', 'workflows']);
  });

  it('replays every released workflow history against the built bundle', async () => {
    const dir = path.join(root, 'test/fixtures/histories');
    const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(fixtures.length).toBeGreaterThan(0);
    for (const fixture of fixtures) {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'test/support/replay-history.ts', path.join(dir, fixture), '--bundle', bundle],
        { cwd: root },
      );
      expect(stdout).toContain(`against ${bundle}`);
    }
  });

  it('runs the compiled worker from the pre-built bundle: it serves its health, syncs a request end to end and never bundles at start', async () => {
    const port = await freePort();
    const env = workerEnv(system.cfg, {
      WORKER_HTTP_PORT: String(port),
      LOG_LEVEL: 'info',
      ...LOGS_ON_STDOUT,
    });
    const worker = spawnBuilt('src/worker.js', env);
    children.push(worker.child);
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, worker.child);
    const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as Record<string, unknown>;
    expect(ready).toMatchObject({
      status: 'ready',
      checks: { worker: 'ok', postgres: 'ok', temporal: 'ok' },
    });
    expect(await healthcheck(env, 'worker')).toBe(0);

    const businessId = 'biz_build';
    await createBusiness(system.database.db, businessId);
    const orders = await loadDemoOrders(system.database.db, {
      businessId,
      from: '2025-03-01',
      to: '2025-03-03',
      ordersPerDay: 30,
      seed: 16,
    });
    const { result } = await syncToEnd(system, {
      businessId,
      channel: 'pos',
      startDate: '2025-03-01',
      endDate: '2025-03-03',
    });
    expect(result.state).toBe('completed');
    const pos = orders.filter((o) => o.channel === 'pos');
    expect(result.counts.found).toBe(pos.length);
    expectExactlyOnce(pos, await simInvoices(system.xero.baseUrl));

    expect(worker.output()).toContain(`"workflows":"bundle ${bundle}"`);
    expect(worker.output()).not.toContain('Workflow bundle created');
    await stopWorker(worker.child);
    expect(worker.child.exitCode).toBe(0);
    expect(await healthcheck(env, 'worker')).toBe(1);
  }, 120_000);

  it('bundles at start only when the worker runs from its sources (the control for "never bundles")', async () => {
    const worker = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/worker.ts')], {
      cwd: root,
      env: workerEnv(system.cfg, {
        LOG_LEVEL: 'info',
        ...LOGS_ON_STDOUT,
        TEMPORAL_TASK_QUEUE: `${system.cfg.TEMPORAL_TASK_QUEUE}-src`,
      }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(worker);
    keepInTestLog(worker.stdout);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      worker.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        if (output.includes('Worker started')) resolve();
      });
      worker.once('exit', () => reject(new Error(`the worker exited: ${output}`)));
    });
    expect(output).toContain('Workflow bundle created');
    expect(output).toContain('"workflows":"sources"');
    await stopWorker(worker);
  }, 120_000);

  it('runs the compiled API, and its container health check passes', async () => {
    const port = await freePort();
    const env = apiEnv(system.cfg, port);
    const api = spawnBuilt('src/api/main.js', env);
    children.push(api.child);
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, api.child);
    expect(await healthcheck(env, 'api')).toBe(0);
    await stopWorker(api.child);
    expect(await healthcheck(env, 'api')).toBe(1);
  }, 60_000);

  it('stops a compiled worker without its bundle before it connects anywhere, saying how to build it', async () => {
    renameSync(bundle, `${bundle}.away`);
    try {
      // Nothing listens on port 9: had it tried Temporal first, it would say so instead.
      const worker = spawnBuilt('src/worker.js', workerEnv(system.cfg, { TEMPORAL_ADDRESS: '127.0.0.1:9' }));
      children.push(worker.child);
      await exited(worker.child);
      expect(worker.child.exitCode).toBe(1);
      expect(worker.output()).toContain(`${bundle} is missing: build with \`npm run build\``);
    } finally {
      renameSync(`${bundle}.away`, bundle);
    }
  });
});
