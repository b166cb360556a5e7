/**
 * A deployment in miniature, for the scale-out test and the bench: several worker processes and several API
 * processes (each started as `npm run worker` / `npm run api` start them) against one Temporal server and one
 * PostgreSQL, and many businesses, each connected to its own simulated Xero organisation with its own limits.
 */
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { temporal } from '@temporalio/proto';
import type { BusinessSettings } from '../../src/businesses/store';
import type { ManualSyncResult } from '../../src/definitions';
import type { Order } from '../../src/orders/schema';
import { apiClient } from './api';
import { apiEnv, spawnApi, waitUntilReady } from './api-process';
import { businessOnOwnOrganisation, loadOrders } from './orders';
import type { SimTenantStats } from './orders';
import { freePort } from './ports';
import { syncResult } from './requests';
import type { TestSystem } from './system';
import { LOGS_ON_STDOUT, exited, keepInTestLog, spawnWorker, stopWorker, workerEnv } from './worker-process';

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

export interface Cluster {
  workers: Array<{ child: ChildProcess; identity: string }>;
  apis: Array<{ child: ChildProcess; url: string }>;
  /** Stops every process still running (SIGTERM, then waits). */
  stop(): Promise<void>;
}

/** Starts the worker and API processes and waits until each one's /readyz says ready. */
export async function startCluster(
  system: TestSystem,
  counts: { workers: number; apis: number },
  extra: Record<string, string> = {},
): Promise<Cluster> {
  const cluster: Cluster = {
    workers: [],
    apis: [],
    stop: async () => {
      const all = [...cluster.workers.map((w) => w.child), ...cluster.apis.map((a) => a.child)];
      await Promise.all(all.filter((c) => c.exitCode === null && c.signalCode === null).map(stopWorker));
    },
  };
  try {
    for (let i = 0; i < counts.workers; i++) {
      // Port 0: the worker takes a free port when it listens (it bundles first, so a port picked beforehand could
      // be taken meanwhile) and logs which.
      const env = workerEnv(system.cfg, {
        WORKER_HTTP_PORT: '0',
        LOG_LEVEL: 'info',
        ...LOGS_ON_STDOUT,
        ...extra,
      });
      const child = spawnWorker(env, 'pipe');
      keepInTestLog(child.stdout!);
      cluster.workers.push({ child, identity: '' });
      await waitUntilReady(`${await healthUrl(child)}/readyz`, child, 120_000);
    }
    for (let i = 0; i < counts.apis; i++) {
      const port = await freePort();
      const child = spawnApi(apiEnv(system.cfg, port, extra));
      cluster.apis.push({ child, url: `http://127.0.0.1:${port}` });
      await waitUntilReady(`http://127.0.0.1:${port}/readyz`, child);
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  // The SDK's default worker identity: what Temporal records as the worker of each activity attempt.
  for (const w of cluster.workers) w.identity = `${w.child.pid}@${hostname()}`;
  return cluster;
}

/** The URL of a worker's health server, from its "Worker HTTP listening" log line. */
function healthUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = output
        .split('\n')
        .map(
          (line) =>
            /^\{.*"msg":"Worker HTTP listening".*\}$/.test(line) &&
            (JSON.parse(line) as { url?: string }).url,
        )
        .find(Boolean);
      if (!url) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining its logs
      resolve(url);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`the worker exited (${code ?? signal}) before listening`)),
    );
  });
}

export interface ScaleOrg {
  index: number;
  tenantId: string;
  businessId: string;
  orders: Order[];
  perDay?: number;
}

/** A business on an organisation of its own (its own app, limits and daily reset), with its orders loaded. */
export async function createOrg(
  system: TestSystem,
  index: number,
  orders: (businessId: string) => Order[],
  opts: {
    perDay?: number;
    settings?: Partial<BusinessSettings>;
    prefix?: string;
    /** When its daily window resets (simulated seconds after 00:00 UTC); otherwise a time of its own. */
    dayResetOffsetSeconds?: number;
  } = {},
): Promise<ScaleOrg> {
  const name = `${opts.prefix ?? 'Scale'} org ${index}`;
  const businessId = `biz_${(opts.prefix ?? 'scale').toLowerCase()}_${index}`;
  const tenantId = await businessOnOwnOrganisation(system, {
    businessId,
    name,
    clientPrefix: 'scale',
    limits: opts.perDay ? { perDay: opts.perDay } : undefined,
    // Each organisation's daily window resets at its own time, as real ones do.
    dayResetOffsetSeconds: opts.dayResetOffsetSeconds ?? (index * 997) % 86_400,
    settings: opts.settings,
  });
  const list = orders(businessId);
  await loadOrders(system.database.db, list);
  return { index, tenantId, businessId, orders: list, perDay: opts.perDay };
}

