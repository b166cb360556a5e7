import { estimateCalls, estimateQuotaWindows, etaSeconds } from '../../src/sync/estimate';

describe('estimateCalls', () => {
  const base = { orders: 0, withPayments: false, paidOrders: 0, refundedOrders: 0, newContacts: 0 };

  it('needs no calls for no work', () => {
    expect(estimateCalls(base).total).toBe(0);
  });

  it('sends invoices 50 per call, rounding the last partial batch up', () => {
    expect(estimateCalls({ ...base, orders: 50 }).invoices).toBe(1);
    expect(estimateCalls({ ...base, orders: 51 }).invoices).toBe(2);
  });

  it('counts payment batches only when payments are pushed', () => {
    expect(estimateCalls({ ...base, orders: 100, paidOrders: 100 }).payments).toBe(0);
    expect(estimateCalls({ ...base, orders: 100, paidOrders: 100, withPayments: true }).payments).toBe(2);
  });

  it('counts credit-note batches, one allocation call per refund, and refund payments with payments', () => {
    const estimate = estimateCalls({
      ...base,
      orders: 100,
      withPayments: true,
      paidOrders: 90,
      refundedOrders: 12,
    });
    expect(estimate).toMatchObject({ invoices: 2, creditNotes: 1, allocations: 12, payments: 3 });
  });

  it('counts one lookup per new contact plus batched creation', () => {
    expect(estimateCalls({ ...base, newContacts: 60 }).contacts).toBe(62);
  });

  it('adds everything up, honouring custom batch sizes', () => {
    const estimate = estimateCalls({
      orders: 1000,
      withPayments: true,
      paidOrders: 1000,
      refundedOrders: 0,
      newContacts: 3,
      invoicesPerCall: 25,
      paymentsPerCall: 100,
    });
    expect(estimate.total).toBe(40 + 10 + 3 + 1);
  });

  it('refuses negative or fractional counts and a batch size of zero', () => {
    expect(() => estimateCalls({ ...base, orders: -1 })).toThrow(RangeError);
    expect(() => estimateCalls({ ...base, orders: 1.5 })).toThrow(RangeError);
    expect(() => estimateCalls({ ...base, invoicesPerCall: 0 })).toThrow(RangeError);
  });
});

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
