import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { apiRouter } from './api';
import { problem, xeroError } from './errors';
import { identityRouter } from './identity';
import { inspectionRouter } from './inspection';
import { send } from './pipeline';
import type { XeroSim } from './sim';

export const API_PATH = '/api.xro/2.0';

/** Maps body-parser and unexpected errors to Xero-like answers; internals never leak. */
function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const status = (err as { status?: number; type?: string }).status;
  const type = (err as { type?: string }).type;
  if (status === 413 || type === 'entity.too.large')
    return send(res, problem(413, 'Request Entity Too Large', 'The request body is larger than 3.5 MB.'));
  if (status === 400) return send(res, xeroError(400, 14, 'PostDataInvalidException', 'Invalid Json data'));
  send(res, problem(500, 'Internal Server Error', 'An unexpected error occurred in the simulator.'));
}

export function createApp(sim: XeroSim): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(identityRouter(sim));
  app.use('/__sim', inspectionRouter(sim));
  app.use(API_PATH, apiRouter(sim));
  app.use(errorHandler);
  return app;
}
