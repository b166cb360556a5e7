/**
 * CPU: the worker's CPU per Xero call (issue 24), in CPU time rather than wall-clock time, so other load on the
 * machine moves it less. Each mode runs on a worker process of its own (LOG_LEVEL info, as deployed), with the same
 * POS orders each round (every status, contacts matched by channel, as the SO rows' organisations): the worker's
 * user + system CPU over the round (all its threads: the SDK's core too), divided by the calls the simulator
 * answered. The simulator and the API run in the bench process and are reported apart.
 *
 *   npm run bench -- --only CPU
 *   BENCH_CPU_MODE=paced npm run bench -- --only CPU          # the modes whose name starts so
 *   XMS_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench -- --only CPU   # and profiles
 */
import { generateDemoOrders } from '../../src/orders/seed';
import type { TestSystem } from '../../test/support/system';
import { freePort } from '../../test/support/ports';
import { waitUntilReady } from '../../test/support/api-process';
import { spawnWorker, stopWorker, workerEnv } from '../../test/support/worker-process';
import { cpuSeconds } from './scale-out';
import { forBusiness, load, newOrg, result, submit, tenantStats } from './support';
import type { Row } from './report';

const FROM = '2025-01-01';
const TO = '2025-02-19';
// 50 days of 60 POS orders: 3,000 orders, about 126 calls a round.
const PER_DAY = 60;
const ROUNDS = 5;
// Rounds first run to compile the worker's code (a deployed worker's is): the first two moved by half.
const WARM_UP = 2;
const UNLIMITED = { perMinute: 1_000_000, concurrent: 100, perDay: 1_000_000_000 };

/**
 * The ways a worker spends: at the system's pace (P5's, a 1 s minute: what is paid per second, such as heartbeats
 * and pacing waits, counts too), with Xero's limits off (only what is paid per call and per order), and many
 * organisations at once at their pace, with 5 s steps (as the SO rows: more than the worker's core can keep up).
 */
const MODES = [
  { name: 'paced (1 s minute, as P5)', worker: {}, limits: undefined, orgs: 1, perDay: PER_DAY },
  { name: 'limits off', worker: { XERO_WINDOW_MS: '100' }, limits: UNLIMITED, orgs: 1, perDay: PER_DAY },
  {
    name: '8 organisations at once',
    worker: { SYNC_STEP_SECONDS: '5' },
    limits: undefined,
    orgs: 8,
    perDay: 15,
  },
] as const;
type Mode = (typeof MODES)[number];

/** An organisation of the round with its orders loaded. */
async function orgWithOrders(system: TestSystem, mode: Mode, n: number, i: number) {
  const org = await newOrg(system, `CPU ${mode.name} ${n} ${i}`, { limits: mode.limits });
  const orders = forBusiness(
    generateDemoOrders({
      businessId: org.businessId,
      from: FROM,
      to: TO,
      ordersPerDay: mode.perDay,
      channel: 'pos',
      seed: 900 + i,
    }),
    org.businessId,
    `cpu${MODES.indexOf(mode)}r${n}o${i}`,
  );
  await load(system, orders);
  return { org, orders: orders.length };
}

async function round(system: TestSystem, pid: number, mode: Mode, n: number) {
  const orgs = [];
  for (let i = 0; i < mode.orgs; i++) orgs.push(await orgWithOrders(system, mode, n, i));
  const worker = cpuSeconds(pid);
  const own = process.cpuUsage();
  const body = { channel: 'pos', startDate: FROM, endDate: TO };
  await Promise.all(orgs.map(async ({ org }) => result(system, await submit(system, org, body))));
  const rest = process.cpuUsage(own);
  let calls = 0;
  for (const { org } of orgs) calls += (await tenantStats(system, org)).calls.total;
  return {
    orders: orgs.reduce((sum, o) => sum + o.orders, 0),
    calls,
    workerMs: ((cpuSeconds(pid) - worker) * 1000) / calls,
    benchMs: (rest.user + rest.system) / 1000 / calls,
  };
}

/** One mode on a worker process of its own: WARM_UP rounds (not counted), then the median of ROUNDS. */
async function measure(system: TestSystem, mode: Mode): Promise<Row> {
  const port = await freePort();
  const worker = spawnWorker(
    workerEnv(system.cfg, {
      WORKER_HTTP_PORT: String(port),
      LOG_LEVEL: 'info',
      LOG_FILE: '',
      ...mode.worker,
    }),
  );
  const runs: Array<Awaited<ReturnType<typeof round>>> = [];
  try {
    await waitUntilReady(`http://127.0.0.1:${port}/readyz`, worker);
    for (let n = 0; n < WARM_UP + ROUNDS; n++) {
      const r = await round(system, worker.pid!, mode, n);
      console.error(`[bench]   CPU ${mode.name} round ${n}: ${JSON.stringify(r)}`);
      if (n >= WARM_UP) runs.push(r);
    }
  } finally {
    await stopWorker(worker);
  }
  const median = [...runs].sort((a, b) => a.workerMs - b.workerMs)[Math.floor(runs.length / 2)]!;
  const spread = runs.map((r) => r.workerMs.toFixed(1)).join(', ');
  return {
    id: 'CPU',
    scenario: `${mode.name}, ${median.orders} POS orders, 1 worker process (LOG_LEVEL info)`,
    metric: `worker CPU ms per Xero call, median of ${ROUNDS} (${spread}; ${median.calls} calls; simulator + API in the bench process ${median.benchMs.toFixed(1)})`,
    value: Math.round(median.workerMs * 10) / 10,
    target: 'reported',
    pass: true,
  };
}

export async function runCpu(system: TestSystem): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mode of MODES.filter(
    (m) => !process.env.BENCH_CPU_MODE || m.name.startsWith(process.env.BENCH_CPU_MODE),
  ))
    rows.push(await measure(system, mode));
  return rows;
}
