import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/pool';
import { probe } from '../../observability/health-probe';
import { mount, reply } from '../operation';
import type { Operation } from '../operation';

const tag = 'Service';

export const Health = z.object({ status: z.literal('ok') });
export const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    postgres: z.string().describe('"ok", or why PostgreSQL is not reachable.'),
    temporal: z.string().describe('"ok", or why Temporal is not reachable.'),
  }),
});

export const systemOperations = {
  health: {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'Liveness: the process answers',
    tag,
    auth: false,
    responses: { 200: { description: 'Alive.', schema: Health } },
  },
  ready: {
    method: 'get',
    path: '/readyz',
    operationId: 'ready',
    summary: 'Readiness: PostgreSQL and Temporal are reachable',
    tag,
    auth: false,
    responses: {
      200: { description: 'Ready.', schema: Readiness },
      503: {
        description: 'A dependency is unreachable; `checks` says which.',
        schema: Readiness,
        contentType: 'application/json',
      },
    },
  },
  openapi: {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This OpenAPI 3.1 document',
    tag,
    auth: false,
    responses: { 200: { description: 'The document.', schema: z.record(z.string(), z.unknown()) } },
  },
  docs: {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    summary: 'Readable API documentation (Swagger UI over /openapi.json)',
    tag,
    auth: false,
    responses: { 200: { description: 'An HTML page.', schema: z.string(), contentType: 'text/html' } },
  },
} satisfies Record<string, Operation>;

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>xero-manual-sync API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script></body></html>`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });`;

export function systemRoutes(deps: { db: Db; temporal: Client; document: () => unknown }): Router {
  const router = Router();
  mount(router, systemOperations.health, async (_input, res) =>
    reply(res, systemOperations.health, 200, { status: 'ok' }),
  );
  mount(router, systemOperations.ready, async (_input, res) => {
    const [postgres, temporal] = await Promise.all([
      probe(() => deps.db.query('SELECT 1')),
      probe(() => deps.temporal.connection.workflowService.getSystemInfo({})),
    ]);
    const ready = postgres === 'ok' && temporal === 'ok';
    reply(res, systemOperations.ready, ready ? 200 : 503, {
      status: ready ? 'ready' : 'not_ready',
      checks: { postgres, temporal },
    });
  });
  mount(router, systemOperations.openapi, async (_input, res) => void res.json(deps.document()));
  mount(router, systemOperations.docs, async (_input, res) => void res.type('html').send(DOCS_PAGE));
  // Swagger UI is served from the installed package: the docs work offline and load nothing from a CDN.
  router.get('/docs/assets/init.js', (_req, res) => void res.type('application/javascript').send(DOCS_INIT));
  router.use(
    '/docs/assets',
    express.static(path.dirname(require.resolve('swagger-ui-dist/package.json')), { index: false }),
  );
  return router;
}
