import { startWorkerHttpServer } from '../../src/observability/metrics-server';
import { workerHealthRoutes } from '../../src/observability/worker-health';
import type { WorkerLike } from '../../src/observability/worker-health';
import { createLogger } from '../../src/logger';

/** A worker whose state the test sets, as @temporalio/worker's Worker reports it. */
function fakeWorker(state: string): WorkerLike & { state: string } {
  return {
    state,
    getState() {
      return this.state;
    },
    getStatus: () => ({ numInFlightActivities: 2, numInFlightWorkflowActivations: 0, numCachedWorkflows: 3 }),
  };
}

describe('worker health server', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  async function start(worker: WorkerLike | WorkerLike[], probes: Record<string, () => Promise<unknown>>) {
    const workers = Array.isArray(worker) ? worker : [worker];
    const server = await startWorkerHttpServer({
      host: '127.0.0.1',
      port: 0,
      routes: workerHealthRoutes({ workers, probes, probeTimeoutMs: 200 }),
      log: createLogger('test', 'error'),
    });
    servers.push(server);
    const get = async (p: string) => {
      const res = await fetch(`${server.url}${p}`);
      const json = res.headers.get('content-type')?.startsWith('application/json');
      return { status: res.status, body: (json ? await res.json() : {}) as Record<string, unknown> };
    };
    return get;
  }

  it('is live while the worker runs or drains, and not once it has failed or stopped', async () => {
    const worker = fakeWorker('RUNNING');
    const get = await start(worker, {});
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok', state: 'RUNNING' } });
    worker.state = 'DRAINING';
    expect((await get('/healthz')).status).toBe(200);
    for (const state of ['FAILED', 'STOPPED']) {
      worker.state = state;
      expect(await get('/healthz')).toEqual({ status: 503, body: { status: 'stopped', state } });
    }
  });

  it('is ready only while the worker polls and every dependency answers, and says which does not', async () => {
    const worker = fakeWorker('RUNNING');
    let postgresUp = true;
    const get = await start(worker, {
      postgres: async () => {
        if (!postgresUp) throw new Error('connect ECONNREFUSED 127.0.0.1:5432\n    at stack');
      },
      temporal: () => new Promise(() => undefined),
    });
    const hung = await get('/readyz');
    expect(hung).toEqual({
      status: 503,
      body: {
        status: 'not_ready',
        checks: { worker: 'ok', postgres: 'ok', temporal: 'no answer within 200 ms' },
        worker: { numInFlightActivities: 2, numInFlightWorkflowActivations: 0, numCachedWorkflows: 3 },
      },
    });
    postgresUp = false;
    expect((await get('/readyz')).body.checks).toMatchObject({
      postgres: 'connect ECONNREFUSED 127.0.0.1:5432',
    });
  });

  it('is ready when all is well, not before the worker runs, and answers 404 elsewhere', async () => {
    const worker = fakeWorker('INITIALIZED');
    const get = await start(worker, { postgres: async () => undefined });
    expect(await get('/readyz')).toMatchObject({ status: 503, body: { checks: { worker: 'INITIALIZED' } } });
    worker.state = 'RUNNING';
    expect(await get('/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect((await get('/metrics')).status).toBe(404);
  });

  it('is unhealthy and not ready when either worker of the process (sync, webhook deliveries) has stopped', async () => {
    const sync = fakeWorker('RUNNING');
    const webhooks = fakeWorker('RUNNING');
    const get = await start([sync, webhooks], {});
    expect(await get('/readyz')).toMatchObject({
      status: 200,
      body: { worker: { numInFlightActivities: 4, numCachedWorkflows: 6 } },
    });
    webhooks.state = 'FAILED';
    expect(await get('/healthz')).toEqual({ status: 503, body: { status: 'stopped', state: 'FAILED' } });
    expect(await get('/readyz')).toMatchObject({ status: 503, body: { checks: { worker: 'FAILED' } } });
  });
});
