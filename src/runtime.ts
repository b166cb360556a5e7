import type { Config } from './config';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import type { Db } from './db/pool';
import { createLogger } from './logger';
import type { Logger } from './logger';
import { XeroGateway } from './xero/gateway';
import { TenantLimiter } from './xero/limiter';
import { clientCredentialsTokens } from './xero/tokens';
import type { TokenProvider } from './xero/tokens';

/** What the worker's activities and the API share: injected, so tests can build them their own way. */
export interface Dependencies {
  cfg: Config;
  db: Db;
  tokens: TokenProvider;
  limiter: TenantLimiter;
  /** A gateway per activity run would lose nothing; one per process keeps the call counter simple. */
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

export function requireXeroCredentials(cfg: Config): { clientId: string; clientSecret: string } {
  if (!cfg.XERO_CLIENT_ID || !cfg.XERO_CLIENT_SECRET) {
    console.error(
      'XERO_CLIENT_ID / XERO_CLIENT_SECRET: not set. Run `npm start` without them to use the local Xero ' +
        'simulator, or set both to your Xero app’s credentials (see .env.example).',
    );
    process.exit(1);
  }
  return { clientId: cfg.XERO_CLIENT_ID, clientSecret: cfg.XERO_CLIENT_SECRET };
}

export async function openDependencies(cfg: Config, component = 'worker'): Promise<Dependencies> {
  const db = createPool(requireDatabaseUrl(cfg));
  await migrate(db);
  const limiter = new TenantLimiter(db, {
    perMinute: cfg.XERO_MINUTE_BUDGET,
    concurrency: cfg.XERO_CONCURRENCY,
    windowMs: cfg.XERO_WINDOW_MS,
    leaseMs: cfg.XERO_REQUEST_TIMEOUT_MS * 2,
  });
  const tokens = clientCredentialsTokens({
    identityUrl: cfg.XERO_IDENTITY_URL,
    ...requireXeroCredentials(cfg),
  });
  return {
    cfg,
    db,
    tokens,
    limiter,
    newXeroGateway: () =>
      new XeroGateway({
        apiUrl: cfg.XERO_API_URL,
        tokens,
        limiter,
        timeoutMs: cfg.XERO_REQUEST_TIMEOUT_MS,
        quotaProbeMs: cfg.XERO_QUOTA_PROBE_MS,
      }),
    log: createLogger(component, cfg.LOG_LEVEL),
    close: () => db.end(),
  };
}
