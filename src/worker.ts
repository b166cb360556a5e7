import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';
import { Connection } from '@temporalio/client';
import { createActivities } from '../activities';
import { config } from './config';
import type { Config } from './config';
import { createLogger } from './logger';
import { openDependencies } from './runtime';
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
  return { worker, close: () => deps.close() };
}

async function main(): Promise<void> {
  const cfg = config();
  const log = createLogger('worker', cfg.LOG_LEVEL);
  Runtime.install({
    logger: {
      log: (level, message, meta) => log[toLevel(level)](message, meta),
      trace: () => undefined,
      debug: (m, meta) => log.debug(m, meta),
      info: (m, meta) => log.info(m, meta),
      warn: (m, meta) => log.warn(m, meta),
      error: (m, meta) => log.error(m, meta),
    },
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
  const address = cfg.TEMPORAL_ADDRESS ?? `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`;
  const client = await Connection.connect({ address });
  await ensureSearchAttributes(client, cfg.TEMPORAL_NAMESPACE);
  await client.close();
  const connection = await NativeConnection.connect({ address });
  const { worker, close } = await createWorker(cfg, connection);
  log.info('Worker started', {
    taskQueue: cfg.TEMPORAL_TASK_QUEUE,
    temporal: address,
    xeroApi: cfg.XERO_API_URL,
  });
  try {
    await worker.run();
  } finally {
    await close();
    await connection.close();
  }
}

function toLevel(level: LogLevel): 'debug' | 'info' | 'warn' | 'error' {
  if (level === 'TRACE' || level === 'DEBUG') return 'debug';
  return level === 'INFO' ? 'info' : level === 'WARN' ? 'warn' : 'error';
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
