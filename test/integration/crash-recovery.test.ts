import type { ChildProcess } from 'node:child_process';
import type { ManualSyncResult } from '../../src/definitions';
import { generateDemoOrders } from '../../src/orders/seed';
import { createBusiness, expectExactlyOnce, loadOrders, simInvoices, simStats } from '../support/orders';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { exited, spawnWorker, stopWorker, workerEnv } from '../support/worker-process';

const SIM = { timeScale: 60 };
const ENV = { XERO_WINDOW_MS: '1000' };

// A seeded generator, so a failing run can be repeated with the same kill points.
function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

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
      const orders = [
        ...generateDemoOrders({
          businessId,
          from: '2025-06-01',
          to: '2025-06-30',
          ordersPerDay: 80,
          channel: 'pos',
          seed: 7,
        }),
      ];
      await loadOrders(system.database.db, orders);
      const res = await fetch(`${system.apiUrl}/api/sync-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          businessId,
          channel: 'pos',
          locationId: 'all',
          startDate: '2025-06-01',
          endDate: '2025-06-30',
          contactMapping: { mode: 'auto' },
        }),
      });
      const { id } = (await res.json()) as { id: string };
      const handle = system.temporal.client.workflow.getHandle(id);
      const env = workerEnv(system.cfg);
      const random = seeded(20261125);

      let kills = 0;
      for (let i = 0; i < 4; i++) {
        const worker = spawnWorker(env);
        children.push(worker);
        await new Promise((r) => setTimeout(r, 4000 + random() * 5000));
        if ((await handle.describe()).status.name !== 'RUNNING') break;
        const gone = exited(worker);
        worker.kill('SIGKILL');
        await gone;
        kills += 1;
      }
      children.push(spawnWorker(env));
      const result = (await handle.result()) as ManualSyncResult;

      expect(kills).toBeGreaterThanOrEqual(3);
      expect(result.state).toBe('completed');
      expectExactlyOnce(orders, await simInvoices(system.xero.baseUrl));
      const stats = await simStats(system.xero.baseUrl);
      expect(stats.duplicateInvoiceNumbers).toEqual([]);
      expect(stats.duplicateReferences).toEqual([]);
    },
    10 * 60_000,
  );
});
