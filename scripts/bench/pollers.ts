/**
 * Starts P5's pollers (scripts/bench/poller.ts) in a process of their own and waits until they are ready: they
 * read `url` once `read(url)` is called, until `stop()`, which answers their timed latencies.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

/** The pollers' process, once it says it is ready: it reads `url` until its stdin ends, then prints its latencies. */
export async function startPollers(key: string, clients: number, intervalMs: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'poller.ts'), String(clients), String(intervalMs)],
    { env: { ...process.env, BENCH_API_KEY: key }, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let out = '';
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) resolve();
    });
    void done.then(() => reject(new Error(`the pollers exited ${child.exitCode} before they were ready`)));
  });
  out = out.slice('ready\n'.length);
  return {
    read: (url: string) => child.stdin!.write(`${url}\n`),
    stop: async (): Promise<{ latencies: number[]; errors: string[] }> => {
      child.stdin!.end();
      await done;
      if (child.exitCode !== 0) throw new Error(`the pollers exited ${child.exitCode}`);
      return JSON.parse(out.trim()) as { latencies: number[]; errors: string[] };
    },
  };
}
