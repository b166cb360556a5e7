import express from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import type { Logger } from '../logger';
import type { XeroGateway } from '../xero/gateway';
import { ApiError, errorHandler } from './errors';
import { syncRequestRoutes } from './sync-requests/routes';

export interface ApiDeps {
  cfg: Config;
  db: Db;
  temporal: Client;
  log: Logger;
  newXeroGateway: () => XeroGateway;
}

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: deps.cfg.API_BODY_LIMIT }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use('/api/sync-requests', syncRequestRoutes(deps));
  app.use((req, _res, next) =>
    next(new ApiError(404, 'Not Found', `No route for ${req.method} ${req.path}.`)),
  );
  app.use(errorHandler(deps.log));
  return app;
}
