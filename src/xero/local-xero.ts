import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

/**
 * Which Xero the processes of a running `npm start` talk to, recorded in DATA_DIR (next to `demo-api-key` and
 * `token-encryption.key`) so that CLI commands run beside it, in another shell without XERO_API_URL or
 * XERO_IDENTITY_URL, talk to the same one: its local simulator, or the Xero it was configured with. Only URLs
 * and npm start's process id: nothing secret.
 */
export interface LocalXero {
  apiUrl: string;
  identityUrl: string;
  /** The simulator npm start runs (its base URL), or null for a configured Xero. */
  simulatorUrl: string | null;
  /** npm start's process: the record counts only while it runs. */
  pid: number;
}

export function localXeroFile(dataDir: string): string {
  return path.join(dataDir, 'xero-endpoints.json');
}

export function recordLocalXero(dataDir: string, xero: LocalXero): void {
  writeFileSync(localXeroFile(dataDir), `${JSON.stringify(xero, null, 2)}\n`);
}

export function forgetLocalXero(dataDir: string): void {
  rmSync(localXeroFile(dataDir), { force: true });
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the npm start running on this DATA_DIR recorded; null when none is running. */
export function runningStartXero(dataDir: string): LocalXero | null {
  let found: Partial<LocalXero>;
  try {
    found = JSON.parse(readFileSync(localXeroFile(dataDir), 'utf8')) as Partial<LocalXero>;
  } catch {
    return null;
  }
  if (typeof found.apiUrl !== 'string' || typeof found.identityUrl !== 'string') return null;
  if (typeof found.pid !== 'number' || !running(found.pid)) return null;
  return {
    apiUrl: found.apiUrl,
    identityUrl: found.identityUrl,
    simulatorUrl: typeof found.simulatorUrl === 'string' ? found.simulatorUrl : null,
    pid: found.pid,
  };
}

/**
 * The Xero a CLI command talks to, and a line saying which: the one its own environment names (XERO_API_URL,
 * XERO_IDENTITY_URL, XERO_CLIENT_ID), else the one of the npm start running on this DATA_DIR, else Xero itself.
 */
export function xeroForCli(cfg: Config): { apiUrl: string; identityUrl: string; says: string } {
  const own = { apiUrl: cfg.XERO_API_URL, identityUrl: cfg.XERO_IDENTITY_URL };
  if (!cfg.xeroSimulated)
    return {
      ...own,
      says: `Xero: ${own.apiUrl} (identity ${own.identityUrl}), because ${cfg.xeroConfiguredBy.join(', ')} ${cfg.xeroConfiguredBy.length > 1 ? 'are' : 'is'} set.`,
    };
  const start = runningStartXero(cfg.dataDir);
  if (start?.simulatorUrl)
    return {
      apiUrl: start.apiUrl,
      identityUrl: start.identityUrl,
      says: `Xero: the LOCAL SIMULATOR of the npm start running here (pid ${start.pid}) at ${start.simulatorUrl}, NOT Xero.`,
    };
  if (start)
    return {
      apiUrl: start.apiUrl,
      identityUrl: start.identityUrl,
      says: `Xero: ${start.apiUrl} (identity ${start.identityUrl}), as the npm start running here (pid ${start.pid}).`,
    };
  return {
    ...own,
    says: `Xero: ${own.apiUrl} (identity ${own.identityUrl}): no XERO_API_URL is set and no npm start runs on ${cfg.DATA_DIR}.`,
  };
}
