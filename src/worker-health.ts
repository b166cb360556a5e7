import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { probe } from './health-probe';
import type { Logger } from './logger';

/** What the health server needs of a worker: `Worker` from @temporalio/worker satisfies it. */
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
  host: string;
  port: number;
  worker: WorkerLike;
  /** Readiness probes by name (PostgreSQL, Temporal). */
  probes: Record<string, Probe>;
  log: Logger;
  /** How long a probe may take before it counts as failed. */
  probeTimeoutMs?: number;
}

type Handler = (res: http.ServerResponse) => Promise<void>;

// A worker in these states still does (or is about to do) its work; any other means it has stopped for good.
const ALIVE = new Set(['INITIALIZED', 'RUNNING', 'DRAINING', 'STOPPING']);

/**
 * The worker's own small HTTP server, for an orchestrator's probes:
 * - `/healthz` (liveness): the process answers and its worker has not failed or stopped;
 * - `/readyz` (readiness): the worker is polling and PostgreSQL and Temporal answer.
 * Routes sit in one table so `/metrics` can join them later.
 */
export async function startWorkerHealthServer(options: WorkerHealthOptions): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  const routes: Record<string, Handler> = {
    '/healthz': async (res) => {
      const state = options.worker.getState();
      send(res, ALIVE.has(state) ? 200 : 503, { status: ALIVE.has(state) ? 'ok' : 'stopped', state });
    },
    '/readyz': async (res) => {
      const state = options.worker.getState();
      const checks: Record<string, string> = { worker: state === 'RUNNING' ? 'ok' : state };
      const names = Object.keys(options.probes);
      const results = await Promise.all(names.map((n) => probe(options.probes[n]!, options.probeTimeoutMs)));
      names.forEach((n, i) => (checks[n] = results[i]!));
      const ready = Object.values(checks).every((c) => c === 'ok');
      const { numInFlightActivities, numInFlightWorkflowActivations, numCachedWorkflows } =
        options.worker.getStatus();
      send(res, ready ? 200 : 503, {
        status: ready ? 'ready' : 'not_ready',
        checks,
        worker: { numInFlightActivities, numInFlightWorkflowActivations, numCachedWorkflows },
      });
    },
  };
  const server = http.createServer((req, res) => {
    const route = req.method === 'GET' ? routes[(req.url ?? '').split('?')[0]!] : undefined;
    if (!route) return send(res, 404, { status: 'not_found' });
    route(res).catch((err: unknown) => {
      options.log.error('Health check failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) send(res, 500, { status: 'error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
