/**
 * P3 and part of P5: a year of POS orders on an organisation with a small daily limit, so the sync waits for
 * several daily windows. Measured against the quota-bound ideal (the minimum calls, made as fast as the minute
 * budget and the daily windows allow): the time taken, how soon work resumes after each reset, the ETA's error,
 * and, on the worker process, its memory and the history each workflow run leaves.
 */
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { generateDemoOrders } from '../../src/orders/seed';
import type { TestSystem } from '../../test/support/system';
import { spawnWorker, stopWorker, workerEnv } from '../../test/support/worker-process';
import { load, minimumCalls, newOrg, ratio, result, seconds, submit, tenantStats } from './support';
import type { Org } from './support';
import type { Row } from './report';

const PER_DAY = 600;
const RESERVE = 10;

/** The quota-bound ideal: `calls` made one per pacing interval, `usable` per daily window, windows as the sim has them. */
export function idealMs(
  calls: number,
  o: { spacingMs: number; usable: number; firstLeft: number; firstResetMs: number; windowMs: number },
): number {
  let t = 0;
  let left = o.firstLeft;
  let reset = o.firstResetMs;
  for (let i = 0; i < calls; i++) {
    if (left <= 0) {
      t = Math.max(t, reset);
      left = o.usable;
    }
    while (t >= reset) {
      reset += o.windowMs;
      left = o.usable;
    }
    left -= 1;
    t += o.spacingMs;
  }
  return t;
}

function rssMiB(pid: number | undefined): number {
  if (!pid) return 0;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function sampleEta(
  system: TestSystem,
  org: Org,
  id: string,
  samples: Array<{ at: number; eta: number }>,
) {
  const api = await system.api(org.businessId);
  const res = await api.get<{ etaSeconds: number | null; state: string }>(`/api/sync-requests/${id}`);
  if (res.body.etaSeconds !== null && res.body.state !== 'completed')
    samples.push({ at: Date.now(), eta: res.body.etaSeconds });
}

export async function runP3(system: TestSystem): Promise<Row[]> {
  const org = await newOrg(system, 'P3 year', {
    limits: { perDay: PER_DAY },
    settings: { dailyQuotaReserve: RESERVE },
  });
  const orders = [
    ...generateDemoOrders({
      businessId: org.businessId,
      from: '2024-01-01',
      to: '2024-12-31',
      ordersPerDay: 56,
      channel: 'pos',
    }),
  ];
  await load(system, orders);
  const worker: ChildProcess = spawnWorker(workerEnv(system.cfg));
  const rss: number[] = [];
  const etas: Array<{ at: number; eta: number }> = [];
  try {
    const sim = system.xero.sim;
    const tenant = sim.tenants.get(org.tenantId)!;
    const scale = sim.clock.timeScale;
    const windowMs = sim.options.dayWindowSeconds * 1000;
    const before = await tenantStats(system, org);
    const started = Date.now();
    const firstResetMs = sim.limiter(tenant).msUntilDayReset(sim.tenantNow(tenant), windowMs) / scale;
    const id = await submit(system, org, { channel: 'pos', startDate: '2024-01-01', endDate: '2024-12-31' });
    const sampler = setInterval(() => {
      rss.push(rssMiB(worker.pid));
      void sampleEta(system, org, id, etas).catch(() => undefined);
    }, 1000);
    const done = await result(system, id).finally(() => clearInterval(sampler));
    const finished = Date.now();
    const after = await tenantStats(system, org);
    const minimum = minimumCalls(orders, {
      auto: true,
      walkIn: 'Walk-in Customer',
      existingContacts: 0,
    }).total;
    const ideal = idealMs(minimum, {
      spacingMs: system.cfg.XERO_WINDOW_MS / system.cfg.XERO_MINUTE_BUDGET,
      usable: PER_DAY - RESERVE,
      firstLeft: PER_DAY - RESERVE,
      firstResetMs,
      windowMs: windowMs / scale,
    });
    const resets = resetsDuring(started + firstResetMs, windowMs / scale, finished);
    const resumes = resets.map((r) => (org.calls.find((t) => t >= r) ?? finished) - r);
    const etaErrors = etas.map(
      (s) => Math.abs(s.at + s.eta * 1000 - finished) / Math.max(1000, finished - s.at),
    );
    const events = await eventsPerRun(system, id);
    const scenario = `a year, ${orders.length} POS orders, ${PER_DAY} calls a day`;
    return [
      {
        id: 'P3',
        scenario,
        metric: `time / quota-bound ideal (${seconds(finished - started)} s / ${seconds(ideal)} s, ${done.quotaWaits} waits)`,
        value: ratio(finished - started, ideal),
        target: '≤ 1.15',
        pass: finished - started <= 1.15 * ideal,
      },
      {
        id: 'P3',
        scenario,
        metric: `calls / minimum (${after.calls.total - before.calls.total} / ${minimum})`,
        value: ratio(after.calls.total - before.calls.total, minimum),
        target: 'reported',
        pass: true,
      },
      {
        id: 'P3',
        scenario,
        metric: `seconds from each reset to work resuming (max; ${resets.length} resets)`,
        value: seconds(Math.max(0, ...resumes)),
        target: 'reported',
        pass: true,
      },
      {
        id: 'P3',
        scenario,
        metric: `ETA error, mean relative (${etas.length} samples)`,
        value: ratio(
          etaErrors.reduce((a, b) => a + b, 0),
          Math.max(1, etaErrors.length),
        ),
        target: 'reported',
        pass: true,
      },
      {
        id: 'P5',
        scenario,
        metric: `worker RSS MiB (start ${rss[0] ?? 0}, peak)`,
        value: Math.max(0, ...rss),
        target: 'reported',
        pass: true,
      },
      {
        id: 'P5',
        scenario,
        metric: `history events per workflow run (max of ${events.length} runs)`,
        value: Math.max(0, ...events),
        target: '< 4,000',
        pass: Math.max(0, ...events) < 4000,
      },
    ];
  } finally {
    await stopWorker(worker);
  }
}

function resetsDuring(first: number, every: number, until: number): number[] {
  const out: number[] = [];
  for (let t = first; t < until; t += every) out.push(t);
  return out;
}

async function eventsPerRun(system: TestSystem, workflowId: string): Promise<number[]> {
  const counts: number[] = [];
  for await (const run of system.temporal.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const handle = system.temporal.client.workflow.getHandle(workflowId, run.runId);
    counts.push((await handle.fetchHistory()).events?.length ?? 0);
  }
  return counts;
}
