import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createApp } from '../../src/api/app';
import { createApiServer } from '../../src/api/server';
import { createApiKey } from '../../src/api-keys/store';
import { apiClient } from './api';
import type { ApiClient } from './api';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { openDependencies } from '../../src/runtime';
import { createWebhookWorker } from '../../src/worker';
import type { Dependencies } from '../../src/runtime';
import { startXeroSim } from '../../src/xero-sim';
import type { RunningXeroSim, XeroSimOptions } from '../../src/xero-sim';
import { connectTemporal, createTestDatabase, testConfig, uniqueTaskQueue, workflowBundle } from './harness';
import type { TestDatabase, TestTemporal } from './harness';

/**
 * The whole product in one test process, on real parts: Temporal dev server, PostgreSQL (a fresh database),
 * the Xero simulator, an in-process worker on its own task queue, and the HTTP API on a free port.
 */
export interface TestSystem {
  cfg: Config;
  database: TestDatabase;
  temporal: TestTemporal;
  xero: RunningXeroSim;
  deps: Dependencies;
  apiUrl: string;
  /** An API key for the business (created on first use). */
  keyFor(businessId: string): Promise<string>;
  /** An API client authenticated as the business, checking every answer against the OpenAPI document. */
  api(businessId: string): Promise<ApiClient>;
  /** Starts another in-process worker (e.g. after stopping one). */
  startWorker(): Promise<Worker>;
  stop(): Promise<void>;
}

export interface TestSystemOptions {
  sim?: Partial<XeroSimOptions>;
  env?: Record<string, string>;
  worker?: boolean;
}

export async function startTestSystem(name: string, options: TestSystemOptions = {}): Promise<TestSystem> {
  const [database, temporal, xero] = await Promise.all([
    createTestDatabase(),
    connectTemporal(),
    startXeroSim({ port: 0, ...options.sim }),
  ]);
  const cfg = testConfig({
    DATABASE_URL: database.url,
    XERO_API_URL: xero.apiUrl,
    XERO_IDENTITY_URL: xero.identityUrl,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue(name),
    ...options.env,
  });
  const deps = await openDependencies(cfg, 'test');
  const workers: Array<{ worker: Worker; running: Promise<void> }> = [];
  const startWorker = async () => {
    const worker = await Worker.create({
      connection: temporal.nativeConnection,
      taskQueue: cfg.TEMPORAL_TASK_QUEUE,
      workflowBundle: await workflowBundle(),
      activities: createActivities(deps),
    });
    workers.push({ worker, running: worker.run() });
    // The webhook deliveries' attempts, on their own queue, as the worker process runs them.
    const webhooks = await createWebhookWorker(cfg, temporal.nativeConnection, deps);
    workers.push({ worker: webhooks, running: webhooks.run() });
    return worker;
  };
  if (options.worker !== false) await startWorker();
  const app = createApp({
    newXeroGateway: deps.newXeroGateway,
    limiter: deps.limiter,
    cfg,
    db: database.db,
    temporal: temporal.client,
    log: createLogger('api', cfg.LOG_FILE ? 'info' : 'error', cfg.LOG_FILE),
  });
  const server: Server = await new Promise((resolve) => {
    const s = createApiServer(app).listen(0, '127.0.0.1', () => resolve(s));
  });
  const keys = new Map<string, Promise<string>>();
  const keyFor = (businessId: string) => {
    if (!keys.has(businessId))
      keys.set(
        businessId,
        createApiKey(database.db, businessId, 'test').then((k) => k.key),
      );
    return keys.get(businessId)!;
  };
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    cfg,
    database,
    temporal,
    xero,
    deps,
    keyFor,
    api: async (businessId) => apiClient(apiUrl, await keyFor(businessId)),
    startWorker,
    apiUrl,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const w of workers) if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
      await Promise.all(workers.map((w) => w.running));
      await deps.close();
      await Promise.all([xero.close(), temporal.close(), database.drop()]);
    },
  };
}

/**
 * Xero's clock 60 times as fast (its minute window a second) and one-second steps: a request of a few days syncs in
 * seconds, so a test (or a page in a browser) can follow it to its end.
 */
export const QUICK_SYNC: TestSystemOptions = {
  sim: { timeScale: 60 },
  env: { XERO_WINDOW_MS: '1000', SYNC_STEP_SECONDS: '1' },
};

/**
 * The system with Xero failing as the exactly-once tests want it: 8% of calls answered 503 and 12% of writes
 * committed with their answer lost (a retry must find what was written), on the simulator's clock 60 times as fast.
 * The seed draws the same faults each run.
 */
export function startFaultySystem(name: string, seed: number): Promise<TestSystem> {
  return startTestSystem(name, {
    sim: {
      timeScale: 60,
      seed,
      faults: [
        { errorRate: 0.08, errorStatus: 503 },
        { writesOnly: true, dropAfterCommitRate: 0.12 },
      ],
    },
    env: { XERO_WINDOW_MS: '1000', XERO_REQUEST_TIMEOUT_MS: '5000' },
  });
}

/** Polls `fn` until it returns a truthy value (visibility is eventually consistent). */
export async function eventually<T>(
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
