import type { Config } from './config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import type { Db, PoolDeadlines } from './db/pool';
import { createLogger } from './logger';
import type { Logger } from './logger';
import { XeroGateway } from './xero/gateway';
import { TenantLimiter } from './xero/limiter';
import type { LimiterOptions } from './xero/limiter';
import { XeroConnections } from './xero/connections';
import { requireTokenCipher } from './xero/token-crypto';
import type { TokenProvider } from './xero/tokens';
import type { TokenCipher } from './xero/token-crypto';

/**
 * The clients a process gives its activities or API handlers, opened once per process by `openDependencies`
 * (tests open them the same way, on their own database and servers). They are passed in, never imported.
 */
export interface Dependencies {
  cfg: Config;
  db: Db;
  tokens: TokenProvider;
  /** Each business's Xero connection (token store, connect and disconnect). */
  connections: XeroConnections;
  limiter: TenantLimiter;
  /** Seals and opens the secrets stored in PostgreSQL (Xero tokens, webhook secrets). */
  cipher: TokenCipher;
  /** A Xero gateway (it holds no per-call state: the limiter and token provider are shared). */
  newXeroGateway(): XeroGateway;
  log: Logger;
  close(): Promise<void>;
}

export function requireDatabaseUrl(cfg: Config): string {
  if (!cfg.DATABASE_URL) {
    console.error(
      'DATABASE_URL: not set. Run `npm start` (it starts an embedded PostgreSQL and passes the URL on), ' +
        'or set DATABASE_URL=postgres://user:pass@host:5432/db (see .env.example).',
    );
    process.exit(1);
  }
  return cfg.DATABASE_URL;
}

/** Applies migrations on a pool of its own: they may wait for another process's lock longer than any deadline. */
async function migrateDatabase(url: string): Promise<void> {
  // Two connections: one holds the advisory lock, the other runs each migration's transaction.
  const pool = createPool(url, 2);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}

/** The limiter's pacing as the configuration sets it; a lease outlives a stalled call's timeout twice over. */
export function limiterOptions(cfg: Config): LimiterOptions {
  return {
    perMinute: cfg.XERO_MINUTE_BUDGET,
    concurrency: cfg.XERO_CONCURRENCY,
    windowMs: cfg.XERO_WINDOW_MS,
    dayWindowMs: cfg.XERO_DAY_WINDOW_MS,
    leaseMs: cfg.XERO_REQUEST_TIMEOUT_MS * 2,
    probeMs: cfg.XERO_QUOTA_PROBE_MS,
  };
}

export async function openDependencies(
  cfg: Config,
  component = 'worker',
  deadlines?: PoolDeadlines,
): Promise<Dependencies> {
  const url = requireDatabaseUrl(cfg);
  await migrateDatabase(url);
  // Ten connections a process (docs/operations.md "Sizing"), named per process in pg_stat_activity.
  const db = createPool(url, 10, deadlines, `xero-manual-sync ${component} ${process.pid}`);
  const limiter = new TenantLimiter(db, limiterOptions(cfg));
  const log = createLogger(component, cfg.LOG_LEVEL, cfg.LOG_FILE);
  const cipher = requireTokenCipher(cfg);
  const connections = XeroConnections.fromConfig(cfg, db, cipher, log);
  const tokens = connections.tokens;
  return {
    cfg,
    db,
    tokens,
    connections,
    limiter,
    cipher,
    newXeroGateway: () =>
      new XeroGateway({
        apiUrl: cfg.XERO_API_URL,
        tokens,
        limiter,
        timeoutMs: cfg.XERO_REQUEST_TIMEOUT_MS,
      }),
    log,
    close: () => db.end(),
  };
}
