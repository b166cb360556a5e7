import { progressQuery } from '../../src/definitions';
import type { ManualSyncResult, SyncProgress } from '../../src/definitions';
import { generateDemoOrders } from '../../src/orders/seed';
import { createBusiness, loadOrders } from '../support/orders';
import { eventually, startTestSystem, submitSync } from '../support/system';
import type { TestSystem } from '../support/system';

describe('pause, resume and cancel over the API', () => {
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
      const api = await system.api(businessId);
      const progress = async () => (await api.get<SyncProgress>(`/api/sync-requests/${id}`)).body;
      const handle = system.temporal.client.workflow.getHandle(id);
      await eventually(async () => (await progress()).batchesDone >= 1);

      // Another business's key cannot touch it: 404, as if it did not exist.
      await createBusiness(system.database.db, 'biz_control_other');
      const other = await system.api('biz_control_other');
      for (const action of ['pause', 'resume', 'cancel'])
        expect((await other.post(`/api/sync-requests/${id}/${action}`)).status).toBe(404);

      const pause = await api.post(`/api/sync-requests/${id}/pause`);
      expect(pause.status).toBe(202);
      expect(pause.body).toMatchObject({ id, action: 'pause' });
      const paused = await eventually(async () => {
        const p = await progress();
        return p.state === 'paused' ? p : null;
      });
      await new Promise((r) => setTimeout(r, 1500));
      expect((await handle.query(progressQuery)).batchesDone).toBe(paused.batchesDone);
      // The history log shows the state the workflow recorded.
      const pausedLog = await api.get<{ items: Array<{ id: string; state: string }> }>(
        '/api/sync-requests?state=paused',
      );
      expect(pausedLog.body.items.map((i) => i.id)).toEqual([id]);

      expect((await api.post(`/api/sync-requests/${id}/resume`)).status).toBe(202);
      await eventually(async () => (await progress()).batchesDone > paused.batchesDone);
      expect((await api.post(`/api/sync-requests/${id}/cancel`)).status).toBe(202);
      const result = (await handle.result()) as ManualSyncResult;

      expect(result.state).toBe('cancelled');
      // Once ended, there is nothing left to control.
      const late = await api.post(`/api/sync-requests/${id}/pause`);
      expect(late.status).toBe(409);
      expect(late.body.detail).toContain('cancelled');
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
