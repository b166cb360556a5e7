import type { Db } from '../../src/db/pool';
import { DailyQuotaExhausted, TenantLimiter } from '../../src/xero/limiter';
import type { LimiterOptions } from '../../src/xero/limiter';
import { metrics } from '../../src/observability/metrics';
import { insertRequest, setPauseRequested } from '../../src/requests/store';
import { upsertBusiness } from '../support/businesses';
import { createTestDatabase } from '../support/harness';
import { syncInput } from '../support/requests';
import type { TestDatabase } from '../support/harness';

/** A limiter as these tests pace it (6,000 calls a minute, 5 at once, a probe every 3 s), `changes` over that. */
const limiterOn = (db: Db, changes: Partial<LimiterOptions> = {}) =>
  new TenantLimiter(db, {
    perMinute: 6000,
    concurrency: 5,
    windowMs: 60_000,
    dayWindowMs: 60_000,
    leaseMs: 60_000,
    probeMs: 3_000,
    ...changes,
  });

/**
 * The per-organisation limiter on a real PostgreSQL: the daily budget and how its reset is learnt. One probe per
 * organisation while the reset is unknown (however many callers), the reset learnt from X-DayLimit-Remaining
 * rising and then waited for exactly, the request's calls counted as they start.
 */
describe('TenantLimiter, daily quota', () => {
  let database: TestDatabase;
  const DAY_MS = 10_000;
  const limiter = () => limiterOn(database.db, { dayWindowMs: DAY_MS });
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  const call = async (l: TenantLimiter, tenantId: string, remaining?: number, requestId?: string) => {
    const lease = await l.acquire({ tenantId, dailyReserve: 10, requestId });
    await lease.release(remaining === undefined ? undefined : { dayRemaining: remaining });
    return lease.probe;
  };

  it('lets one probe per organisation through while the reset is unknown, and counts calls per request', async () => {
    const tenantId = 'tenant-probe';
    const a = limiter();
    const b = limiter(); // another process
    expect(await call(a, tenantId, 10, 'sr_probe')).toBe(false); // that call left exactly the reserve
    const tries = await Promise.allSettled([
      a.acquire({ tenantId, dailyReserve: 10 }),
      b.acquire({ tenantId, dailyReserve: 10 }),
      a.acquire({ tenantId, dailyReserve: 10 }),
      b.acquire({ tenantId, dailyReserve: 10 }),
    ]);
    const through = tries.filter((t) => t.status === 'fulfilled');
    expect(through).toHaveLength(1);
    expect((through[0] as PromiseFulfilledResult<{ probe: boolean }>).value.probe).toBe(true);
    const refused = tries.flatMap((t) => (t.status === 'rejected' ? [t.reason as DailyQuotaExhausted] : []));
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(r).toBeInstanceOf(DailyQuotaExhausted);
      expect(r.resetKnown).toBe(false);
      // The next look, one probe interval on.
      expect(r.resumeAt.getTime() - Date.now()).toBeGreaterThan(2_000);
    }
    const { rows } = await database.db.query(
      'SELECT xero_calls FROM sync_request_progress WHERE request_id = $1',
      ['sr_probe'],
    );
    expect(rows[0].xero_calls).toBe(1);
  });

  it('learns the reset from X-DayLimit-Remaining rising, then waits for it without probing', async () => {
    const tenantId = 'tenant-rise';
    const l = limiter();
    await call(l, tenantId, 10); // spent (at the reserve)
    const probe = await l.acquire({ tenantId, dailyReserve: 10 });
    expect(probe.probe).toBe(true);
    // The probe's answer: the window has reset (remaining rose from 10 to 4,990).
    const before = Date.now();
    await probe.release({ dayRemaining: 4990 });
    const quota = await l.dailyQuota(tenantId);
    expect(quota.resetAt!.getTime()).toBeGreaterThanOrEqual(before + DAY_MS - 50);
    expect(quota.probeAt).toBeNull();
    // Spent again: the wait is for the learnt reset, known, and no probe goes ahead before it.
    await call(l, tenantId, 10);
    const waits = await Promise.allSettled([
      l.acquire({ tenantId, dailyReserve: 10 }),
      l.acquire({ tenantId, dailyReserve: 10 }),
    ]);
    for (const w of waits) {
      expect(w.status).toBe('rejected');
      const err = (w as PromiseRejectedResult).reason as DailyQuotaExhausted;
      expect(err.resetKnown).toBe(true);
      expect(err.resumeAt.getTime()).toBe(quota.resetAt!.getTime());
    }
  });

  it('learns the reset from a rise of as little as the concurrency, and keeps no reading older than its own (issue 24)', async () => {
    const tenantId = 'tenant-small-rise';
    const l = limiter(); // concurrency 5
    // Two calls in flight: the first to start finishes last, with a higher (older) reading.
    const first = await l.acquire({ tenantId, dailyReserve: 10 });
    const second = await l.acquire({ tenantId, dailyReserve: 10 });
    await second.release({ dayRemaining: 480 });
    await first.release({ dayRemaining: 484 });
    let quota = await l.dailyQuota(tenantId);
    expect(quota.dayRemaining).toBe(480); // the older reading is not kept...
    expect(quota.resetAt).toBeNull(); // ...and its 4 more is no rise
    // Calls finishing out of order in Xero rise by at most the concurrency less one: not a reset.
    await call(l, tenantId, 484);
    expect((await l.dailyQuota(tenantId)).resetAt).toBeNull();
    // A rise of 5 (the concurrency): the window reset, though only a few of its calls were made.
    const before = Date.now();
    await call(l, tenantId, 489);
    quota = await l.dailyQuota(tenantId);
    expect(quota.dayRemaining).toBe(489);
    expect(quota.resetAt!.getTime()).toBeGreaterThanOrEqual(before + DAY_MS - 50);
  });

  it('takes a daily-limit 429’s Retry-After as the exact reset', async () => {
    const tenantId = 'tenant-429';
    const l = limiter();
    const until = new Date(Date.now() + 5_000);
    await l.blockUntil(tenantId, until, true);
    const err = (await l
      .acquire({ tenantId, dailyReserve: 0 })
      .catch((e: unknown) => e)) as DailyQuotaExhausted;
    expect(err).toBeInstanceOf(DailyQuotaExhausted);
    expect(err).toMatchObject({ resetKnown: true });
    expect(err.resumeAt.getTime()).toBe(until.getTime());
  });
  it("remembers a large organisation's contacts where: the smallest refused, the largest answered below it", async () => {
    const tenantId = 'tenant-where';
    const l = limiter();
    const where = async () => (await l.dailyQuota(tenantId)).contactWhere;
    await l.recordContactWhere(tenantId, 35, true); // answered before any refusal: nothing to learn
    expect(await where()).toEqual({ refused: null, answered: null });
    await l.recordContactWhere(tenantId, 35, false);
    await l.recordContactWhere(tenantId, 17, false);
    await l.recordContactWhere(tenantId, 30, false); // a step that planned before the last refusal
    await l.recordContactWhere(tenantId, 8, true);
    await l.recordContactWhere(tenantId, 6, true);
    expect(await where()).toEqual({ refused: 17, answered: 8 });
    await l.recordContactWhere(tenantId, 20, true); // not below the refusal: not taken
    expect(await where()).toEqual({ refused: 17, answered: 8 });
    await l.recordContactWhere(tenantId, 8, false); // Xero now refuses what it answered: forget the answer
    expect(await where()).toEqual({ refused: 8, answered: null });
  });

  it('measures the send rate: its pace while sending, leaving out quota waits and probes (issue 24)', async () => {
    const tenantId = 'tenant-rate';
    // 600 a minute of a 1 s window: one start every 100 ms at most; a gap of over 2 s is not sending.
    const l = limiterOn(database.db, { perMinute: 10, concurrency: 1, windowMs: 1_000, dayWindowMs: DAY_MS });
    const rate = async () => (await l.dailyQuota(tenantId)).sendRate!;
    expect((await l.dailyQuota(tenantId)).sendRate).toBeNull();
    for (let i = 0; i < 6; i++) await call(l, tenantId, 500);
    const paced = await rate();
    expect(paced.calls).toBe(5);
    expect(paced.ms).toBeGreaterThanOrEqual(5 * 100 - 5);
    expect(paced.ms).toBeLessThan(5 * 100 + 200);
    // A slower sender: 250 ms between calls, measured as such.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 250));
      await call(l, tenantId, 500);
    }
    const slower = await rate();
    expect(slower.calls).toBe(9);
    expect(slower.ms).toBeGreaterThanOrEqual(paced.ms + 4 * 250);
    // A quota wait of 2.5 s: the call after it is not counted, and the wait is not sending time.
    await new Promise((r) => setTimeout(r, 2_500));
    await call(l, tenantId, 500);
    expect(await rate()).toEqual(slower);
  });
});

