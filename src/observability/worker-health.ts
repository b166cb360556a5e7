import type http from 'node:http';
import { probe } from './health-probe';
import type { WorkerRoute } from './metrics-server';

/** What the health routes need of a worker: `Worker` from @temporalio/worker satisfies it. */
export interface WorkerLike {
  getState(): string;
  getStatus(): {
    numInFlightActivities: number;
    numInFlightWorkflowActivations: number;
    numCachedWorkflows: number;
  };
}

/** A dependency check: resolves when the dependency answers, rejects with the reason otherwise. */
export type Probe = () => Promise<unknown>;

export interface WorkerHealthOptions {
  /** The workers of this process (sync and webhook deliveries): healthy only if every one is. */
  workers: WorkerLike[];
  /** Readiness probes by name (PostgreSQL, Temporal). */
  probes: Record<string, Probe>;
  /** How long a probe may take before it counts as failed. */
  probeTimeoutMs?: number;
}

// A worker in these states still does (or is about to do) its work; any other means it has stopped for good.
const ALIVE = new Set(['INITIALIZED', 'RUNNING', 'DRAINING', 'STOPPING']);

/**
 * The worker process's probes for an orchestrator, served beside `/metrics` by the worker's HTTP server:
 * - `/healthz` (liveness): the process answers and none of its workers has failed or stopped;
 * - `/readyz` (readiness): every worker is polling and PostgreSQL and Temporal answer.
 */
export function workerHealthRoutes(options: WorkerHealthOptions): Record<string, WorkerRoute> {
  const states = () => options.workers.map((w) => w.getState());
  const worst = (all: string[], ok: (s: string) => boolean) => all.find((s) => !ok(s)) ?? all[0] ?? 'RUNNING';
  return {
    '/healthz': async (res) => {
      const state = worst(states(), (s) => ALIVE.has(s));
      send(res, ALIVE.has(state) ? 200 : 503, { status: ALIVE.has(state) ? 'ok' : 'stopped', state });
    },
    '/readyz': async (res) => {
      const state = worst(states(), (s) => s === 'RUNNING');
      const checks: Record<string, string> = { worker: state === 'RUNNING' ? 'ok' : state };
      const names = Object.keys(options.probes);
      const results = await Promise.all(names.map((n) => probe(options.probes[n]!, options.probeTimeoutMs)));
      names.forEach((n, i) => (checks[n] = results[i]!));
      const ready = Object.values(checks).every((c) => c === 'ok');
      send(res, ready ? 200 : 503, {
        status: ready ? 'ready' : 'not_ready',
        checks,
        worker: inFlight(options.workers),
      });
    },
  };
}

function inFlight(workers: WorkerLike[]) {
  const sum = { numInFlightActivities: 0, numInFlightWorkflowActivations: 0, numCachedWorkflows: 0 };
  for (const w of workers) {
    const s = w.getStatus();
    sum.numInFlightActivities += s.numInFlightActivities;
    sum.numInFlightWorkflowActivations += s.numInFlightWorkflowActivations;
    sum.numCachedWorkflows += s.numCachedWorkflows;
  }
  return sum;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
