import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Router } from 'express';
import { createApp, openApiDocument } from '../../src/api/app';
import { parseConfig } from '../../src/config';
import type { Db } from '../../src/db/pool';
import type { Logger } from '../../src/logger';
import type { XeroGateway } from '../../src/xero/gateway';
import type { TenantLimiter } from '../../src/xero/limiter';

const VALIDATOR = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');

/** Runs the OpenAPI 3.1 schema validator (a separate ESM CLI) on a document; its JSON verdict. */
function validate(document: unknown): { valid: boolean; errors?: unknown } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  try {
    return JSON.parse(execFileSync(process.execPath, [VALIDATOR, file], { encoding: 'utf8' })) as {
      valid: boolean;
    };
  } catch (err) {
    return JSON.parse(String((err as { stdout: string }).stdout)) as { valid: boolean; errors: unknown };
  }
}

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle: { stack?: Layer[] } };

/** Every route the app really mounts, as "GET /api/sync-requests/:id", found in Express's own router. */
function mountedRoutes(): string[] {
  const unused = () => {
    throw new Error('not called while mounting');
  };
  const app = createApp({
    cfg: parseConfig({}),
    db: {} as Db,
    temporal: {} as Client,
    log: {} as Logger,
    limiter: {} as TenantLimiter,
    newXeroGateway: unused as () => XeroGateway,
  });
  const walk = (stack: Layer[]): string[] =>
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods)
            .filter((m) => m !== '_all')
            .map((m) => `${m.toUpperCase()} ${layer.route!.path}`)
        : walk(layer.handle.stack ?? []),
    );
  return walk((app as unknown as { router: Router & { stack: Layer[] } }).router.stack);
}

// The docs page loads its script from here; it is part of GET /docs, not an operation of its own.
const DOCS_ASSETS = ['GET /docs/assets/init.js'];
// The Manual Syncing page's routes serve HTML, its assets and an event stream to browsers with a session
// (docs/manual-syncing-page.md); the page's data comes from documented operations. Only its link is an operation.
const isPageRoute = (route: string) => / \/manual-sync(\/|$)/.test(route);

describe('the OpenAPI document', () => {
  const document = openApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
  };

  it('is a valid OpenAPI 3.1 document according to an OpenAPI schema validator', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(validate(document)).toEqual({ valid: true });
  });

  it('is refused by the same validator once broken (negative control)', () => {
    const broken = structuredClone(document);
    (broken.paths['/healthz']!.get as { responses: unknown }).responses = 'none';
    expect(validate(broken).valid).toBe(false);
  });

  it('lists exactly the routes the API mounts, each with a unique operationId', () => {
    const documented = Object.entries(document.paths).flatMap(([template, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${template.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const mounted = mountedRoutes().filter((route) => !DOCS_ASSETS.includes(route) && !isPageRoute(route));
    expect(mountedRoutes().filter(isPageRoute).length).toBeGreaterThan(3);
    expect(mounted.length).toBeGreaterThan(15);
    expect([...new Set(mounted)].sort()).toEqual([...documented].sort());
    const ids = Object.values(document.paths).flatMap((ops) =>
      Object.values(ops).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents problem+json errors and the bearer key on /api operations', () => {
    const submit = document.paths['/api/sync-requests']!.post as unknown as {
      responses: Record<string, { content?: Record<string, unknown> }>;
      security?: unknown;
    };
    expect(Object.keys(submit.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '404', '413', '431', '500']),
    );
    expect(Object.keys(submit.responses['400']!.content!)).toEqual(['application/problem+json']);
    // The page's operations take the key or the page's session (whose writes can be refused for CSRF: 403).
    expect(submit.security).toEqual([{ apiKey: [] }, { pageSession: [] }]);
    expect(Object.keys(submit.responses)).toContain('403');
    const settings = document.paths['/api/business/settings']!.patch as unknown as { security?: unknown };
    expect(settings.security).toBeUndefined(); // the document's default: the bearer key only
    expect((document.paths['/healthz']!.get as unknown as { security: unknown }).security).toEqual([]);
    // Headers over Node's limit are refused before any route (src/api/server.ts), on every operation.
    for (const ops of Object.values(document.paths))
      for (const op of Object.values(ops) as unknown as Array<{ responses: Record<string, unknown> }>)
        expect(Object.keys(op.responses)).toContain('431');
  });
});
