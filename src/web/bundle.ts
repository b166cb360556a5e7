import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * The page's assets, from the repository: the client (src/web/client, Preact) bundled by esbuild in memory on
 * first use, and the stylesheet. No build step, no output files, no CDN: the process that serves the page built
 * its script from the sources it runs.
 */
export interface Asset {
  body: Buffer;
  contentType: string;
  /** A content hash, for ETag and the script URL's cache-busting parameter. */
  version: string;
}

const CLIENT_ENTRY = path.join(__dirname, 'client', 'main.tsx');
const STYLESHEET = path.join(__dirname, 'assets', 'page.css');

function asset(body: Buffer, contentType: string): Asset {
  return { body, contentType, version: createHash('sha256').update(body).digest('base64url').slice(0, 16) };
}

async function bundleClient(): Promise<Asset> {
  const result = await build({
    entryPoints: [CLIENT_ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    target: ['es2022'],
    platform: 'browser',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
  });
  return asset(Buffer.from(result.outputFiles[0]!.contents), 'text/javascript; charset=utf-8');
}

let script: Promise<Asset> | undefined;
let stylesheet: Asset | undefined;

/** The client script, built once per process. */
export function clientScript(): Promise<Asset> {
  script ??= bundleClient().catch((err: unknown) => {
    script = undefined;
    throw err;
  });
  return script;
}

export function pageStylesheet(): Asset {
  stylesheet ??= asset(readFileSync(STYLESHEET), 'text/css; charset=utf-8');
  return stylesheet;
}