/** One request per organisation, submitted over HTTP to the API processes in turn; returns the request ids. */
export async function submitAll(
  system: TestSystem,
  cluster: Cluster,
  orgs: Array<{ businessId: string }>,
  body: { channel: string; startDate: string; endDate: string },
): Promise<string[]> {
  return Promise.all(
    orgs.map(async (org, i) => {
      const api = apiClient(cluster.apis[i % cluster.apis.length]!.url, await system.keyFor(org.businessId));
      const res = await api.post<{ id: string }>('/api/sync-requests', {
        locationId: 'all',
        contactMapping: { mode: 'auto' },
        ...body,
      });
      if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body.id;
    }),
  );
}

/**
 * What a platform's pages do while requests run: contact searches for the organisation, `perApi` through each
 * API process, all at once. Those that find the directory copy missing or stale read it from Xero through the
 * organisation's limiter, beside the workers' steps.
 * Returns how each was answered.
 */
export async function searchContacts(
  system: TestSystem,
  cluster: Cluster,
  org: ScaleOrg,
  perApi: number,
): Promise<Array<{ status: number; cached: boolean }>> {
  const key = await system.keyFor(org.businessId);
  const searches = cluster.apis.flatMap((api, a) =>
    Array.from({ length: perApi }, async (_, n) => {
      // A different term each time. The first searches of an organisation find its directory copy empty and read it
      // from Xero; later ones are answered from the copy.
      const res = await apiClient(api.url, key).get<{ cached: boolean }>(
        `/api/xero/contacts?search=${encodeURIComponent(`Customer ${a}-${n}`)}`,
      );
      return { status: res.status, cached: res.body.cached };
    }),
  );
  return Promise.all(searches);
}

export async function results(system: TestSystem, ids: string[]): Promise<ManualSyncResult[]> {
  return Promise.all(ids.map((id) => syncResult(system, id)));
}

/** Which worker ran each activity attempt of a request's steps, from its histories (every run of the chain). */
export async function stepWorkers(system: TestSystem, id: string): Promise<string[]> {
  const identities: string[] = [];
  for await (const run of system.temporal.client.workflow.list({ query: `WorkflowId = '${id}'` })) {
    const history = await system.temporal.client.workflow.getHandle(id, run.runId).fetchHistory();
    for (const e of history.events ?? [])
      if (e.activityTaskStartedEventAttributes?.identity)
        identities.push(e.activityTaskStartedEventAttributes.identity);
  }
  return identities;
}

/** For each worker identity, the requests whose activity it is running now (from their pending activities). */
async function stepsHeld(system: TestSystem, ids: string[]): Promise<Map<string, string[]>> {
  const held = new Map<string, string[]>();
  for (const id of ids) {
    const description = await system.temporal.client.workflow.getHandle(id).describe();
    for (const a of description.raw.pendingActivities ?? []) {
      const identity = a.lastWorkerIdentity ?? '';
      if (a.state === STARTED && identity) held.set(identity, [...(held.get(identity) ?? []), id]);
    }
  }
  return held;
}

/**
 * SIGKILLs the worker that runs the most step activities right now (from the requests' pending activities), so
 * it dies holding batches. Returns its identity and the requests whose step it held. The worker is frozen
 * (SIGSTOP) and asked again before it dies: on a busy machine, a step it held at the first look may have ended
 * (and its request finished on it) before the kill, and such a request has nothing to hand over.
 */
export async function killBusiestWorker(
  system: TestSystem,
  cluster: Cluster,
  ids: string[],
): Promise<{ identity: string; held: string[] }> {
  const [identity] = [...(await stepsHeld(system, ids))].sort((a, b) => b[1].length - a[1].length)[0] ?? [''];
  const victim = cluster.workers.find((w) => w.identity === identity);
  if (!victim) throw new Error('no worker process holds a running step');
  victim.child.kill('SIGSTOP');
  // Whatever it sent before it froze reaches the server first.
  await new Promise((r) => setTimeout(r, 500));
  const held = (await stepsHeld(system, ids)).get(identity) ?? [];
  const gone = exited(victim.child);
  victim.child.kill('SIGKILL');
  await gone;
  return { identity, held };
}

export async function tenantStats(system: TestSystem, tenantId: string): Promise<SimTenantStats> {
  const res = await fetch(`${system.xero.baseUrl}/__sim/stats`);
  const body = (await res.json()) as { tenants: Record<string, SimTenantStats> };
  return body.tenants[tenantId]!;
}

/** Orders recorded as done (synced or failed) across every request, from the ledger's per-order results. */
export async function ordersDone(system: TestSystem, ids: string[]): Promise<number> {
  const { rows } = await system.database.db.query<{ n: string }>(
    "SELECT count(*) AS n FROM sync_request_orders WHERE request_id = ANY($1) AND outcome IN ('synced', 'failed')",
    [ids],
  );
  return Number(rows[0]!.n);
}
