/**
 * `npm run bench`: the product's performance record. Starts a real Temporal dev server and PostgreSQL (as the
 * tests do), runs each scenario against the Xero simulator, prints one table and writes it with the machine's
 * description as JSON. Every figure is measured in this run; ratios compare figures of the same run.
 *
 *   npm run bench                      # everything (about 20 minutes on 2 cores)
 *   npm run bench -- --only P1,RP      # some scenarios: P1 P2 P3 P4 P5 RP (real pacing) SO (scale-out)
 *                                      # DS (daily summaries, issue 23) CPU (worker CPU per call, issue 24)
 *   npm run bench -- --only P5 --scenario runP5Polling   # one scenario function of those systems
 *   npm run bench -- --out FILE        # where the JSON goes (default .data/bench/results.json)
 */
import path from 'node:path';
import globalSetup from '../../test/support/global-setup';
import { startTestSystem } from '../../test/support/system';
import type { TestSystem } from '../../test/support/system';
import type { DevServerHandle } from '../../src/temporal/dev-server';
import type { EmbeddedPostgresHandle } from '../../src/db/embedded';
import { quietTemporalRuntime } from '../../test/support/harness';
import { runDemoOnline, runP1, runP1Large } from './p1-calls';
import { runP2Latency, runP2Many, runP2Shared, runP2Single } from './p2-budget';
import { runP3 } from './p3-year';
import { runP4, runP5Counts, runP5Polling } from './p4-p5';
import { runRealPacing } from './real-pacing';
import { runDailySummary } from './daily-summary';
import { runCpu } from './cpu';
import { runScaleOut, runScaleOutRealPace } from './scale-out';
import { machine, printTable, writeResults } from './report';
import type { Row } from './report';
import { recordExchange } from './support';
import type { BenchWorkers } from './support';
import { spawnWorker, stopWorker, workerEnv } from '../../test/support/worker-process';
import { waitUntilReady } from '../../test/support/api-process';
import { freePort } from '../../test/support/ports';

type SystemOptions = Parameters<typeof startTestSystem>[1];

