import type { ApiExchange } from '../../src/xero-sim';
import { createBusiness, expectSyncedExactlyOnce, loadDemoOrders } from '../support/orders';
import { PAUSE_AT_PAGE } from '../../workflows/manual-sync';
import {
  recordHistoryFixture,
  requestDetail,
  requestInQuotaWait,
  SMALL_DAILY_QUOTA,
  submitSync,
  syncResult,
  waitForRequest,
} from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

describe('pause, resume and cancel over the API', () => {
  let system: TestSystem;
  beforeAll(async () => {
    // 100 ms per Xero call and one-second steps: there is time to act between steps.
    system = await startTestSystem('control', {
      sim: { timeScale: 60, faults: [{ latencyMs: 100 }] },
      env: { XERO_WINDOW_MS: '1000', SYNC_STEP_SECONDS: '1', XERO_CONCURRENCY: '1' },
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'pauses (the workflow accepts or refuses), resumes where it stopped, and cancels at once',
    async () => {
      const businessId = 'biz_control';
      await createBusiness(system.database.db, businessId);
      await loadDemoOrders(system.database.db, {
        businessId,
        from: '2025-08-01',
        to: '2025-08-20',
        ordersPerDay: 60,
        channel: 'pos',
        seed: 8,
      });
      const id = await submitSync(system, {
        businessId,
        channel: 'pos',
        startDate: '2025-08-01',
        endDate: '2025-08-20',
      });
      const api = await system.api(businessId);
      const progress = () => requestDetail(system, businessId, id);
      await waitForRequest(system, businessId, id, (p) => p.counts.found >= 50);

      // Another business's key cannot touch it: 404, as if it did not exist.
      await createBusiness(system.database.db, 'biz_control_other');
      const other = await system.api('biz_control_other');
      for (const action of ['pause', 'resume', 'cancel'])
        expect((await other.post(`/api/sync-requests/${id}/${action}`)).status).toBe(404);

      const pause = await api.post(`/api/sync-requests/${id}/pause`);
      expect(pause.status).toBe(202);
      // The workflow's own acceptance: the pause takes effect at the step's next page.
      expect(pause.body).toMatchObject({ id, action: 'pause', state: 'running', pending: true });
      const again = await api.post(`/api/sync-requests/${id}/pause`);
      expect(again.status).toBe(409);
      expect(again.body.detail).toContain('already paused');
      const paused = await waitForRequest(system, businessId, id, (p) => p.state === 'paused');
      await new Promise((r) => setTimeout(r, 1500));
      expect((await progress()).counts.found).toBe(paused.counts.found);
      expect(paused.pausing).toBe(false);
      // The history log shows the state the workflow recorded.
      const pausedLog = await api.get<{ items: Array<{ id: string; state: string }> }>(
        '/api/sync-requests?state=paused',
      );
      expect(pausedLog.body.items.map((i) => i.id)).toEqual([id]);

      const resume = await api.post(`/api/sync-requests/${id}/resume`);
      expect(resume.status).toBe(202);
      expect(resume.body).toMatchObject({ action: 'resume', pending: false });
      const notPaused = await api.post(`/api/sync-requests/${id}/resume`);
      expect(notPaused.status).toBe(409);
      expect(notPaused.body.detail).toContain('not paused');
      await waitForRequest(system, businessId, id, (p) => p.counts.found > paused.counts.found);
      const cancel = await api.post(`/api/sync-requests/${id}/cancel`);
      expect(cancel.status).toBe(202);
      expect(cancel.body).toMatchObject({ action: 'cancel', pending: true });
      const result = await syncResult(system, id);

      expect(result.state).toBe('cancelled');
      // Once ended, there is nothing left to control.
      const late = await api.post(`/api/sync-requests/${id}/pause`);
      expect(late.status).toBe(409);
      expect(late.body.detail).toContain('cancelled');
      // Cancel stopped the walk part-way: more than when paused, fewer than all 1,200 orders.
      const final = await progress();
      expect(final.state).toBe('cancelled');
      expect(final.counts.found).toBeGreaterThan(paused.counts.found);
      expect(final.counts.found).toBeLessThan(20 * 60);
      // Every order it recorded is counted once.
      const { rows } = await system.database.db.query(
        'SELECT count(*)::int AS n FROM sync_request_orders WHERE request_id = $1',
        [id],
      );
      expect(rows[0].n).toBe(final.counts.found);
    },
    5 * 60_000,
  );
});

describe('a pause in the middle of sending orders', () => {
  let system: TestSystem;
  const exchanges: ApiExchange[] = [];
  beforeAll(async () => {
    // One-minute steps: this request's 1,200 orders (about 50 calls of 100 ms) would all go in its first step.
    system = await startTestSystem('pause-mid-step', {
      sim: { timeScale: 60, faults: [{ latencyMs: 100 }], onExchange: (e) => void exchanges.push(e) },
      env: { XERO_WINDOW_MS: '1000', SYNC_STEP_SECONDS: '60', XERO_CONCURRENCY: '1' },
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'stops at the next page: paused with orders unsent and no Xero write after the answer; resumed, completes once',
    async () => {
      const businessId = 'biz_pause_mid';
      await createBusiness(system.database.db, businessId);
      const orders = await loadDemoOrders(system.database.db, {
        businessId,
        from: '2025-08-01',
        to: '2025-08-20',
        ordersPerDay: 60,
        channel: 'pos',
        seed: 9,
      });
      const id = await submitSync(system, {
        businessId,
        channel: 'pos',
        startDate: '2025-08-01',
        endDate: '2025-08-20',
      });
      const api = await system.api(businessId);
      await waitForRequest(system, businessId, id, (p) => p.counts.synced >= 100);

      const pausedAt = Date.now();
      const pause = await api.post(`/api/sync-requests/${id}/pause`);
      const answeredAt = Date.now();
      expect(pause.status).toBe(202);
      expect(pause.body).toMatchObject({ state: 'running', pending: true });
      // The API says so at once, from what the workflow recorded before it answered.
      const pausing = await requestDetail(system, businessId, id);
      expect(pausing).toMatchObject({ state: 'running', pausing: true });

      const paused = await waitForRequest(system, businessId, id, (p) => p.state === 'paused');
      // Well within the one-minute step it was sending in.
      expect(Date.now() - pausedAt).toBeLessThan(20_000);
      expect(paused.pausing).toBe(false);
      expect(paused.counts.found).toBeLessThan(orders.length);
      const writes = (after: number) =>
        exchanges
          .filter((e) => e.method !== 'GET' && e.receivedAt > after)
          .map((e) => `${e.method} ${e.path}`);
      expect(writes(answeredAt)).toEqual([]);
      // And it stays paused: nothing more is written while it is.
      await new Promise((r) => setTimeout(r, 2000));
      expect(writes(answeredAt)).toEqual([]);
      expect((await requestDetail(system, businessId, id)).counts.found).toBe(paused.counts.found);

      const resume = await api.post(`/api/sync-requests/${id}/resume`);
      expect(resume.status).toBe(202);
      const result = await syncResult(system, id);
      expect(result.state).toBe('completed');
      expect(result.counts).toMatchObject({ found: orders.length, failed: 0 });
      await expectSyncedExactlyOnce(system, orders);
      // The fixture of the pause-at-page shape (a pause recorded for the step in flight, then a resume).
      await recordHistoryFixture(id, PAUSE_AT_PAGE);
    },
    5 * 60_000,
  );
});

describe('a change of the reserve during a quota wait', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('reserve-in-wait', SMALL_DAILY_QUOTA);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'moves the ETA and the wake-up time at once',
    async () => {
      const businessId = 'biz_reserve_wait';
      const { id, waiting: before } = await requestInQuotaWait(
        system,
        businessId,
        { from: '2025-04-01', to: '2025-04-10' },
        (p) => p.resumeAt !== null && p.etaSeconds !== null,
      );
      const waitLeft = (Date.parse(before.resumeAt!) - Date.now()) / 1000;
      expect(waitLeft).toBeGreaterThan(30);
      // The ETA agrees with the wait: no sooner than its end; it says what it assumed; a range at most one daily
      // window wide while the reset is not known, a point once it is.
      expect(before.etaSeconds!).toBeGreaterThanOrEqual(Math.floor(waitLeft));
      const eta = before.eta!;
      expect(eta).toMatchObject({ latestSeconds: before.etaSeconds, dailyReserve: 15 });
      expect(eta.dailyLimit.calls).toBeGreaterThan(15);
      expect(eta.earliestSeconds).toBeGreaterThanOrEqual(Math.floor(waitLeft));
      if (eta.resetKnown) expect(eta.earliestSeconds).toBe(eta.latestSeconds);
      else
        expect(eta.latestSeconds - eta.earliestSeconds).toBeLessThanOrEqual(
          system.cfg.XERO_DAY_WINDOW_MS / 1000,
        );

      const api = await system.api(businessId);
      const changedAt = Date.now();
      const patched = await api.request('PATCH', '/api/business/settings', {
        body: { dailyQuotaReserve: 0 },
      });
      expect(patched.status).toBe(200);
      // The request looks again at once: out of the wait long before its old timer, and done.
      const after = await waitForRequest(
        system,
        businessId,
        id,
        (p) => p.state !== 'waiting_for_quota',
        20_000,
      );
      expect(Date.now() - changedAt).toBeLessThan(20_000);
      expect(Date.now()).toBeLessThan(Date.parse(before.resumeAt!));
      expect(after.etaSeconds === null || after.etaSeconds < before.etaSeconds!).toBe(true);
      if (after.eta) expect(after.eta.dailyReserve).toBe(0);
      const result = await syncResult(system, id);
      expect(result).toMatchObject({ state: 'completed', counts: { found: 250, failed: 0 } });
    },
    5 * 60_000,
  );
});
