/**
 * P5's pollers, in a process of their own: plain HTTP clients, as a platform's backend would be, reading one
 * request's progress. They run apart from the bench process because that one also hosts the Xero simulator and
 * a worker: timed there, a read would also count the time its answer waited for that busy event loop.
 *
 * argv: number of clients, interval in ms. The API key comes in the environment (BENCH_API_KEY), never in argv.
 * The process starts before the request does and prints "ready"; the URL of GET /api/sync-requests/:id then comes
 * as the first line of stdin. Each client starts at its own offset within the interval, as independent clients do,
 * and its first read is not timed: a platform's backend polling a request is a warm process with its connection
 * open, so neither this process's start (compiling it, JIT) nor a connection's opening is the API's latency. When
 * stdin ends, the clients stop and the timed latencies (ms) are printed as one JSON line.
 *
 * node:http with a keep-alive agent rather than fetch: on this 2-core bench machine the pollers share the CPU with
 * the API they time, and fetch (undici) cost them twice the CPU per read.
 */
import http from 'node:http';
import { createInterface } from 'node:readline';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function get(url: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  const [clientsArg, intervalArg] = process.argv.slice(2);
  const key = process.env.BENCH_API_KEY;
  if (!key) throw new Error('usage: poller.ts <clients> <interval ms>, with BENCH_API_KEY set');
  const clients = Number(clientsArg);
  const interval = Number(intervalArg);
  const lines = createInterface({ input: process.stdin });
  let running = true;
  const url = new Promise<string>((resolve) => lines.once('line', resolve));
  lines.once('close', () => (running = false));
  process.stdout.write('ready\n');
  const target = await url;
  const latencies: number[] = [];
  const errors: string[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const client = async (offset: number) => {
    await sleep(offset);
    for (let timed = false; running; timed = true) {
      const t0 = performance.now();
      const status = await get(target, key);
      if (status !== 200) errors.push(`answered ${status}`);
      else if (timed) latencies.push(performance.now() - t0);
      await sleep(interval);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => client((i * interval) / clients)));
  process.stdout.write(`${JSON.stringify({ latencies, errors })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
