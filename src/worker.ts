import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { createActivities, createWebhookActivities } from '../activities';
import { config } from './config';
import type { Config } from './config';
import { webhookTaskQueue } from './definitions';
import { createLogger } from './logger';
import type { Logger } from './logger';
import { metricsRoute, startWorkerHttpServer } from './observability/metrics-server';
import { freeLoopbackPort, sdkMetrics, temporalLogger } from './observability/temporal';
import { workerHealthRoutes } from './observability/worker-health';
import { openDependencies } from './runtime';
import type { Dependencies } from './runtime';
import { ensureKeepAliveSchedule } from './temporal/keep-alive-schedule';
import { ensureSearchAttributes } from './temporal/search-attributes';

/** The file `npm run build` bundles the workflow code into, at the root of its output (dist/). */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

/**
 * Where the workflow code comes from. Compiled (`node dist/src/worker.js`): the bundle `npm run build` made, and
 * nothing else, so production never runs webpack and runs exactly the code that was built. From the TypeScript
 * sources (`npm run worker`): the workflows folder, bundled at start.
 */
export function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  if (!__filename.endsWith('.js')) return { workflowsPath: require.resolve('../workflows') };
  const codePath = path.join(__dirname, '..', WORKFLOW_BUNDLE_FILE);
  if (!existsSync(codePath))
    throw new Error(
      `${codePath} is missing: build with \`npm run build\` (it bundles the workflow code once), ` +
        'or run the worker from its sources with `npm run worker`.',
    );
  return { workflowBundle: { codePath } };
}

/** Builds a worker for the manual-sync task queue, on dependencies of its own. */
export async function createWorker(
  cfg: Config,
  connection: NativeConnection,
  source: ReturnType<typeof workflowSource> = workflowSource(),
) {
  const deps = await openDependencies(cfg);
  const worker = await Worker.create({
    connection,
    namespace: cfg.TEMPORAL_NAMESPACE,
    taskQueue: cfg.TEMPORAL_TASK_QUEUE,
    ...source,
    activities: createActivities(deps),
    maxConcurrentActivityTaskExecutions: cfg.SYNC_MAX_CONCURRENT_ACTIVITIES,
  });
  return { worker, deps, close: () => deps.close() };
}

/**
 * The webhook deliveries' attempts, on their own task queue with their own activity slots (no workflow code: the
 * delivery workflows run on the main queue), so receivers never hold up a sync step.
 */
export function createWebhookWorker(cfg: Config, connection: NativeConnection, deps: Dependencies) {
  return Worker.create({
    connection,
    namespace: cfg.TEMPORAL_NAMESPACE,
    taskQueue: webhookTaskQueue(cfg.TEMPORAL_TASK_QUEUE),
    activities: createWebhookActivities(deps),
    maxConcurrentActivityTaskExecutions: cfg.WEBHOOK_MAX_CONCURRENT_DELIVERIES,
  });
}

/**
 * The worker's HTTP server on WORKER_HTTP_PORT (unset: none): /metrics (its own, then the Temporal SDK's), and
 * /healthz and /readyz over both of its workers.
 */
async function startHttp(
  cfg: Config,
  log: Logger,
  sdkPort: number | undefined,
  health: { workers: Worker[]; deps: Dependencies; connection: NativeConnection },
) {
  if (cfg.WORKER_HTTP_PORT === undefined) return undefined;
  const { workers, deps, connection } = health;
  const server = await startWorkerHttpServer({
    host: cfg.WORKER_HTTP_HOST,
    port: cfg.WORKER_HTTP_PORT,
    routes: {
      '/metrics': metricsRoute(sdkPort === undefined ? undefined : sdkMetrics(sdkPort)),
      ...workerHealthRoutes({
        workers,
        probes: {
          postgres: () => deps.db.query('SELECT 1'),
          temporal: () =>
            connection.withDeadline(Date.now() + 3000, () => connection.workflowService.getSystemInfo({})),
        },
      }),
    },
    log,
  });
  log.info('Worker HTTP listening', { url: server.url, routes: ['/metrics', '/healthz', '/readyz'] });
  return server;
}

async function main(): Promise<void> {
  const cfg = config();
  // Before anything connects: a compiled worker without its bundle stops here, saying how to build it.
  const source = workflowSource();
  const log = createLogger('worker', cfg.LOG_LEVEL, cfg.LOG_FILE);
  // The SDK's own Prometheus exporter, on a loopback port that only this process's /metrics reads.
  const sdkPort = cfg.WORKER_HTTP_PORT === undefined ? undefined : await freeLoopbackPort();
  Runtime.install({
    logger: temporalLogger(log),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(sdkPort === undefined ? {} : { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkPort}` } } }),
    },
  });
  const address = cfg.TEMPORAL_ADDRESS ?? `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`;
  const client = await Connection.connect({ address });
  await ensureSearchAttributes(client, cfg.TEMPORAL_NAMESPACE);
  const keepAlive = await ensureKeepAliveSchedule(
    new Client({ connection: client, namespace: cfg.TEMPORAL_NAMESPACE }),
    { taskQueue: cfg.TEMPORAL_TASK_QUEUE, enabled: cfg.XERO_KEEPALIVE_AFTER_DAYS > 0 },
  );
  log.info('Xero keep-alive schedule', {
    schedule: keepAlive,
    afterDays: cfg.XERO_KEEPALIVE_AFTER_DAYS,
  });
  await client.close();
  const connection = await NativeConnection.connect({ address });
  const { worker, deps, close } = await createWorker(cfg, connection, source);
  const webhooks = await createWebhookWorker(cfg, connection, deps);
  log.info('Worker started', {
    taskQueue: cfg.TEMPORAL_TASK_QUEUE,
    webhookTaskQueue: webhookTaskQueue(cfg.TEMPORAL_TASK_QUEUE),
    temporal: address,
    xeroApi: cfg.XERO_API_URL,
    workflows: 'workflowBundle' in source ? `bundle ${source.workflowBundle.codePath}` : 'sources',
  });
  const http = await startHttp(cfg, log, sdkPort, { workers: [worker, webhooks], deps, connection });
  try {
    // Both stop on SIGINT/SIGTERM (the SDK's shutdown signals); if one fails, the other is shut down too.
    await Promise.all([
      worker.run().finally(() => webhooks.getState() === 'RUNNING' && webhooks.shutdown()),
      webhooks.run().finally(() => worker.getState() === 'RUNNING' && worker.shutdown()),
    ]);
  } finally {
    await http?.close();
    await close();
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
