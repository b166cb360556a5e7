import { generateDemoOrders } from '../../src/orders/seed';
import { addDays } from '../../src/calendar';
import { apiClient } from '../support/api';
import { expectCreditNotesOnce, expectExactlyOnce, simInvoices } from '../support/orders';
import {
  createOrg,
  killBusiestWorker,
  ordersDone,
  results,
  searchContacts,
  startCluster,
  stepWorkers,
  submitAll,
  tenantStats,
} from '../support/scale-out';
import type { Cluster, ScaleOrg } from '../support/scale-out';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

// Scaled time: a Xero minute lasts 30 real seconds (time scale 2) and a day 60 (the simulator's 120 s), so that
// twenty organisations at their full pace stay within what two cores can do, and each limit can bind. Calls take
// 20 ms (so calls are in flight when the worker dies); steps of 3 s move each request between the processes.
const SIM = { timeScale: 2, dayWindowSeconds: 120, faults: [{ latencyMs: 20 }] };
const ENV = {
  XERO_WINDOW_MS: '30000',
  XERO_DAY_WINDOW_MS: '60000',
  // At most 6 probes of a day before its reset is learnt: fewer than the reserve keeps back.
  XERO_QUOTA_PROBE_MS: '10000',
  XERO_REQUEST_TIMEOUT_MS: '8000',
  SYNC_STEP_SECONDS: '3',
};
const FROM = '2025-03-01';
const TO = '2025-04-29';

/**
 * Twenty organisations, in groups that each make one limit bind: 1,800 orders need more calls than a minute
 * allows; 4 s per call (with calls paced 0.55 s apart) needs more calls in flight than allowed; 30 calls a day (12
 * kept in reserve) are fewer than 540 orders need, and their day resets 50 s after they are created, long after
 * its 18 calls are spent. The rest are light.
 */
const GROUPS = [
  { kind: 'minute', count: 2, days: 60 },
  { kind: 'concurrency', count: 2, days: 20, latencyMs: 4000 },
  { kind: 'light', count: 12, days: 5 },
  // Last, just before the requests are submitted, so their first day is long however loaded the machine is.
  { kind: 'day', count: 4, days: 18, perDay: 30, reserve: 12 },
] as const;

function day(offset: number): string {
  return addDays(FROM, offset);
}

