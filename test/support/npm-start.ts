import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

const root = path.resolve(__dirname, '../..');

/**
 * An `npm start` (or another npm script) of the real product in a child process of its own: a scratch DATA_DIR,
 * free ports, and its output collected line by line so a test can wait for what it says.
 */
export interface NpmProcess {
  child: ChildProcess;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  lines: string[];
  /** Resolves with the first line (already printed or still to come) matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Ctrl-C (SIGINT to its process group), then the exit code; SIGKILL after a grace period. */
  stop(): Promise<number | null>;
}

export async function scratchEnv(
  overrides: Record<string, string> = {},
): Promise<{ env: NodeJS.ProcessEnv; dataDir: string }> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'xms-npm-'));
  // As root, PostgreSQL runs as the `postgres` user, which must reach its data directory.
  chmodSync(scratch, 0o755);
  const dataDir = path.join(scratch, 'data');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (/^(DATABASE_URL|TEMPORAL_ADDRESS|XERO_|TOKEN_ENCRYPTION_|API_|EMBEDDED_PG_PORT)/.test(name))
      delete env[name];
  Object.assign(env, {
    DATA_DIR: dataDir,
    API_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    XERO_SIM_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    ...(process.env.TEST_TEMPORAL_CLI ? { TEMPORAL_CLI: process.env.TEST_TEMPORAL_CLI } : {}),
    ...overrides,
  });
  return { env, dataDir };
}

/** The file each npm script runs (`"start": "tsx src/start.ts"`): run directly, so its own exit code is seen. */
const SCRIPTS: Record<string, string> = { start: 'src/start.ts', db: 'src/db/serve.ts' };

export function runNpm(script: string, env: NodeJS.ProcessEnv, dataDir: string): NpmProcess {
  const declared = (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts[script];
  if (declared !== `tsx ${SCRIPTS[script]}`)
    throw new Error(`npm run ${script} is "${declared}", not tsx ${SCRIPTS[script]}`);
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPTS[script]!], {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }>();
  const onData = (buffer: { rest: string }) => (chunk: Buffer) => {
    const text = buffer.rest + chunk.toString('utf8');
    const parts = text.split('\n');
    buffer.rest = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters) {
        const m = line.match(w.pattern);
        if (m) {
          waiters.delete(w);
          w.resolve(m);
        }
      }
    }
  };
  child.stdout!.on('data', onData({ rest: '' }));
  child.stderr!.on('data', onData({ rest: '' }));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    env,
    dataDir,
    lines,
    waitFor: (pattern, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const seen = lines.map((l) => l.match(pattern)).find(Boolean);
        if (seen) return resolve(seen);
        const waiter = { pattern, resolve };
        waiters.add(waiter);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no line matching ${pattern} within ${timeoutMs} ms; output:\n${lines
                .filter((l) => !l.startsWith('{'))
                .slice(-40)
                .join('\n')}`,
            ),
          );
        }, timeoutMs);
        void exited.then(() => {
          if (!waiters.has(waiter)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(
            new Error(`${script} exited before printing ${pattern}; output:\n${lines.slice(-40).join('\n')}`),
          );
        });
        const original = waiter.resolve;
        waiter.resolve = (m) => {
          clearTimeout(timer);
          original(m);
        };
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGINT');
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        }, 30_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}

export function removeScratch(dataDir: string): void {
  rmSync(path.dirname(dataDir), { recursive: true, force: true });
}
