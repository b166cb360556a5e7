import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { Connection } from '@temporalio/client';
import { createActivities, createWebhookActivities } from '../activities';
import { config } from './config';
import type { Config } from './config';
import { webhookTaskQueue } from './definitions';
import { createLogger } from './logger';
import type { Logger } from './logger';
import { metricsRoute, startWorkerHttpServer } from './observability/metrics-server';
import { freeLoopbackPort, sdkMetrics, temporalLogger } from './observability/temporal';
import { openDependencies } from './runtime';
import type { Dependencies } from './runtime';
import { ensureSearchAttributes } from './temporal/search-attributes';

/** The worker process's Worker (tests build theirs from a prebuilt workflow bundle, test/support/system.ts). */
export async function createWorker(cfg: Config, connection: NativeConnection) {
  const deps = await openDependencies(cfg);
  const worker = await Worker.create({
    connection,
    namespace: cfg.TEMPORAL_NAMESPACE,
    taskQueue: cfg.TEMPORAL_TASK_QUEUE,
    workflowsPath: require.resolve('../workflows'),
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

/** The worker's /metrics on WORKER_HTTP_PORT (unset: none): its own metrics, then the Temporal SDK's. */
async function startHttp(cfg: Config, log: Logger, sdkPort: number | undefined) {
  if (cfg.WORKER_HTTP_PORT === undefined) return undefined;
  const server = await startWorkerHttpServer({
    host: cfg.WORKER_HTTP_HOST,
    port: cfg.WORKER_HTTP_PORT,
    routes: { '/metrics': metricsRoute(sdkPort === undefined ? undefined : sdkMetrics(sdkPort)) },
    log,
  });
  log.info('Worker metrics listening', { url: `${server.url}/metrics` });
  return server;
}

async function main(): Promise<void> {
  const cfg = config();
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
  await client.close();
  const connection = await NativeConnection.connect({ address });
  const { worker, deps, close } = await createWorker(cfg, connection);
  const webhooks = await createWebhookWorker(cfg, connection, deps);
  log.info('Worker started', {
    taskQueue: cfg.TEMPORAL_TASK_QUEUE,
    webhookTaskQueue: webhookTaskQueue(cfg.TEMPORAL_TASK_QUEUE),
    temporal: address,
    xeroApi: cfg.XERO_API_URL,
  });
  const http = await startHttp(cfg, log, sdkPort);
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