describe('scale-out: 3 worker processes and 2 API processes, 20 organisations', () => {
  let system: TestSystem;
  let cluster: Cluster | undefined;
  /** The daily-window offset that puts an organisation's next reset `simSeconds` from now. */
  const resetIn = (simSeconds: number) =>
    Math.floor(system.xero.sim.clock.now() / 1000 + simSeconds) % SIM.dayWindowSeconds;
  beforeAll(async () => {
    system = await startTestSystem('scale-out', { sim: SIM, env: ENV, worker: false });
  });
  afterAll(async () => {
    await cluster?.stop();
    await system?.stop();
  });

  it(
    "keeps every organisation's minute, concurrency and daily limits across the processes, and loses or duplicates nothing when a worker is SIGKILLed mid-run",
    async () => {
      cluster = await startCluster(system, { workers: 3, apis: 2 });
      const orgs: Array<ScaleOrg & { kind: string; dayBudget?: number }> = [];
      for (const group of GROUPS)
        for (let n = 0; n < group.count; n++) {
          const i = orgs.length;
          const org = await createOrg(
            system,
            i,
            (businessId) => [
              ...generateDemoOrders({
                businessId,
                from: FROM,
                to: day(group.days - 1),
                ordersPerDay: 30,
                channel: 'pos',
                seed: 100 + i,
              }),
            ],
            'perDay' in group
              ? {
                  perDay: group.perDay,
                  settings: { dailyQuotaReserve: group.reserve },
                  dayResetOffsetSeconds: resetIn(100),
                }
              : {},
          );
          orgs.push({
            ...org,
            kind: group.kind,
            dayBudget: 'perDay' in group ? group.perDay - group.reserve : undefined,
          });
          if ('latencyMs' in group)
            system.xero.sim.setFaults([
              ...system.xero.sim.faults.list(),
              { tenantId: org.tenantId, latencyMs: group.latencyMs },
            ]);
        }
      expect(orgs.length).toBe(20);
      const ids = await submitAll(system, cluster, orgs, {
        channel: 'pos',
        startDate: FROM,
        endDate: TO,
      });

      // Meanwhile the platform's pages search contacts of the busiest organisations through both API processes:
      // directory reads of three processes at once for one organisation, under its one set of limits.
      const busy = orgs.filter((o) => o.kind === 'minute' || o.kind === 'concurrency');
      const searches = Promise.all(busy.map((org) => searchContacts(system, cluster!, org, 10)));

      // Mid-run by progress, not by the clock: once a quarter of all orders are done.
      const total = orgs.reduce((n, o) => n + o.orders.length, 0);
      while ((await ordersDone(system, ids)) < total / 4) await new Promise((r) => setTimeout(r, 100));
      const killed = await killBusiestWorker(system, cluster, ids);
      const done = await results(system, ids);
      // Every search answered; the first of each organisation read its contact directory from Xero (the copies
      // start empty), several at once from different processes.
      for (const answers of await searches) {
        expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
        expect(answers.some((a) => !a.cached)).toBe(true);
      }

      expect(done.map((r) => r.state)).toEqual(orgs.map(() => 'completed'));
      for (const [i, org] of orgs.entries()) {
        const stats = await tenantStats(system, org.tenantId);
        // Nothing lost, nothing written twice, to the cent.
        expect(done[i]!.counts.found).toBe(org.orders.length);
        expectExactlyOnce(org.orders, await simInvoices(system.xero.baseUrl, org.tenantId));
        expectCreditNotesOnce(org.orders, stats);
        expect(stats.duplicateInvoiceNumbers).toEqual([]);
        // Xero refused nothing: no minute, concurrency or daily limit was ever exceeded, from any process.
        expect({ org: i, limited: stats.rateLimited.byProblem }).toEqual({ org: i, limited: {} });
        expect(stats.peakPerMinute).toBeLessThanOrEqual(60);
        expect(stats.peakInFlight).toBeLessThanOrEqual(5);
        // And each group's limit did bind, so "held" means something.
        if (org.kind === 'minute') expect(stats.peakPerMinute).toBeGreaterThanOrEqual(50);
        if (org.kind === 'concurrency') expect(stats.peakInFlight).toBeGreaterThanOrEqual(4);
        if (org.dayBudget) {
          // The request needed more calls than a day's budget (less the reserve), and waited for the reset.
          expect(stats.calls.total).toBeGreaterThan(org.dayBudget);
          expect(done[i]!.quotaWaits).toBeGreaterThanOrEqual(1);
        }
      }

      // The killed worker died holding steps, and other workers took them over and finished those requests.
      expect(killed.held.length).toBeGreaterThan(0);
      for (const id of killed.held) {
        const workers = await stepWorkers(system, id);
        const afterKill = workers.slice(workers.lastIndexOf(killed.identity) + 1);
        expect(afterKill.length).toBeGreaterThan(0);
        expect(afterKill).not.toContain(killed.identity);
      }
      // Requests moved between processes step by step, so each organisation's pacing was shared across them.
      const spread = await Promise.all(ids.map(async (id) => new Set(await stepWorkers(system, id)).size));
      expect(spread.filter((n) => n > 1).length).toBeGreaterThan(orgs.length / 2);

      // Either API process answers for any request: they keep no state of their own.
      const other = apiClient(cluster.apis[1]!.url, await system.keyFor(orgs[0]!.businessId));
      const detail = await other.get<{ state: string }>(`/api/sync-requests/${ids[0]}`);
      expect(detail.body.state).toBe('completed');
    },
    10 * 60_000,
  );
});
