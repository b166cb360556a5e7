import type { Server } from 'node:http';
import { config } from '../config';
import { createLogger } from '../logger';
import { openDependencies } from '../runtime';
import { createApp } from './app';
import { API_DB_DEADLINES, apiTemporalClient } from './dependencies';
import { createApiServer } from './server';

async function main(): Promise<void> {
  const cfg = config();
  const log = createLogger('api', cfg.LOG_LEVEL, cfg.LOG_FILE);
  const deps = await openDependencies(cfg, 'api', API_DB_DEADLINES);
  const { db } = deps;
  // Lazy, with a deadline on every call: the API serves (503s) while Temporal is down, and recovers by itself.
  const { client: temporal, connection } = apiTemporalClient(cfg);
  const app = createApp({
    cfg,
    db,
    temporal,
    log,
    limiter: deps.limiter,
    newXeroGateway: deps.newXeroGateway,
  });
  const server: Server = createApiServer(app).listen(cfg.API_PORT, cfg.API_HOST, () => {
    log.info('API listening', { url: `http://${cfg.API_HOST}:${cfg.API_PORT}` });
  });
  const shutdown = () => {
    server.close(() => {
      void Promise.allSettled([db.end(), connection.close()]).then(() => process.exit(0));
    });
    // Open pages hold their live-update streams open: end them, or close() would wait for every tab.
    server.closeAllConnections();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
