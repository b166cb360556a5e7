/**
 * What one progress read costs, in CPU rather than wall time (so other load on the machine does not move it):
 * P5's setup (half a year of POS orders syncing at the simulator's pace, 50 clients polling
 * GET /api/sync-requests/:id every 250 ms from a process of their own, through an API process of its own), measuring
 * over the polled stretch the API process's CPU (user + system, from /proc), the CPU of its PostgreSQL backends
 * (found by the pool's application_name), its statements (counted by scripts/bench/count-statements.ts, loaded
 * into the API process) and the reads it answered (its /metrics), then per read.
 *
 *   npx tsx scripts/bench/read-probe.ts                  # one run, API at LOG_LEVEL=error (as the bench runs it)
 *   PROBE_LOG_LEVEL=info npx tsx scripts/bench/read-probe.ts   # the production default: request lines written
 *   PROBE_CPU_PROF=dir npx tsx scripts/bench/read-probe.ts     # and a CPU profile of the API process in dir
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import globalSetup from '../../test/support/global-setup';
import { startTestSystem } from '../../test/support/system';
import type { TestSystem } from '../../test/support/system';
import { quietTemporalRuntime } from '../../test/support/harness';
import { spawnWorker, stopWorker, workerEnv } from '../../test/support/worker-process';
import { apiEnv, waitUntilReady } from '../../test/support/api-process';
import { freePort } from '../../test/support/ports';
import { generateDemoOrders } from '../../src/orders/seed';
import { startPollers } from './pollers';
import { forBusiness, load, newOrg, percentile, result, submit } from './support';

const root = path.resolve(__dirname, '../..');
const TICK_MS = 1000 / 100; // USER_HZ: /proc's CPU times are in hundredths of a second on Linux

function cpuMsOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return undefined;
  }
}

/** The CPU of a set of processes that may come and go (PostgreSQL backends), summed over what each used. */
class CpuOfMany {
  private first = new Map<number, number>();
  private last = new Map<number, number>();
  sample(pids: number[]): void {
    for (const pid of pids) {
      const ms = cpuMsOf(pid);
      if (ms === undefined) continue;
      if (!this.first.has(pid)) this.first.set(pid, this.started ? 0 : ms);
      this.last.set(pid, ms);
    }
  }
  started = false;
  total(): number {
    let sum = 0;
    for (const [pid, end] of this.last) sum += end - (this.first.get(pid) ?? 0);
    return sum;
  }
}

async function backendPids(system: TestSystem, apiPid: number): Promise<number[]> {
  const { rows } = await system.database.db.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [`xero-manual-sync api ${apiPid}`],
  );
  return rows.map((r) => r.pid);
}

async function readsAnswered(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('http_requests_total{') && line.includes('route="/api/sync-requests/:id"'))
      n += Number(line.split(' ').pop());
  return n;
}

