import type { ChildProcess } from 'node:child_process';
import { requestCounts } from '../../src/engine/ledger';
import { seededRandom } from '../../src/random';
import { createBusiness, expectSyncedExactlyOnce, loadDemoOrders } from '../support/orders';
import { submitSync, syncResult } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { exited, spawnWorker, stopWorker, workerEnv } from '../support/worker-process';

// 30 ms per Xero call keeps the sync running long enough to be killed several times mid-way; a short call
// timeout keeps the steps' heartbeat timeout (how long Temporal waits for a killed worker) short.
const SIM = { timeScale: 60, faults: [{ latencyMs: 30 }] };
const ENV = { XERO_WINDOW_MS: '1000', XERO_REQUEST_TIMEOUT_MS: '3000', SYNC_STEP_SECONDS: '2' };

describe('worker crashes', () => {
  let system: TestSystem;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    system = await startTestSystem('crash', { sim: SIM, env: ENV, worker: false });
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => stopWorker(c)));
    await system?.stop();
  });

  it(
    'keeps every order exactly once when the worker process is SIGKILLed at random points and restarted',
    async () => {
      const businessId = 'biz_crash';
      await createBusiness(system.database.db, businessId);
      const orders = await loadDemoOrders(system.database.db, {
        businessId,
        from: '2025-06-01',
        to: '2025-06-30',
        ordersPerDay: 80,
        channel: 'pos',
        seed: 7,
      });
      const id = await submitSync(system, {
        businessId,
        channel: 'pos',
        locationId: 'all',
        startDate: '2025-06-01',
        endDate: '2025-06-30',
        contactMapping: { mode: 'auto' },
      });
      const handle = system.temporal.client.workflow.getHandle(id);
      const env = workerEnv(system.cfg, { SYNC_STEP_SECONDS: '2' });
      // Progress as the API serves it: recorded in PostgreSQL as the orders are handled.
      const found = async () => (await requestCounts(system.database.db, id)).found;
      // Seeded, so a failing run can be repeated with the same kill points.
      const random = seededRandom(20261125);

      // Kill points are chosen by progress, not by the clock: after a random 1 to 4 more pages each time.
      let kills = 0;
      for (let i = 0; i < 4; i++) {
        const worker = spawnWorker(env);
        children.push(worker);
        const target = (await found()) + 50 * (1 + Math.floor(random() * 4));
        while ((await found()) < target) await new Promise((r) => setTimeout(r, 50));
        if ((await handle.describe()).status.name !== 'RUNNING') break;
        const gone = exited(worker);
        worker.kill('SIGKILL');
        await gone;
        kills += 1;
      }
      children.push(spawnWorker(env));
      const result = await syncResult(system, id);

      expect(kills).toBe(4);
      expect(result.counts.found).toBe(orders.length);
      expect(result.state).toBe('completed');
      const stats = await expectSyncedExactlyOnce(system, orders);
      expect(stats.duplicateInvoiceNumbers).toEqual([]);
      expect(stats.duplicateReferences).toEqual([]);
    },
    10 * 60_000,
  );
});
