import type { ChildProcess } from 'node:child_process';
import {
  MONTH,
  expectLatestRevision,
  importRevisions,
  loadMonth,
  reviseMonth,
  expectNothingToSend,
  syncMonth,
  writeCalls,
} from '../support/changes';
import { createBusiness } from '../support/orders';
import { submitSync, syncResult } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { exited, spawnWorker, stopWorker, workerEnv } from '../support/worker-process';

// As in crash-recovery.test.ts: 30 ms per Xero call keeps the changes in flight long enough to be killed mid-write;
// short steps and call timeouts keep Temporal's wait for a killed worker short.
const SIM = { timeScale: 60, faults: [{ latencyMs: 30 }] };
const ENV = { XERO_WINDOW_MS: '1000', XERO_REQUEST_TIMEOUT_MS: '3000', SYNC_STEP_SECONDS: '2' };

/** Issue 26's scenario with the worker process SIGKILLed while the second sync applies the changes. */
describe('later payments, refunds and voids through worker crashes', () => {
  let system: TestSystem;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    system = await startTestSystem('changes-crash', { sim: SIM, env: ENV, worker: false });
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => stopWorker(c)));
    await system?.stop();
  });

  /** Changes applied, and whether one is claimed now (its writes in flight). */
  const changeState = async () => {
    const { rows } = await system.database.db.query<{ done: number; pending: number }>(
      `SELECT count(*) FILTER (WHERE status = 'done')::int AS done,
              count(*) FILTER (WHERE status = 'pending')::int AS pending FROM order_changes`,
    );
    return rows[0]!;
  };

  it(
    'applies each change once when the worker is SIGKILLed mid-change and restarted',
    async () => {
      const businessId = 'biz_changes_crash';
      await createBusiness(system.database.db, businessId);
      const env = workerEnv(system.cfg, ENV);
      children.push(spawnWorker(env));
      const orders = await loadMonth(system, businessId);
      await syncMonth(system, businessId);
      const revised = reviseMonth(orders);
      await importRevisions(system, revised);

      const ids = await Promise.all(
        (['pos', 'online', 'b2b'] as const).map((channel) =>
          submitSync(system, { businessId, channel, ...MONTH }),
        ),
      );
      // Killed while a change is claimed (its writes in flight), at three points of the 27 changes.
      const killedAt: Array<{ done: number; pending: number }> = [];
      for (const after of [0, 8, 18]) {
        const deadline = Date.now() + 120_000;
        let state = await changeState();
        while (!(state.done >= after && state.pending > 0) && state.done < 27 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 10));
          state = await changeState();
        }
        killedAt.push(state);
        const worker = children[children.length - 1]!;
        const gone = exited(worker);
        worker.kill('SIGKILL');
        await gone;
        children.push(spawnWorker(env));
      }
      for (const id of ids) expect((await syncResult(system, id)).state).toBe('completed');

      // Every kill came while a change was claimed, its writes in flight.
      expect(killedAt.map((s) => s.pending > 0)).toEqual([true, true, true]);
      await expectLatestRevision(system, orders, revised);
      const before = await writeCalls(system);
      await expectNothingToSend(system, businessId);
      expect(await writeCalls(system)).toBe(before);
    },
    10 * 60_000,
  );
});