function statementsOf(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8'));
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  quietTemporalRuntime();
  await globalSetup();
  const servers = (globalThis as Record<string, unknown>).__xmsTestServers as {
    temporal: { stop(): Promise<void> };
    pg: { stop(): Promise<void> };
  };
  const system = await startTestSystem('read-probe', {
    sim: { timeScale: 60 },
    env: { XERO_WINDOW_MS: '1000', XERO_REQUEST_TIMEOUT_MS: '5000' },
    worker: false,
  });
  const workerPort = await freePort();
  const worker = spawnWorker(workerEnv(system.cfg, { WORKER_HTTP_PORT: String(workerPort) }));
  const apiPort = await freePort();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'read-probe-'));
  const countFile = path.join(scratch, 'statements');
  const prof = process.env.PROBE_CPU_PROF;
  const api = spawn(
    process.execPath,
    [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`] : []),
      '--import',
      'tsx',
      '--import',
      path.join(__dirname, 'count-statements.ts'),
      path.join(root, 'src/api/main.ts'),
    ],
    {
      cwd: root,
      env: {
        ...apiEnv(system.cfg, apiPort, { LOG_LEVEL: process.env.PROBE_LOG_LEVEL ?? 'error' }),
        PROBE_STATEMENTS_FILE: countFile,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  try {
    await Promise.all([
      waitUntilReady(`http://127.0.0.1:${workerPort}/readyz`, worker),
      waitUntilReady(`${apiUrl}/healthz`, api),
    ]);
    // A warm worker, as the bench's P5 has one (P1 to P4 ran before it).
    const warm = await newOrg(system, 'Probe warm');
    await load(system, pos(warm.businessId, 'probewarm', ['2025-01-01', '2025-02-28']));
    await result(system, await submit(system, warm, body(['2025-01-01', '2025-02-28'])));

    const org = await newOrg(system, 'Probe polled');
    const days = ['2025-01-01', '2025-06-29'];
    const orders = pos(org.businessId, 'probe', days);
    await load(system, orders);
    const key = await system.keyFor(org.businessId);
    const started = Date.now();
    const id = await submit(system, org, body(days));
    const url = `${apiUrl}/api/sync-requests/${id}`;
    for (let i = 0; i < 200; i++)
      await fetch(url, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.arrayBuffer());
    // The API's own CPU while nobody reads (its timers, the Temporal connection): taken off the reads' share.
    const idleFrom = { api: cpuMsOf(api.pid!)!, at: Date.now() };
    await new Promise((r) => setTimeout(r, 5000));
    const idleMsPerSecond = ((cpuMsOf(api.pid!)! - idleFrom.api) / (Date.now() - idleFrom.at)) * 1000;
    const pollers = await startPollers(key, Number(process.env.PROBE_CLIENTS ?? 50), 250);
    pollers.read(url);
    await new Promise((r) => setTimeout(r, 2000));
    const backends = new CpuOfMany();
    backends.sample(await backendPids(system, api.pid!));
    backends.started = true;
    const before = {
      api: cpuMsOf(api.pid!)!,
      reads: await readsAnswered(apiUrl),
      statements: statementsOf(countFile),
      at: Date.now(),
    };
    const sampler = setInterval(() => {
      void backendPids(system, api.pid!).then((pids) => backends.sample(pids));
    }, 500);
    const done = result(system, id);
    const windowMs = Number(process.env.PROBE_WINDOW_MS ?? 20_000);
    await Promise.race([done, new Promise((r) => setTimeout(r, windowMs))]);
    clearInterval(sampler);
    backends.sample(await backendPids(system, api.pid!));
    await new Promise((r) => setTimeout(r, 300)); // the statement counter writes its file every 200 ms
    const after = {
      api: cpuMsOf(api.pid!)!,
      reads: await readsAnswered(apiUrl),
      statements: statementsOf(countFile),
      at: Date.now(),
    };
    await done;
    const rate = orders.length / ((Date.now() - started) / 1000);
    const { latencies, errors } = await pollers.stop();
    const reads = after.reads - before.reads;
    const out = {
      logLevel: process.env.PROBE_LOG_LEVEL ?? 'error',
      windowMs: after.at - before.at,
      reads,
      readsPerSecond: Math.round((reads / (after.at - before.at)) * 1000),
      apiCpuMsPerRead: round((after.api - before.api) / reads),
      apiIdleCpuMsPerSecond: round(idleMsPerSecond),
      apiCpuMsPerReadNetOfIdle: round(
        (after.api - before.api - (idleMsPerSecond * (after.at - before.at)) / 1000) / reads,
      ),
      pgBackendCpuMsPerRead: round(backends.total() / reads),
      statementsPerRead: round((after.statements - before.statements) / reads),
      latencyP50: round(percentile(latencies, 50)),
      latencyP99: round(percentile(latencies, 99)),
      errors: errors.length,
      syncOrdersPerSecond: Math.round(rate),
      loadAverage: os.loadavg().map(round),
    };
    console.log(JSON.stringify(out));
  } finally {
    await Promise.all([stopWorker(worker), stopWorker(api)]);
    await system.stop();
    await Promise.allSettled([servers.temporal.stop(), servers.pg.stop()]);
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function pos(businessId: string, prefix: string, days: string[]) {
  return forBusiness(
    generateDemoOrders({
      businessId,
      from: days[0]!,
      to: days[1]!,
      ordersPerDay: 60,
      channel: 'pos',
      seed: 50,
    }),
    businessId,
    prefix,
  ).filter((o) => o.status === 'completed');
}

const body = (days: string[]) => ({ channel: 'pos', startDate: days[0]!, endDate: days[1]! });

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
