/**
 * What the benchmark scenarios share: the product on real parts (the test harness's one-process system: real
 * Temporal dev server, real PostgreSQL, the worker, the API, the Xero simulator), an organisation per scenario,
 * and the yardsticks every figure is measured against (the minimum calls, the calls made, the time taken).
 */
import { freePort } from '../../test/support/ports';
import { stopWorker } from '../../test/support/worker-process';
import { apiEnv, spawnApi as spawnApiProcess, waitUntilReady } from '../../test/support/api-process';
import type { Order } from '../../src/orders/schema';
import type { ManualSyncResult } from '../../src/definitions';
import type { SimTenantStats } from '../../test/support/orders';
import { businessOnOwnOrganisation, loadOrders, simStats } from '../../test/support/orders';
import type { BusinessSettings } from '../../src/businesses/store';
import type { Row } from './report';
import type { TestSystem } from '../../test/support/system';
import { contactKey, contactNameFor } from '../../src/engine/contact-names';
import { organisationReads } from '../../src/engine/organisation-rules';
import { chooseContactReads, contactLookups, planCalls } from '../../src/engine/packing';
import type { CallPlan } from '../../src/engine/packing';
import { money2 } from '../../src/xero/amounts';
import { parseDecimal } from '../../src/money';

/** What a scenario gets besides the system: the /metrics URL of each worker process the bench started for it. */
export interface BenchWorkers {
  metricsUrls: string[];
}

export interface Org {
  tenantId: string;
  businessId: string;
  /** Real timestamps (ms) of every call the simulator answered for this organisation. */
  calls: number[];
  /** Every exchange with the simulator (when it came and was answered, what it was): P3's timeline. */
  exchanges: Exchange[];
}

export interface Exchange {
  at: number;
  end: number;
  status: number;
  call: string;
}

/** A fresh simulated organisation with its own app connection, and a business connected to it. */
export async function newOrg(
  system: TestSystem,
  name: string,
  opts: {
    limits?: { perMinute?: number; concurrent?: number; perDay?: number };
    settings?: Partial<BusinessSettings>;
    dayResetOffsetSeconds?: number;
    /** A large organisation (Xero's high-volume threshold, src/xero-sim/high-volume.ts). */
    highVolume?: true;
  } = {},
): Promise<Org> {
  const businessId = `biz_${name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
  const tenantId = await businessOnOwnOrganisation(system, {
    businessId,
    name,
    clientPrefix: 'bench',
    limits: opts.limits,
    dayResetOffsetSeconds: opts.dayResetOffsetSeconds,
    settings: opts.settings,
    highVolume: opts.highVolume,
  });
  const org: Org = { tenantId, businessId, calls: [], exchanges: [] };
  exchangeLog.set(tenantId, org);
  return org;
}

/** Filled by the simulator's exchange observer (see benchSimOptions). */
const exchangeLog = new Map<string, Org>();

export function recordExchange(e: {
  headers: Record<string, string>;
  method: string;
  path: string;
  status: number;
  receivedAt: number;
  answeredAt: number;
}): void {
  const org = exchangeLog.get(e.headers['xero-tenant-id']?.toLowerCase() ?? '');
  if (!org) return;
  org.calls.push(Date.now());
  org.exchanges.push({
    at: e.receivedAt,
    end: e.answeredAt,
    status: e.status,
    call: `${e.method} ${e.path}`,
  });
}

export function forBusiness(orders: Iterable<Order>, businessId: string, prefix: string): Order[] {
  return [...orders].map((o) => ({
    ...o,
    businessId,
    id: `${prefix}_${o.id}`,
    number: `${prefix}${o.number}`,
  }));
}

export async function load(system: TestSystem, orders: Order[]): Promise<void> {
  await loadOrders(system.database.db, orders);
}

export interface SyncBody {
  channel: string;
  startDate: string;
  endDate: string;
  locationId?: string;
  contactMapping?: { mode: 'auto' } | { mode: 'manual'; contactId: string };
  options?: Record<string, unknown>;
}

export async function preview(system: TestSystem, org: Org, body: SyncBody) {
  const api = await system.api(org.businessId);
  const res = await api.post<{ estimate: { calls: CallPlan; etaSeconds: number } }>(
    '/api/sync-requests/preview',
    { locationId: 'all', contactMapping: { mode: 'auto' }, ...body },
  );
  if (res.status !== 200) throw new Error(`preview answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.estimate;
}

export async function submit(system: TestSystem, org: Org, body: SyncBody): Promise<string> {
  const api = await system.api(org.businessId);
  const res = await api.post('/api/sync-requests', {
    locationId: 'all',
    contactMapping: { mode: 'auto' },
    ...body,
  });
  if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
  return String(res.body.id);
}

export async function result(system: TestSystem, id: string): Promise<ManualSyncResult> {
  const done = (await system.temporal.client.workflow.getHandle(id).result()) as ManualSyncResult;
  if (done.state !== 'completed')
    throw new Error(`request ${id} ended ${done.state}: ${done.lastError ?? ''}`);
  return done;
}