/** Each system is one configuration of the product (its window scale, its limits); scenarios run inside. */
const SYSTEMS: Array<{
  name: string;
  ids: string[];
  options: SystemOptions;
  /** Worker processes to run beside the in-process API and simulator, as in a deployment. */
  workers?: number;
  scenarios: Array<(s: TestSystem, workers: BenchWorkers) => Promise<Row[]>>;
}> = [
  {
    name: 'scaled (1 s minute)',
    ids: ['P1', 'P2', 'P5'],
    options: {
      sim: { timeScale: 60 },
      env: { XERO_WINDOW_MS: '1000', XERO_REQUEST_TIMEOUT_MS: '5000' },
      worker: false,
    },
    workers: 1,
    scenarios: [runP1, runP1Large, runDemoOnline, runP2Single, runP2Shared, runP5Polling, runP5Counts],
  },
  {
    // Its own system, so `--only DS` runs it alone: the same scale as P1 (a year of orders, twice).
    name: 'scaled (1 s minute), daily summaries',
    ids: ['DS'],
    options: {
      sim: { timeScale: 60 },
      env: { XERO_WINDOW_MS: '1000', XERO_REQUEST_TIMEOUT_MS: '5000' },
      worker: false,
    },
    workers: 1,
    scenarios: [runDailySummary],
  },
  {
    name: 'scaled, 30 s minute, two worker processes',
    ids: ['P2'],
    options: {
      sim: { timeScale: 2 },
      env: { XERO_WINDOW_MS: '30000', XERO_REQUEST_TIMEOUT_MS: '10000' },
      worker: false,
    },
    scenarios: [runP2Many],
  },
  {
    name: 'scaled, 30 s daily window',
    ids: ['P3', 'P5'],
    options: {
      sim: { timeScale: 60, dayWindowSeconds: 1800 },
      env: {
        XERO_WINDOW_MS: '1000',
        XERO_DAY_WINDOW_MS: '30000',
        // The production default (30 min of a 24 h day) scaled to this 30 s day, like every other time here.
        XERO_QUOTA_PROBE_MS: '625',
        XERO_REQUEST_TIMEOUT_MS: '5000',
      },
      worker: false,
    },
    scenarios: [runP3],
  },
  {
    name: 'limits off',
    ids: ['P4'],
    options: {
      // Simulated time runs 600× faster here: tokens must outlive the raw loop's run.
      sim: { timeScale: 600, accessTokenSeconds: 600 * 3600 },
      env: { XERO_WINDOW_MS: '100', XERO_CONCURRENCY: '5' },
      worker: false,
    },
    workers: 1,
    scenarios: [runP4],
  },
  {
    // Worker processes of its own (cpu.ts starts them, at LOG_LEVEL info); P5's scale.
    name: 'worker CPU per call',
    ids: ['CPU'],
    options: {
      sim: { timeScale: 60 },
      env: { XERO_WINDOW_MS: '1000', XERO_REQUEST_TIMEOUT_MS: '5000' },
      worker: false,
    },
    scenarios: [runCpu],
  },
  {
    // Its own 3 worker and 2 API processes (scale-out.ts starts them); a 10 s minute keeps 20 organisations at
    // their full pace beyond what 2 cores can do, and 5 within it.
    name: 'scale-out, 10 s minute, 3 worker and 2 API processes',
    ids: ['SO'],
    options: {
      sim: { timeScale: 6 },
      env: { XERO_WINDOW_MS: '10000', XERO_REQUEST_TIMEOUT_MS: '5000', SYNC_STEP_SECONDS: '5' },
      worker: false,
    },
    scenarios: [runScaleOut],
  },
  {
    // The sizing figures: twenty organisations at Xero's real pace, on their own worker and API processes.
    name: 'scale-out, real 60 s window, 3 worker and 2 API processes',
    ids: ['SO'],
    options: { worker: false },
    scenarios: [runScaleOutRealPace],
  },
  {
    name: 'real 60 s window',
    ids: ['RP', 'P2'],
    options: { worker: false },
    workers: 1,
    scenarios: [runRealPacing, runP2Latency],
  },
];

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const only = argument('--only')
    ?.split(',')
    .map((s) => s.trim().toUpperCase());
  const out = path.resolve(argument('--out') ?? '.data/bench/results.json');
  const scenarioName = argument('--scenario');
  const startedAt = new Date();
  quietTemporalRuntime();
  await globalSetup();
  const servers = (globalThis as Record<string, unknown>).__xmsTestServers as {
    temporal: DevServerHandle;
    pg: EmbeddedPostgresHandle;
  };
  const rows: Row[] = [];
  try {
    for (const spec of SYSTEMS) {
      if (only && !spec.ids.some((id) => only.includes(id))) continue;
      console.error(`[bench] ${spec.name}`);
      const system = await startTestSystem(`bench-${spec.name}`, {
        ...spec.options,
        sim: { ...spec.options?.sim, onExchange: recordExchange },
      });
      const ports = await Promise.all(Array.from({ length: spec.workers ?? 0 }, () => freePort()));
      const workers = ports.map((port) =>
        spawnWorker(workerEnv(system.cfg, { WORKER_HTTP_PORT: String(port) })),
      );
      const metricsUrls = ports.map((port) => `http://127.0.0.1:${port}/metrics`);
      try {
        // A scenario reads the workers' /metrics from its start (P4's limiter count): on a busy machine a worker
        // takes longer to listen than the first scenario takes to get there.
        await Promise.all(
          ports.map((port, i) => waitUntilReady(`http://127.0.0.1:${port}/readyz`, workers[i])),
        );
        for (const scenario of spec.scenarios) {
          // `--scenario runP5Polling` runs only that scenario function of the systems `--only` picks (to look into one).
          if (scenarioName && scenario.name !== scenarioName) continue;
          const found = await scenario(system, { metricsUrls });
          const wanted = only ? found.filter((r) => only.includes(r.id)) : found;
          rows.push(...wanted);
          for (const r of wanted) console.error(`[bench]   ${r.id} ${r.scenario}: ${r.metric} = ${r.value}`);
        }
      } finally {
        await Promise.all(workers.map((w) => stopWorker(w)));
        await system.stop();
      }
    }
  } finally {
    await Promise.allSettled([servers.temporal.stop(), servers.pg.stop()]);
  }
  const m = machine();
  console.log(`Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`);
  console.log(printTable(rows));
  writeResults(out, rows, startedAt);
  console.log(`Written to ${out}`);
  const missed = rows.filter((r) => !r.pass);
  if (missed.length > 0) {
    console.log(`${missed.length} figure(s) missed their target.`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
