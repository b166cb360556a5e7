import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';
import { METRICS_CONTENT_TYPE, metricsText } from './metrics';

/** A GET route of the worker's HTTP server: it writes its whole answer. */
export type WorkerRoute = (res: http.ServerResponse) => Promise<void>;

/** `/metrics`: this process's metrics, then `extra` (the Temporal SDK's, fetched from its exporter). */
export function metricsRoute(extra?: () => Promise<string>): WorkerRoute {
  return async (res) => {
    const text = await metricsText(extra);
    res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
    res.end(text);
  };
}

/**
 * The worker's small HTTP server on WORKER_HTTP_HOST:WORKER_HTTP_PORT: a table of GET routes (`/metrics` here;
 * `/healthz` and `/readyz` from worker-health.ts), 404 elsewhere.
 */
export async function startWorkerHttpServer(options: {
  host: string;
  port: number;
  routes: Record<string, WorkerRoute>;
  log: Logger;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const route = req.method === 'GET' ? options.routes[(req.url ?? '').split('?')[0]!] : undefined;
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return void res.end('not found\n');
    }
    route(res).catch((err: unknown) => {
      options.log.error('Worker HTTP route failed', { url: req.url, err });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