/**
 * The start statement also reads the call's request's pause flag (issue 24's pause at the next call): a step's
 * pause check needs no statement of its own per call. A call that then waits for its paced start gets no read.
 */
describe('TenantLimiter, the pause flag read with the start', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await upsertBusiness(database.db, {
      id: 'biz_pause_read',
      name: 'Pause read',
      timeZone: 'Asia/Singapore',
      xeroTenantId: 'tenant-pause-read',
      settings: {},
    });
    const input = syncInput({ requestId: 'sr_pause_read', businessId: 'biz_pause_read' });
    await insertRequest(database.db, { input, contactName: null }, null);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('answers the flag as the slot is taken, in the same statement; none after a paced wait or without a request', async () => {
    const statements = () => metrics().xeroLimiterStatements.get();
    const count = async () => (await statements()).values.reduce((n, v) => n + v.value, 0);
    // A start every 0.01 ms: no call here ever waits for its paced start (at 6,000 a minute, a call within 10 ms
    // of the last one waited, and was rightly given no flag; CI saw that once).
    const l = limiterOn(database.db, { perMinute: 6_000_000 });
    const acquire = async (requestId?: string) => {
      const lease = await l.acquire({ tenantId: 'tenant-pause-read', dailyReserve: 0, requestId });
      await lease.release();
      return lease.pausing;
    };
    expect(await acquire('sr_pause_read')).toBe(false);
    const before = await count();
    await setPauseRequested(database.db, 'sr_pause_read', true);
    expect(await acquire('sr_pause_read')).toBe(true);
    expect((await count()) - before).toBe(2); // its start and finish: nothing more
    expect(await acquire()).toBeUndefined();

    // A pace of one call a second: the second call waits for its start, so the flag read before the wait is not given.
    const slow = limiterOn(database.db, { perMinute: 1, windowMs: 1_000 });
    const first = await slow.acquire({
      tenantId: 'tenant-pause-slow',
      dailyReserve: 0,
      requestId: 'sr_pause_read',
    });
    const second = slow.acquire({
      tenantId: 'tenant-pause-slow',
      dailyReserve: 0,
      requestId: 'sr_pause_read',
    });
    expect(first.pausing).toBe(true);
    await first.release();
    const waited = await second;
    await waited.release();
    expect(waited.pausing).toBeUndefined();
  });
});
