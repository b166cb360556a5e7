/**
 * P5's pollers, in a process of their own: plain HTTP clients, as a platform's backend would be, reading one
 * request's progress. They run apart from the bench process because that one also hosts the Xero simulator and
 * a worker: timed there, a read would also count the time its answer waited for that busy event loop.
 *
 * argv: URL of GET /api/sync-requests/:id, number of clients, interval in ms. The API key comes in the
 * environment (BENCH_API_KEY), never in argv. Each client starts at its own offset within the interval, as
 * independent clients do. When stdin ends, the clients stop and the latencies (ms) are printed as one JSON line.
 */
async function main(): Promise<void> {
  const [url, clientsArg, intervalArg] = process.argv.slice(2);
  const key = process.env.BENCH_API_KEY;
  if (!url || !key) throw new Error('usage: poller.ts <url> <clients> <interval ms>, with BENCH_API_KEY set');
  const clients = Number(clientsArg);
  const interval = Number(intervalArg);
  let running = true;
  process.stdin.on('end', () => (running = false)).resume();
  const latencies: number[] = [];
  const errors: string[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const client = async (offset: number) => {
    await sleep(offset);
    while (running) {
      const t0 = performance.now();
      const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      await res.arrayBuffer();
      if (res.status === 200) latencies.push(performance.now() - t0);
      else errors.push(`answered ${res.status}`);
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
