import { config } from './config';

/**
 * A container's health check, with nothing but node: `node dist/src/healthcheck.js api|worker|URL` asks the
 * process's own /healthz (the API on API_PORT, the worker on WORKER_HTTP_PORT) or the URL, and exits 0 on a 2xx.
 */
function target(arg: string | undefined): string {
  if (arg && /^https?:\/\//.test(arg)) return arg;
  const cfg = config();
  if (arg === 'worker') {
    if (cfg.WORKER_HTTP_PORT === undefined)
      throw new Error('WORKER_HTTP_PORT is not set: the worker serves no /healthz');
    return `http://127.0.0.1:${cfg.WORKER_HTTP_PORT}/healthz`;
  }
  return `http://127.0.0.1:${cfg.API_PORT}/healthz`;
}

async function main(): Promise<number> {
  const res = await fetch(target(process.argv[2]), { signal: AbortSignal.timeout(2500) });
  if (!res.ok) console.error(`unhealthy: ${res.status} ${await res.text()}`);
  return res.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`unhealthy: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
