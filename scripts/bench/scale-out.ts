/**
 * SO: scale-out. Three worker processes and two API processes (as `npm run worker` / `npm run api` start them)
 * against one Temporal server and one PostgreSQL; organisations of their own, one request each, submitted over
 * both APIs. The same work per organisation at 1, 5 and 20 organisations gives the throughput curve; then 20
 * again with one worker SIGKILLed mid-run. Measured beside it: the processes' CPU, the CPU per Xero call, the
 * PostgreSQL connections each process holds, and what the sizing in docs/operations.md ("Sizing") comes from.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { generateDemoOrders } from '../../src/orders/seed';
import type { Order } from '../../src/orders/schema';
import type { TestSystem } from '../../test/support/system';
import { stepHeartbeatMs } from '../../src/definitions';
import { simInvoices } from '../../test/support/orders';
import { killBusiestWorker, results, startCluster, submitAll } from '../../test/support/scale-out';
import type { Cluster } from '../../test/support/scale-out';
import { sustained } from './p2-budget';
import { forBusiness, load, newOrg, ratio, seconds, tenantStats } from './support';
import type { Org } from './support';
import type { Row } from './report';

const FROM = '2025-01-01';
const TO = '2025-02-19';
// 50 days of 30 POS orders: 1,500 orders, about 65 Xero calls, several windows of steady pace per organisation.
const PER_DAY = 30;

/** CPU seconds a process has used (user and system, all its threads, and its children that have exited). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0; // the process has exited (the killed worker)
  }
}

/** CPU seconds of a process and all its descendants (PostgreSQL's backends, the dev server). */
function treeCpu(root: number | undefined): number {
  if (!root) return 0;
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  for (const queue = [root]; queue.length > 0;) {
    const pid = queue.pop()!;
    total += cpuSeconds(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

/** CPU seconds so far of everything the bench runs: the service's processes, and Temporal, PostgreSQL and itself. */
function cpuNow(cluster: Cluster) {
  const servers = (globalThis as Record<string, unknown>).__xmsTestServers as
    { temporal?: { process?: { pid?: number } }; pg?: { process?: { pid?: number } } } | undefined;
  const own = process.cpuUsage();
  return {
    workers: cluster.workers.reduce((sum, w) => sum + cpuSeconds(w.child.pid), 0),
    apis: cluster.apis.reduce((sum, a) => sum + cpuSeconds(a.child.pid), 0),
    // The bench process holds the Xero simulator and the test system's pool.
    rest:
      (own.user + own.system) / 1e6 +
      treeCpu(servers?.temporal?.process?.pid) +
      treeCpu(servers?.pg?.process?.pid),
  };
}

/**
 * Peak connections each process held in PostgreSQL (its pool names them, src/runtime.ts), sampled: open ones
 * (what the server must allow) and those running a statement at that moment.
 */
function sampleConnections(system: TestSystem) {
  const open = new Map<string, number>();
  const active = new Map<string, number>();
  const keep = (peaks: Map<string, number>, name: string, n: number) =>
    peaks.set(name, Math.max(peaks.get(name) ?? 0, n));
  const timer = setInterval(() => {
    void system.database.db
      .query<{ name: string; open: string; active: string }>(
        `SELECT application_name AS name, count(*) AS open, count(*) FILTER (WHERE state <> 'idle') AS active
         FROM pg_stat_activity
         WHERE datname = current_database() AND application_name LIKE 'xero-manual-sync %' GROUP BY 1`,
      )
      .then((r) => {
        for (const row of r.rows) {
          keep(open, row.name, Number(row.open));
          keep(active, row.name, Number(row.active));
        }
      })
      .catch(() => undefined);
  }, 250);
  /** The most any one process of that component held. */
  const max = (peaks: Map<string, number>, component: string) =>
    Math.max(0, ...[...peaks].filter(([name]) => name.split(' ')[1] === component).map(([, n]) => n));
  return {
    stop: () => clearInterval(timer),
    peaks: (component: string) => ({ open: max(open, component), active: max(active, component) }),
  };
}

interface RunResult {
  orgs: number;
  orders: number;
  calls: number;
  ms: number;
  workerCpu: number;
  apiCpu: number;
  /** CPU seconds of Temporal, PostgreSQL and the bench process (the simulator). */
  restCpu: number;
  budgetUse: number;
  limited: number;
  peakPerMinute: number;
  peakInFlight: number;
  lost: number;
  duplicated: number;
  connections: { worker: { open: number; active: number }; api: { open: number; active: number } };
  killed?: { held: number; takeoverMs: number; afterKill: boolean };
}

/** Organisations of their own, each with the same 50 days of POS orders (`perDay` a day). */
async function createOrgs(system: TestSystem, n: number, label: string, perDay: number) {
  const orgs: Array<Org & { orders: Order[] }> = [];
  for (let i = 0; i < n; i++) {
    const org = await newOrg(system, `SO ${label} org ${i}`);
    const orders = forBusiness(
      generateDemoOrders({
        businessId: org.businessId,
        from: FROM,
        to: TO,
        ordersPerDay: perDay,
        channel: 'pos',
        seed: 700 + i,
      }),
      org.businessId,
      `so${label}${i}`,
    );
    await load(system, orders);
    orgs.push({ ...org, orders });
  }
  return orgs;
}

/** Kills the busiest worker once a third of the run's calls are made; then, whether and how fast its steps moved. */
async function killMidRun(system: TestSystem, cluster: Cluster, orgs: Org[], ids: string[], calls: number) {
  while (orgs.reduce((sum, o) => sum + o.calls.length, 0) < calls / 3)
    await new Promise((r) => setTimeout(r, 100));
  const killAt = Date.now();
  const victim = await killBusiestWorker(system, cluster, ids);
  return async () => {
    let takeoverMs = 0;
    let afterKill = true;
    for (const id of victim.held) {
      const later = (await stepStarts(system, id)).filter((e) => e.at > killAt);
      // Taken over: its next steps ran, and none of them on the dead worker.
      const next = later.find((e) => e.identity !== victim.identity);
      afterKill &&= next !== undefined && later.every((e) => e.identity !== victim.identity);
      takeoverMs = Math.max(takeoverMs, (next?.at ?? Date.now()) - killAt);
    }
    return { held: victim.held.length, takeoverMs, afterKill };
  };
}

async function run(
  system: TestSystem,
  cluster: Cluster,
  n: number,
  label: string,
  opts: { kill?: boolean; perDay?: number } = {},
): Promise<RunResult> {
  const orgs = await createOrgs(system, n, label, opts.perDay ?? PER_DAY);
  const orders = orgs.reduce((sum, o) => sum + o.orders.length, 0);
  const cpuBefore = cpuNow(cluster);
  const connections = sampleConnections(system);
  const started = Date.now();
  const ids = await submitAll(system, cluster, orgs, { channel: 'pos', startDate: FROM, endDate: TO });
  // About one call per 23 orders (50 invoices or payments a call).
  const takeover = opts.kill ? await killMidRun(system, cluster, orgs, ids, orders / 23) : undefined;
  const done = await results(system, ids);
  const ms = Date.now() - started;
  connections.stop();
  const cpuAfter = cpuNow(cluster);
  const stats = await Promise.all(orgs.map((o) => tenantStats(system, o)));
  const checks = await Promise.all(orgs.map((o) => exactlyOnce(system, o)));
  return {
    orgs: n,
    orders,
    calls: stats.reduce((sum, s) => sum + s.calls.total, 0),
    ms,
    workerCpu: cpuAfter.workers - cpuBefore.workers,
    apiCpu: cpuAfter.apis - cpuBefore.apis,
    restCpu: cpuAfter.rest - cpuBefore.rest,
    budgetUse: Math.min(
      ...orgs.map((o) => sustained(o.calls, system.cfg.XERO_WINDOW_MS) / system.cfg.XERO_MINUTE_BUDGET),
    ),
    limited: stats.reduce((sum, s) => sum + s.rateLimited.total, 0),
    peakPerMinute: Math.max(...stats.map((s) => s.peakPerMinute)),
    peakInFlight: Math.max(...stats.map((s) => s.peakInFlight)),
    lost: checks.reduce((sum, c) => sum + c.missing, 0) + done.filter((r) => r.state !== 'completed').length,
    duplicated: checks.reduce((sum, c) => sum + c.duplicated, 0),
    connections: { worker: connections.peaks('worker'), api: connections.peaks('api') },
    killed: await takeover?.(),
  };
}

/** Orders of the organisation missing from its Xero, and invoices it has twice (by order, and by number). */
async function exactlyOnce(system: TestSystem, org: Org & { orders: Order[] }) {
  const invoices = await simInvoices(system.xero.baseUrl, org.tenantId);
  const perOrder = new Map<string, number>();
  for (const inv of invoices) perOrder.set(inv.Reference, (perOrder.get(inv.Reference) ?? 0) + 1);
  const numbers = new Set(invoices.map((i) => i.InvoiceNumber));
  const expected = org.orders.filter((o) => o.status !== 'voided');
  return {
    missing: expected.filter((o) => !perOrder.has(o.id)).length,
    duplicated: [...perOrder.values()].filter((n) => n > 1).length + (invoices.length - numbers.size),
  };
}

/** When each activity attempt of a request started, and on which worker (its histories). */
async function stepStarts(system: TestSystem, id: string): Promise<Array<{ at: number; identity: string }>> {
  const out: Array<{ at: number; identity: string }> = [];
  for await (const r of system.temporal.client.workflow.list({ query: `WorkflowId = '${id}'` })) {
    const history = await system.temporal.client.workflow.getHandle(id, r.runId).fetchHistory();
    for (const e of history.events ?? []) {
      const identity = e.activityTaskStartedEventAttributes?.identity;
      if (identity && e.eventTime?.seconds)
        out.push({
          at: Number(e.eventTime.seconds) * 1000 + Math.floor((e.eventTime.nanos ?? 0) / 1e6),
          identity,
        });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The curve at 1, 5 and 20 organisations, then 20 with a worker SIGKILLed mid-run (scaled time). */
export async function runScaleOut(system: TestSystem): Promise<Row[]> {
  const cluster = await startCluster(system, { workers: 3, apis: 2 });
  try {
    const curve: RunResult[] = [];
    for (const n of [1, 5, 20]) curve.push(await run(system, cluster, n, `n${n}`));
    const kill = await run(system, cluster, 20, 'kill', { kill: true });
    return [...curveRows(curve), ...killRows(system, kill), limitRow([...curve, kill])];
  } finally {
    await cluster.stop();
  }
}

/** Twenty organisations at Xero's real pace (60 s window): what a worker costs per organisation, for sizing. */
export async function runScaleOutRealPace(system: TestSystem): Promise<Row[]> {
  const cluster = await startCluster(system, { workers: 3, apis: 2 });
  try {
    // 15 orders a day: 750 orders, about 33 calls, a good half-minute at 55 calls a minute.
    const r = await run(system, cluster, 20, 'real', { perDay: 15 });
    const scenario = '20 organisations, real 60 s window, 3 workers, 2 APIs';
    const cores = (cpu: number) => ratio(cpu, r.ms / 1000);
    return [
      {
        id: 'SO',
        scenario,
        metric: `minute budget used, sustained (worst organisation; ${r.calls} calls in ${seconds(r.ms)} s)`,
        value: ratio(r.budgetUse, 1),
        target: '≥ 0.90',
        pass: r.budgetUse >= 0.9,
      },
      {
        id: 'SO',
        scenario,
        metric: `worker CPU, cores (3 workers together; APIs ${cores(r.apiCpu)}, Temporal + PostgreSQL + simulator ${cores(r.restCpu)})`,
        value: cores(r.workerCpu),
        target: 'reported',
        pass: true,
      },
      {
        id: 'SO',
        scenario: 'sizing, from the real-pace run',
        metric: 'organisations syncing at full pace per worker core (worker CPU at 100 %)',
        value: Math.floor(r.orgs / Math.max(0.001, r.workerCpu / (r.ms / 1000))),
        target: 'reported',
        pass: true,
      },
      {
        id: 'SO',
        scenario: 'sizing, from the real-pace run',
        metric: `PostgreSQL connections per worker process, open at peak (running a statement at once: ${r.connections.worker.active}; API ${r.connections.api.open} and ${r.connections.api.active})`,
        value: r.connections.worker.open,
        target: '≤ 10 (pool)',
        pass: r.connections.worker.open <= 10 && r.connections.api.open <= 10,
      },
      limitRow([r]),
    ];
  } finally {
    await cluster.stop();
  }
}

function curveRows(curve: RunResult[]): Row[] {
  const throughput = (r: RunResult) => r.orders / (r.ms / 1000);
  const cores = (r: RunResult, cpu: number) => ratio(cpu, r.ms / 1000);
  const [one, five, twenty] = curve as [RunResult, RunResult, RunResult];
  const out: Row[] = curve.flatMap((r) => {
    const scenario = `${r.orgs} organisation${r.orgs > 1 ? 's' : ''}, 10 s minute, 3 workers, 2 APIs`;
    return [
      {
        id: 'SO',
        scenario,
        metric: `orders/s in total (${r.orders} orders, ${r.calls} calls in ${seconds(r.ms)} s; CPU cores: workers ${cores(r, r.workerCpu)}, APIs ${cores(r, r.apiCpu)}, Temporal + PostgreSQL + simulator ${cores(r, r.restCpu)})`,
        value: Math.round(throughput(r)),
        target: 'reported',
        pass: true,
      },
      {
        id: 'SO',
        scenario,
        metric: 'minute budget used, sustained (worst organisation)',
        value: ratio(r.budgetUse, 1),
        target: r.orgs <= 5 ? '≥ 0.80' : 'reported',
        pass: r.orgs > 5 || r.budgetUse >= 0.8,
      },
    ];
  });
  const busy = cores(twenty, twenty.workerCpu + twenty.apiCpu + twenty.restCpu);
  out.push(
    {
      id: 'SO',
      scenario: 'throughput curve',
      metric: 'total orders/s at 5 organisations / at 1',
      value: ratio(throughput(five), throughput(one)),
      target: '≥ 3',
      pass: throughput(five) >= 3 * throughput(one),
    },
    {
      id: 'SO',
      scenario: 'throughput curve',
      metric: `total orders/s at 20 organisations / at 5 (all processes together busy ${busy} of ${cpus().length} cores at 20)`,
      value: ratio(throughput(twenty), throughput(five)),
      target: 'reported',
      pass: true,
    },
    {
      id: 'SO',
      scenario: 'throughput curve, 20 organisations',
      metric: 'worker CPU ms per Xero call (50 elements a call)',
      value: Math.round((twenty.workerCpu / twenty.calls) * 1000),
      target: 'reported',
      pass: true,
    },
  );
  return out;
}

function killRows(system: TestSystem, kill: RunResult): Row[] {
  const k = kill.killed!;
  const scenario = '20 organisations, one worker SIGKILLed mid-run';
  return [
    {
      id: 'SO',
      scenario,
      metric: `orders lost + duplicated (${kill.orders} orders; the killed worker held steps of ${k.held} requests)`,
      value: kill.lost + kill.duplicated,
      target: '0, steps taken over',
      pass: kill.lost + kill.duplicated === 0 && k.held > 0 && k.afterKill,
    },
    {
      id: 'SO',
      scenario,
      metric: `seconds until its steps ran on another worker (step heartbeat timeout ${seconds(stepHeartbeatMs(system.cfg))} s)`,
      value: seconds(k.takeoverMs),
      target: 'reported',
      pass: true,
    },
  ];
}

/** Xero's answers across the runs: no 429, and every organisation within 60 a minute and 5 at a time. */
function limitRow(runs: RunResult[]): Row {
  const perMinute = Math.max(...runs.map((r) => r.peakPerMinute));
  const inFlight = Math.max(...runs.map((r) => r.peakInFlight));
  const limited = runs.reduce((sum, r) => sum + r.limited, 0);
  return {
    id: 'SO',
    scenario: runs.length > 1 ? 'every scaled run above' : 'the real-pace run',
    metric: `429 answers (per organisation at most ${perMinute} calls a minute, ${inFlight} in flight; nothing lost or duplicated)`,
    value: limited,
    target: '0',
    pass: limited === 0 && perMinute <= 60 && inFlight <= 5 && runs.every((r) => r.lost + r.duplicated === 0),
  };
}
