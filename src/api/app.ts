import express from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import type { Logger } from '../logger';
import type { XeroGateway } from '../xero/gateway';
import type { TenantLimiter } from '../xero/limiter';
import { requireKeyOrPageSession } from './auth';
import { mappingOperations, mappingRoutes } from './business/mappings';
import { businessOperations, businessRoutes } from './business/routes';
import { ApiError, errorHandler } from './errors';
import { buildOpenApiDocument } from './openapi/document';
import { methodGuard } from './methods';
import { pageOperations, pageRoutes } from './page/routes';
import type { Operation } from './operation';
import { syncRequestOperations } from './sync-requests/operations';
import { syncRequestRoutes } from './sync-requests/routes';
import { systemOperations, systemRoutes } from './system/routes';
import { contactsOperation, xeroContactRoutes } from './xero/contacts';
import { trackingCategoriesOperation, xeroTrackingRoutes } from './xero/tracking-categories';
import { metricsOperation, metricsRoutes, requestIds, requestLogging, requestMetrics } from './observability';
import { decodeUtf8 } from '../text';
import { webhookEventSpecs, webhookOperations, webhookRoutes } from './webhooks/routes';
import { xeroConnectionOperations, xeroConnectionRoutes } from './xero-connections/routes';

export interface ApiDeps {
  cfg: Config;
  db: Db;
  temporal: Client;
  log: Logger;
  limiter: TenantLimiter;
  newXeroGateway: () => XeroGateway;
}

/** Every operation of the API, in the order the OpenAPI document lists them. */
export const OPERATIONS: readonly Operation[] = [
  ...Object.values(syncRequestOperations),
  contactsOperation,
  trackingCategoriesOperation,
  ...Object.values(businessOperations),
  ...Object.values(mappingOperations),
  ...Object.values(xeroConnectionOperations),
  ...Object.values(pageOperations),
  ...Object.values(systemOperations),
  ...Object.values(webhookOperations),
  metricsOperation,
];

let document: Record<string, unknown> | undefined;
export function openApiDocument(): Record<string, unknown> {
  document ??= buildOpenApiDocument(
    OPERATIONS,
    process.env.npm_package_version ?? '0.1.0',
    webhookEventSpecs,
  );
  return document;
}

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Observability first, so every answer (a 405, a 404, an error) has a request id, a log line and a count.
  app.use(requestIds(), requestLogging(deps.log), requestMetrics());
  app.use(methodGuard(OPERATIONS));
  app.use(express.json({ limit: deps.cfg.API_BODY_LIMIT, verify: refuseInvalidUtf8 }));
  app.use(systemRoutes({ db: deps.db, temporal: deps.temporal, document: openApiDocument }));
  app.use(metricsRoutes(deps));
  app.use(xeroConnectionRoutes(deps));
  // Everything under /api needs an API key (or the merchant page's session); it decides the business.
  app.use('/api', requireKeyOrPageSession(deps.db, deps.cfg));
  app.use(syncRequestRoutes(deps));
  app.use(xeroContactRoutes(deps));
  app.use(xeroTrackingRoutes(deps));
  app.use(businessRoutes(deps));
  app.use(mappingRoutes(deps));
  app.use(webhookRoutes(deps));
  // The Manual Syncing page (src/api/page): its link, session, HTML, assets and live updates.
  app.use(pageRoutes(deps));
  app.use((req, _res, next) =>
    next(new ApiError(404, 'Not Found', `No route for ${req.method} ${req.path}; see /docs for the API.`)),
  );
  app.use(errorHandler(deps.log));
  return app;
}

/**
 * body-parser's verify hook, on the raw bytes: a JSON body that is not UTF-8 is a 400 (`entity.not.utf8`), not
 * text with U+FFFD where the bad bytes were. Other charsets are body-parser's to refuse.
 */
function refuseInvalidUtf8(_req: unknown, _res: unknown, body: Buffer, encoding: string): void {
  if (!/^utf-?8$/i.test(encoding)) return;
  const decoded = decodeUtf8(body);
  if ('notUtf8' in decoded)
    throw Object.assign(new Error(`The request body is not valid UTF-8: ${decoded.notUtf8}`), {
      status: 400,
      type: 'entity.not.utf8',
    });
}
