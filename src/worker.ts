import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';
import { Connection } from '@temporalio/client';
import { createActivities } from '../activities';
import { config } from './config';
import type { Config } from './config';
import { createLogger } from './logger';
import type { Logger } from './logger';
import { openDependencies } from './runtime';
import type { Dependencies } from './runtime';
import { ensureSearchAttributes } from './temporal/search-attributes';
import { startWorkerHealthServer } from './worker-health';

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

/** The worker's /healthz and /readyz, when WORKER_HTTP_PORT is set. */
async function startHealth(
  cfg: Config,
  worker: Worker,
  deps: Dependencies,
  connection: NativeConnection,
  log: Logger,
) {
  if (cfg.WORKER_HTTP_PORT === undefined) return undefined;
  const health = await startWorkerHealthServer({
    host: cfg.WORKER_HTTP_HOST,
    port: cfg.WORKER_HTTP_PORT,
    worker,
    log,
    probes: {
      postgres: () => deps.db.query('SELECT 1'),
      temporal: () =>
        connection.withDeadline(Date.now() + 3000, () => connection.workflowService.getSystemInfo({})),
    },
  });
  log.info('Worker health listening', { url: health.url });
  return health;
}

async function main(): Promise<void> {
  const cfg = config();
  // Before anything connects: a compiled worker without its bundle stops here, saying how to build it.
  const source = workflowSource();
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
  const { worker, deps, close } = await createWorker(cfg, connection, source);
  log.info('Worker started', {
    taskQueue: cfg.TEMPORAL_TASK_QUEUE,
    temporal: address,
    xeroApi: cfg.XERO_API_URL,
    workflows: 'workflowBundle' in source ? `bundle ${source.workflowBundle.codePath}` : 'sources',
  });
  const health = await startHealth(cfg, worker, deps, connection, log);
  try {
    await worker.run();
  } finally {
    await health?.close();
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
