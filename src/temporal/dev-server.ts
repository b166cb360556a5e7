import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';

export interface DevServerOptions {
  cliPath: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** More namespaces to create at start (tests keep planted histories out of `namespace` this way). */
  extraNamespaces?: string[];
  /** SQLite file for persistence; omitted means in-memory (tests). */
  dbFile?: string;
  headless?: boolean;
  /** Server output goes here (appended), so a failure can be read afterwards. */
  logFile: string;
}

export interface DevServerHandle {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Finds or builds the Temporal CLI through the one provisioning script, and returns its path. The script's
 * progress (its stderr: which route, the Go build's module count, "still building") is passed on as it comes,
 * never held until the build ends: a first `npm start` that builds for minutes says so while it does.
 */
export function resolveTemporalCli(
  repoRoot: string,
  progress: Pick<NodeJS.WritableStream, 'write'> = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(repoRoot, 'scripts/temporal-cli.sh')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
      timeout: 60 * 60_000,
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => progress.write(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        reject(new Error('The Temporal CLI could not be found or built (see the options printed above).'));
      else resolve(stdout.trim().split('\n').pop() ?? '');
    });
  });
}

/** Starts `temporal server start-dev` and resolves once its frontend answers. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServerHandle> {
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const out = openSync(opts.logFile, 'a');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace,
    '--log-format',
    'json',
    '--log-level',
    'warn',
  ];
  for (const extra of opts.extraNamespaces ?? []) args.push('--namespace', extra);
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', out, out] });
  const address = `127.0.0.1:${opts.port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`temporal server exited early (code ${code}); see ${opts.logFile}`)),
    ),
  );
  exited.catch(() => undefined);
  await Promise.race([waitForFrontend(address, opts.namespace), exited]);
  return {
    address,
    uiUrl: opts.headless ? null : `http://127.0.0.1:${opts.uiPort}`,
    process: child,
    stop: () => stopChild(child),
  };
}

async function waitForFrontend(address: string, namespace: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`Temporal at ${address} did not come up: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