export async function tenantStats(
  system: TestSystem,
  org: Org,
): Promise<SimTenantStats & { bytesSent: number }> {
  return (await simStats(system.xero.baseUrl, org.tenantId)) as SimTenantStats & { bytesSent: number };
}

/**
 * The fewest calls that can carry these orders under Xero's batch limits (src/engine/packing.ts): every write of
 * 50 elements full but the last of each kind, refunds inside payment batches, an allocation per credit note
 * that allocates, and contacts read the cheapest way (by name, at most `whereLimit` names to a call in a large
 * organisation that refuses more, or the directory of `existingContacts`) with the missing ones created 50 to a
 * call. Plus the organisation's facts, which no request can skip: the lock dates and currencies decide, before any
 * write, which orders Xero would refuse (GET /Organisation, and GET /Currencies when an order is in another
 * currency than the base, `baseCurrency`: the simulator's SGD by default).
 */
export function minimumCalls(
  orders: Order[],
  opts: {
    auto: boolean;
    walkIn: string;
    existingContacts: number;
    newContacts?: number;
    whereLimit?: number;
    baseCurrency?: string;
  },
): CallPlan {
  const live = orders.filter((o) => o.status !== 'voided');
  const payments = live.flatMap((o) => o.payments.filter((p) => parseDecimal(p.amount) !== 0n)).length;
  const refunded = live.filter((o) => o.status === 'refunded');
  const money = (o: Order) => {
    const total = parseDecimal(o.total);
    const paid = o.payments.reduce((n, p) => n + parseDecimal(p.amount), 0n);
    const refund = o.refund ? parseDecimal(o.refund.amount) : total;
    const due = total - paid;
    return { due, refund };
  };
  const refunds = refunded.filter((o) => {
    const m = money(o);
    return m.refund > (m.due > 0n ? m.due : 0n);
  }).length;
  const allocations = refunded.filter((o) => {
    const m = money(o);
    return (m.refund < m.due ? m.refund : m.due) > 0n;
  }).length;
  const names = new Map<string, string>();
  if (opts.auto)
    for (const o of live) {
      const name = contactNameFor(o, 'by-channel', opts.walkIn);
      names.set(contactKey(name), name);
    }
  const lookups = contactLookups([...names.values()], opts.whereLimit ?? null).length;
  const reads = Math.min(lookups, chooseContactReads(lookups, opts.existingContacts).calls);
  return planCalls({
    invoices: live.length,
    payments,
    creditNotes: refunded.length,
    refunds,
    allocations,
    contactReads: reads,
    newContacts: opts.newContacts ?? names.size,
    organisationReads: organisationReads(
      live.length,
      [...new Set(live.map((o) => o.currency))],
      opts.baseCurrency ?? 'SGD',
    ),
  });
}

/** Calls per window over the busy part of a run (first to last call), leaving out the partial first and last. */
export function windowRates(
  calls: number[],
  windowMs: number,
): { mean: number; min: number; windows: number } {
  if (calls.length < 2) return { mean: 0, min: 0, windows: 0 };
  const sorted = [...calls].sort((a, b) => a - b);
  const start = sorted[0]!;
  const count = Math.floor((sorted[sorted.length - 1]! - start) / windowMs);
  const per = Array.from({ length: count }, () => 0);
  for (const t of sorted) {
    const i = Math.floor((t - start) / windowMs);
    if (i < count) per[i]! += 1;
  }
  const inner = per.slice(1, Math.max(1, per.length - 1));
  if (inner.length === 0) return { mean: 0, min: 0, windows: 0 };
  return {
    mean: inner.reduce((a, b) => a + b, 0) / inner.length,
    min: Math.min(...inner),
    windows: inner.length,
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000);
export const seconds = (ms: number) => Math.round(ms / 100) / 10;
export { money2 };

/** The API as its own process (as deployed), on a free port, once it answers /healthz. */
export async function spawnApi(system: TestSystem): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawnApiProcess(apiEnv(system.cfg, port));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(`${url}/healthz`, child);
  return { url, stop: () => stopWorker(child) };
}

/**
 * A scaled-time scenario run `times` times (issue 24: one run says little): each row's value is the median of its
 * repeats, the metric says the spread, and it passes when the median's run passed. `run` gets the repeat's number
 * (for fresh organisation names).
 */
export async function medianOf(times: number, run: (repeat: number) => Promise<Row[]>): Promise<Row[]> {
  const repeats: Row[][] = [];
  for (let i = 0; i < times; i++) repeats.push(await run(i));
  return repeats[0]!.map((first, k) => {
    const rows = repeats.map((r) => r[k]!).sort((a, b) => a.value - b.value);
    const median = rows[Math.floor(rows.length / 2)]!;
    const spread = `${rows[0]!.value}–${rows[rows.length - 1]!.value}`;
    return { ...median, metric: `${first.metric}, median of ${times} (spread ${spread})` };
  });
}
