import type { ChildProcess } from 'node:child_process';
import type { UndoProgress } from '../../src/contract';
import { createBusiness, loadDemoOrders, simCreditNotes, simInvoices } from '../support/orders';
import { submitSync, syncResult } from '../support/requests';
import { eventually, startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';
import { exited, spawnWorker, stopWorker, workerEnv } from '../support/worker-process';

/**
 * An undo survives worker crashes (docs/undo.md "Exactly once"): its worker process is SIGKILLed three times mid-way
 * and restarted; the undo carries on from its ledger and ends with every document of the request taken back, each
 * take-back done once, nothing left in place.
 */
const SIM = { timeScale: 60, faults: [{ latencyMs: 30 }] };
const ENV = { XERO_WINDOW_MS: '1000', XERO_REQUEST_TIMEOUT_MS: '3000', SYNC_STEP_SECONDS: '2' };

describe('an undo whose worker crashes', () => {
  let system: TestSystem;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    system = await startTestSystem('undo-crash', { sim: SIM, env: ENV, worker: false });
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => stopWorker(c)));
    await system?.stop();
  });

  it(
    'takes back everything exactly once when the worker is SIGKILLed mid-way and restarted',
    async () => {
      const businessId = 'biz_undo_crash';
      await createBusiness(system.database.db, businessId);
      await loadDemoOrders(system.database.db, {
        businessId,
        from: '2025-06-01',
        to: '2025-06-04',
        ordersPerDay: 25,
        channel: 'pos',
        seed: 11,
      });
      const env = workerEnv(system.cfg, { SYNC_STEP_SECONDS: '2' });
      children.push(spawnWorker(env));
      const id = await submitSync(system, {
        businessId,
        channel: 'pos',
        startDate: '2025-06-01',
        endDate: '2025-06-04',
      });
      expect((await syncResult(system, id)).state).toBe('completed');
      const api = await system.api(businessId);
      expect((await api.post(`/api/sync-requests/${id}/undo`)).status).toBe(202);
      const done = async () =>
        (
          await system.database.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM undo_items WHERE request_id = $1 AND status = 'done'`,
            [id],
          )
        ).rows[0]!.n;

      let kills = 0;
      for (let i = 0; i < 3; i++) {
        const target = (await done()) + 15;
        await eventually(async () => (await done()) >= target, 120_000);
        const worker = children.at(-1)!;
        const gone = exited(worker);
        worker.kill('SIGKILL');
        await gone;
        kills += 1;
        children.push(spawnWorker(env));
      }
      const ended = await eventually(async () => {
        const s = (await api.get<UndoProgress>(`/api/sync-requests/${id}/undo`)).body;
        return ['completed', 'failed', 'cancelled'].includes(s.state) && s;
      }, 5 * 60_000);

      expect(kills).toBe(3);
      expect([ended.state, ended.lastError]).toEqual(['completed', null]);
      expect(ended.leftInPlace.filter((l) => l.kind !== 'contact')).toEqual([]);
      expect(ended.done).toBe(ended.total);
      const invoices = await simInvoices(system.xero.baseUrl);
      expect(invoices.length).toBe(ended.progress.invoices.total);
      expect(invoices.filter((i) => i.Status !== 'VOIDED' || i.AmountPaid !== 0)).toEqual([]);
      expect((await simCreditNotes(system.xero.baseUrl)).filter((n) => n.Status !== 'VOIDED')).toEqual([]);
    },
    10 * 60_000,
  );
});
