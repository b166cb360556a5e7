import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../../src/config';
import { untilAnswersOk } from '../../src/observability/health-probe';
import { workerEnv } from './worker-process';

const root = path.resolve(__dirname, '../..');

/** The env an API process needs to join a test system on `port` (the worker's, plus where to listen). */
export function apiEnv(cfg: Config, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return workerEnv(cfg, { API_HOST: '127.0.0.1', API_PORT: String(port), ...extra });
}

/** Starts `src/api/main.ts` as its own process, exactly as `npm run api` does. */
export function spawnApi(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/api/main.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Polls `url` until it answers 2xx (a process's /readyz or /healthz), failing if the process exits first. */
export async function waitUntilReady(url: string, child?: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const exited = () => Boolean(child && (child.exitCode !== null || child.signalCode !== null));
  if (await untilAnswersOk(url, timeoutMs, exited)) return;
  if (exited())
    throw new Error(`the process exited (${child!.exitCode ?? child!.signalCode}) before ${url} was ready`);
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}
