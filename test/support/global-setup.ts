import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { resolveTemporalCli, startDevServer } from '../../src/temporal/dev-server';
import { CONTROL_NAMESPACE } from './history-scan';
import { freePort } from './ports';

/**
 * One real Temporal dev server and one real PostgreSQL for the whole run, on free ports, torn down in
 * global-teardown. Each test file then gets its own database and its own task queue, so files never share
 * state. The addresses reach the test workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'xms-test-'));
  // As root, PostgreSQL runs as the `postgres` user, which must be able to reach its data directory.
  chmodSync(scratch, 0o755);
  const cliPath = await resolveTemporalCli(path.resolve(__dirname, '../..'));
  const [temporalPort, pgPort] = [await freePort(), await freePort()];
  const started = await Promise.allSettled([
    startDevServer({
      cliPath,
      port: temporalPort,
      uiPort: 0,
      namespace: 'default',
      // The history scan's negative control plants secrets there, never in `default` (history-scan.ts).
      extraNamespaces: [CONTROL_NAMESPACE],
      headless: true,
      logFile: path.join(scratch, 'temporal.log'),
    }),
    startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg'), port: pgPort, database: 'postgres' }),
  ] as const);
  const [temporalStart, pgStart] = started;
  if (temporalStart.status === 'rejected' || pgStart.status === 'rejected') {
    // Leave nothing running when only one of the two came up.
    if (temporalStart.status === 'fulfilled') await temporalStart.value.stop();
    if (pgStart.status === 'fulfilled') await pgStart.value.stop();
    throw temporalStart.status === 'rejected'
      ? temporalStart.reason
      : (pgStart as PromiseRejectedResult).reason;
  }
  const [temporal, pg] = [temporalStart.value, pgStart.value];
  process.env.TEST_TEMPORAL_CLI = cliPath;
  process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.TEST_DATABASE_URL = pg.databaseUrl;
  process.env.TEST_SCRATCH_DIR = scratch;
  // Every process of the run logs here (the test files through testConfig, spawned processes through LOG_FILE
  // in their environment); global teardown scans it. Kept after the run for reading; emptied at the next.
  const logFile = path.resolve(__dirname, '../../.data/test-logs.ndjson');
  mkdirSync(path.dirname(logFile), { recursive: true });
  writeFileSync(logFile, '');
  process.env.TEST_LOG_FILE = logFile;
  process.env.LOG_FILE = logFile;
  (globalThis as Record<string, unknown>).__xmsTestServers = { temporal, pg, scratch };
}
