import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../../src/config';

const root = path.resolve(__dirname, '../..');

/** The env a real worker process needs to join a test system (the same variables a deployment sets). */
export function workerEnv(cfg: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: cfg.DATABASE_URL,
    TEMPORAL_ADDRESS: cfg.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: cfg.TEMPORAL_TASK_QUEUE,
    XERO_API_URL: cfg.XERO_API_URL,
    XERO_IDENTITY_URL: cfg.XERO_IDENTITY_URL,
    XERO_CLIENT_ID: cfg.XERO_CLIENT_ID,
    XERO_CLIENT_SECRET: cfg.XERO_CLIENT_SECRET,
    TOKEN_ENCRYPTION_KEY: cfg.TOKEN_ENCRYPTION_KEY,
    XERO_WINDOW_MS: String(cfg.XERO_WINDOW_MS),
    XERO_DAY_WINDOW_MS: String(cfg.XERO_DAY_WINDOW_MS),
    XERO_MINUTE_BUDGET: String(cfg.XERO_MINUTE_BUDGET),
    XERO_CONCURRENCY: String(cfg.XERO_CONCURRENCY),
    XERO_REQUEST_TIMEOUT_MS: String(cfg.XERO_REQUEST_TIMEOUT_MS),
    XERO_QUOTA_PROBE_MS: String(cfg.XERO_QUOTA_PROBE_MS),
    SYNC_STEP_SECONDS: String(cfg.SYNC_STEP_SECONDS),
    LOG_LEVEL: 'error',
    ...extra,
  };
}

/** Starts `src/worker.ts` as its own process, exactly as `npm run worker` does (its logs on stdout kept if asked). */
export function spawnWorker(env: NodeJS.ProcessEnv, stdout: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  // XMS_WORKER_NODE_ARGS: extra node flags for the worker (e.g. --cpu-prof when profiling a benchmark).
  const extra = (env.XMS_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...extra, '--import', 'tsx', path.join(root, 'src/worker.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', stdout, 'inherit'],
  });
}

/** Env for a process whose log lines a test reads on its stdout, instead of the run's log file (LOG_FILE). */
export const LOGS_ON_STDOUT = { LOG_FILE: '' };

/**
 * Copies a process's stdout log lines into the run's log file (TEST_LOG_FILE), whole lines only, so the
 * secrets scan of test/support/log-scan.ts still reads the logs of processes that log on stdout.
 */
export function keepInTestLog(stdout: Readable): void {
  const file = process.env.TEST_LOG_FILE;
  if (!file) return;
  let partial = '';
  stdout.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const end = text.lastIndexOf('\n');
    partial = text.slice(end + 1);
    if (end >= 0) appendFileSync(file, text.slice(0, end + 1));
  });
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM and wait: the worker drains and exits. */
export async function stopWorker(child: ChildProcess): Promise<void> {
  const done = exited(child);
  child.kill('SIGTERM');
  await done;
}
