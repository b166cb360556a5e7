import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { config } from '../config';
import { createLogger } from '../logger';
import { openDependencies } from '../runtime';
import { createApp } from './app';

async function main(): Promise<void> {
  const cfg = config();
  const log = createLogger('api', cfg.LOG_LEVEL);
  const deps = await openDependencies(cfg, 'api');
  const { db } = deps;
  const address = cfg.TEMPORAL_ADDRESS ?? `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`;
  const connection = await Connection.connect({ address });
  const temporal = new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE });
  const app = createApp({
    cfg,
    db,
    temporal,
    log,
    limiter: deps.limiter,
    newXeroGateway: deps.newXeroGateway,
  });
  const server: Server = app.listen(cfg.API_PORT, cfg.API_HOST, () => {
    log.info('API listening', { url: `http://${cfg.API_HOST}:${cfg.API_PORT}` });
  });
  const shutdown = () => {
    server.close(() => {
      void Promise.allSettled([db.end(), connection.close()]).then(() => process.exit(0));
    });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
