import type { Config } from '../../src/config';
import type { Db } from '../../src/db/pool';
import { estimateQuotaWindows, etaSeconds, sharedEta } from '../../src/requests/progress';
import type { DailyQuota } from '../../src/xero/limiter';

describe('estimateQuotaWindows', () => {
  it('is one window when the calls fit in what is left today beyond the reserve', () => {
    expect(estimateQuotaWindows({ calls: 500, dayRemaining: 1500, dayLimit: 5000, reserve: 1000 })).toBe(1);
    expect(estimateQuotaWindows({ calls: 0, dayRemaining: 0, dayLimit: 5000, reserve: 1000 })).toBe(1);
  });

  it('adds a window per further day of budget', () => {
    // 500 today, then 4000 a day: 500 + 4000 + 4000 + 1 = 8501 calls -> 4 windows
    expect(estimateQuotaWindows({ calls: 8501, dayRemaining: 1500, dayLimit: 5000, reserve: 1000 })).toBe(4);
    expect(estimateQuotaWindows({ calls: 8500, dayRemaining: 1500, dayLimit: 5000, reserve: 1000 })).toBe(3);
  });

  it('does not count today when today has nothing left beyond the reserve', () => {
    expect(estimateQuotaWindows({ calls: 4000, dayRemaining: 800, dayLimit: 5000, reserve: 1000 })).toBe(1);
  });

  it('works with a small tier (1,000 a day)', () => {
    expect(estimateQuotaWindows({ calls: 2000, dayRemaining: 1000, dayLimit: 1000, reserve: 200 })).toBe(3);
  });

  it('refuses a reserve that swallows the daily limit when more than today is needed', () => {
    expect(() => estimateQuotaWindows({ calls: 10, dayRemaining: 0, dayLimit: 1000, reserve: 1000 })).toThrow(
      RangeError,
    );
  });
});

describe('etaSeconds', () => {
  const quota = {
    perMinute: 60,
    dayRemaining: 5000,
    reserve: 1000,
    secondsUntilDayReset: 36_000,
    dayLimit: 5000,
  };

  it('paces at the minute rate while the daily budget lasts', () => {
    expect(etaSeconds({ ...quota, remainingCalls: 120 })).toBe(120);
    expect(etaSeconds({ ...quota, remainingCalls: 0 })).toBe(0);
    expect(etaSeconds({ ...quota, remainingCalls: 1, perMinute: 50 })).toBe(2); // 1.2 s, rounded up
  });

  it('waits for the day reset when today runs out, then paces the rest', () => {
    // 4000 usable today, 100 more after the reset in 10 hours
    expect(etaSeconds({ ...quota, remainingCalls: 4100 })).toBe(36_000 + 100);
  });

  it('adds a whole day for every further full window', () => {
    // 4000 today, 4000 tomorrow, 10 the day after
    expect(etaSeconds({ ...quota, remainingCalls: 8010 })).toBe(36_000 + 86_400 + 10);
  });

  it('waits for today calls to finish when the reset comes sooner than they do', () => {
    expect(etaSeconds({ ...quota, remainingCalls: 4001, secondsUntilDayReset: 60 })).toBe(4000 + 1);
  });

  it('starts with the reset wait when the reserve is already reached', () => {
    expect(etaSeconds({ ...quota, dayRemaining: 900, remainingCalls: 60 })).toBe(36_000 + 60);
  });

  it('refuses a zero pace', () => {
    expect(() => etaSeconds({ ...quota, perMinute: 0, remainingCalls: 1 })).toThrow(RangeError);
  });
});

describe('sharedEta: a range while the daily reset is unknown, a point once known', () => {
  const DAY_MS = 86_400_000;
  const cfg = {
    XERO_MINUTE_BUDGET: 60,
    XERO_WINDOW_MS: 60_000,
    XERO_DAY_WINDOW_MS: DAY_MS,
    XERO_DAILY_LIMIT: 5000,
  } as Config;
  const depsWith = (quota: DailyQuota) => ({
    cfg,
    db: {} as Db,
    limiter: { dailyQuota: async () => quota },
  });
  const business = { dailyReserve: 1000, dailyCallLimit: null };
  const spent = (resetAt: Date | null): DailyQuota => ({
    dayRemaining: 1000,
    observedAt: new Date(),
    resetAt,
    probeAt: null,
    limitSeen: 5000,
    contactsCount: null,
    contactWhere: { refused: null, answered: null },
  });

  it('before the reset is learnt: earliest if it came now, latest a whole window away, at most one window apart', async () => {
    const eta = await sharedEta(depsWith(spent(null)), 't', 6000, [], business);
    expect(eta.resetKnown).toBe(false);
    // 6,000 calls at 4,000 a day: one wait, one full window, 2,000 calls of pacing.
    expect(eta.seconds).toBe(86_400 + 86_400 + 2000);
    expect(eta.earliestSeconds).toBe(86_400 + 2000);
    expect(eta.seconds - eta.earliestSeconds).toBeLessThanOrEqual(86_400);
    expect(eta).toMatchObject({ dayLimit: 5000, dayLimitSource: 'xero-headers', reserve: 1000 });
  });

  it('once learnt: one point, the reset hours away counted as it is (never a whole day)', async () => {
    const eta = await sharedEta(
      depsWith(spent(new Date(Date.now() + 3 * 3_600_000))),
      't',
      6000,
      [],
      business,
    );
    expect(eta.resetKnown).toBe(true);
    expect(eta.earliestSeconds).toBe(eta.seconds);
    expect(eta.seconds).toBeGreaterThanOrEqual(3 * 3600 + 86_400 + 2000 - 1);
    expect(eta.seconds).toBeLessThanOrEqual(3 * 3600 + 86_400 + 2000 + 1);
  });
});
