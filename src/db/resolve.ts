import path from 'node:path';
import type { Config } from '../config';
import { startEmbeddedPostgres } from './embedded';
import { createPool } from './pool';

export interface ResolvedDatabase {
  databaseUrl: string;
  /** Where the embedded cluster came from: configured, already running (npm start), or started now. */
  source: 'DATABASE_URL' | 'embedded (running)' | 'embedded (started)';
  stop(): Promise<void>;
}

export function embeddedDataDir(cfg: Config): string {
  return path.join(cfg.dataDir, 'postgres');
}

/**
 * DATABASE_URL when set; otherwise the embedded PostgreSQL under DATA_DIR, reusing the one `npm start`
 * runs if it is up, or starting it for as long as the caller needs it.
 */
export async function resolveDatabase(
  cfg: Config,
  log: (line: string) => void = () => undefined,
): Promise<ResolvedDatabase> {
  if (cfg.DATABASE_URL)
    return { databaseUrl: cfg.DATABASE_URL, source: 'DATABASE_URL', stop: async () => undefined };
  const embeddedUrl = embeddedDatabaseUrl(cfg);
  if (await reachable(embeddedUrl))
    return { databaseUrl: embeddedUrl, source: 'embedded (running)', stop: async () => undefined };
  const pg = await startEmbeddedPostgres({ dataDir: embeddedDataDir(cfg), port: cfg.EMBEDDED_PG_PORT, log });
  return { databaseUrl: pg.databaseUrl, source: 'embedded (started)', stop: () => pg.stop() };
}

/** Where the embedded PostgreSQL of DATA_DIR listens (npm start, npm run db). */
export function embeddedDatabaseUrl(cfg: Config): string {
  return `postgres://postgres:postgres@127.0.0.1:${cfg.EMBEDDED_PG_PORT}/xero_manual_sync`;
}

export async function reachable(url: string): Promise<boolean> {
  const pool = createPool(url, 1);
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await pool.end();
  }
}
