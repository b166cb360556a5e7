import { cancelSignal, pauseSignal, progressQuery, resumeSignal } from '../../src/definitions';
import type { ManualSyncResult } from '../../src/definitions';
import { generateDemoOrders } from '../../src/orders/seed';
import { createBusiness, loadOrders } from '../support/orders';
import { eventually, startTestSystem, submitSync } from '../support/system';
import type { TestSystem } from '../support/system';

describe('pause, resume and cancel', () => {
  let system: TestSystem;
  beforeAll(async () => {
    // 100 ms per Xero call: batches take long enough to act between them.
    system = await startTestSystem('control', {
      sim: { timeScale: 60, faults: [{ latencyMs: 100 }] },
      env: { XERO_WINDOW_MS: '1000' },
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'pauses between batches, resumes where it stopped, and cancels after recording the batch in flight',
    async () => {
      const businessId = 'biz_control';
      await createBusiness(system.database.db, businessId);
      await loadOrders(system.database.db, [
        ...generateDemoOrders({
          businessId,
          from: '2025-08-01',
          to: '2025-08-20',
          ordersPerDay: 60,
          channel: 'pos',
          seed: 8,
        }),
      ]);
      const id = await submitSync(system, {
        businessId,
        channel: 'pos',
        startDate: '2025-08-01',
        endDate: '2025-08-20',
      });
      const handle = system.temporal.client.workflow.getHandle(id);
      await eventually(async () => (await handle.query(progressQuery)).batchesDone >= 1);

      await handle.signal(pauseSignal);
      const paused = await eventually(async () => {
        const p = await handle.query(progressQuery);
        return p.state === 'paused' ? p : null;
      });
      await new Promise((r) => setTimeout(r, 1500));
      expect((await handle.query(progressQuery)).batchesDone).toBe(paused.batchesDone);

      await handle.signal(resumeSignal);
      await eventually(async () => (await handle.query(progressQuery)).batchesDone > paused.batchesDone);
      await handle.signal(cancelSignal);
      const result = (await handle.result()) as ManualSyncResult;

      expect(result.state).toBe('cancelled');
      expect(result.batchesDone).toBeGreaterThan(paused.batchesDone);
      expect(result.batchesDone).toBeLessThan(20);
      // Every order of the batches it did is recorded: cancel finished the batch in flight.
      const { rows } = await system.database.db.query(
        'SELECT count(*)::int AS n FROM sync_request_orders WHERE request_id = $1',
        [handle.workflowId],
      );
      expect(rows[0].n).toBe(result.counts.found);
      expect(result.counts.found).toBe(result.batchesDone * 60);
    },
    5 * 60_000,
  );
});
