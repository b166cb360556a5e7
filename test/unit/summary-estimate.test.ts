import { localDateOf } from '../../src/calendar';
import { buildDailySummaries, buildRefundSummaries } from '../../src/engine/summary';
import { summaryMinimumCalls, summaryWork, summaryWriteCalls } from '../../src/engine/summary-estimate';
import type { SummaryOrderFacts, SummaryWorkOptions } from '../../src/engine/summary-estimate';
import { combinedRefund } from '../../src/orders/revisions';
import type { Order } from '../../src/orders/schema';
import { generateDemoOrders } from '../../src/orders/seed';
import { discountedRefundOrders } from '../support/orders';
import { SUMMARY_SETTINGS, WALK_IN } from '../support/mapping';

/**
 * The daily-summary estimate (src/engine/summary-estimate.ts): the documents it counts are the ones the summary
 * builder (src/engine/summary.ts) makes for the same orders, and they pack into calls as invoices do.
 */

const TZ = 'Asia/Singapore';
const settings = SUMMARY_SETTINGS;
const OPTS: SummaryWorkOptions = {
  paymentAccounts: settings.paymentAccounts,
  authorised: true,
  recordPayments: true,
};

/** What the preview's query reads of an order (the SQL does this in PostgreSQL; here from the order itself). */
function factsOf(o: Order): SummaryOrderFacts {
  const refund = o.status === 'refunded' ? combinedRefund(o) : undefined;
  return {
    locationId: o.location.id,
    currency: o.currency,
    inclusive: o.pricesIncludeTax,
    day: localDateOf(o.placedAt, TZ),
    total: o.total,
    payments: o.payments.map((p) => ({ method: p.method, amount: p.amount, day: localDateOf(p.paidAt, TZ) })),
    refund:
      o.status !== 'refunded'
        ? null
        : { day: localDateOf(refund?.refundedAt ?? o.placedAt, TZ), amount: refund?.amount ?? o.total },
  };
}

/** The documents the builder makes for these orders, counted the way summaryWork counts them. */
function built(orders: Order[]) {
  const { summaries, failed } = buildDailySummaries(orders, settings, WALK_IN);
  expect(failed).toEqual([]);
  const notes = buildRefundSummaries(orders, settings, WALK_IN, summaries);
  return {
    summaries: summaries.length,
    payments: summaries.reduce((n, s) => n + s.payments.length, 0),
    creditNotes: notes.length,
    refunds: notes.reduce((n, s) => n + s.refundPayments.length, 0),
    allocations: notes.reduce((n, s) => n + s.allocations.length, 0),
    summariesWithPayments: summaries.filter((s) => s.payments.length > 0).length,
    notesWithRefunds: notes.filter((s) => s.refundPayments.length > 0).length,
  };
}

const live = (orders: Iterable<Order>) => [...orders].filter((o) => o.status !== 'voided');

describe('summaryWork (the daily-summary estimate)', () => {
  it('counts what the builder makes for a month of POS at three locations: summaries, payments, credit notes, refunds, allocations', () => {
    const orders = live(
      generateDemoOrders({
        businessId: 'b',
        from: '2025-03-01',
        to: '2025-03-31',
        ordersPerDay: 40,
        channel: 'pos',
        seed: 11,
      }),
    );
    const expected = built(orders);
    expect(expected.summaries).toBeGreaterThan(60);
    expect(expected.payments).toBeGreaterThan(expected.summaries);
    expect(expected.creditNotes).toBeGreaterThan(0);
    expect(summaryWork(orders.map(factsOf), OPTS)).toEqual(expected);
  });

  it('counts refunds dated on their own day, partly allocated and partly paid back, as the builder applies them', () => {
    const orders = live(
      discountedRefundOrders({
        businessId: 'b',
        count: 300,
        days: ['2025-07-01', '2025-07-02', '2025-07-03'],
      }),
    );
    const expected = built(orders);
    expect(expected.creditNotes).toBeGreaterThan(0);
    expect(summaryWork(orders.map(factsOf), OPTS)).toEqual(expected);
  });

  const day = (d: string, extra: Partial<SummaryOrderFacts> = {}): SummaryOrderFacts => ({
    locationId: 'L1',
    currency: 'SGD',
    inclusive: true,
    day: d,
    total: '10.00',
    payments: [{ method: 'card', amount: '10.00', day: d }],
    refund: null,
    ...extra,
  });

  it('one summary per location, day, currency and tax mode; one payment per account per payment day', () => {
    const work = summaryWork(
      [
        day('2025-01-01'),
        day('2025-01-01'),
        day('2025-01-01', { payments: [{ method: 'cash', amount: '10.00', day: '2025-01-01' }] }),
        day('2025-01-01', { payments: [{ method: 'card', amount: '10.00', day: '2025-01-03' }] }),
        day('2025-01-01', { locationId: 'L2' }),
        day('2025-01-01', { currency: 'USD' }),
        day('2025-01-01', { inclusive: false }),
        day('2025-01-02'),
      ],
      OPTS,
    );
    expect(work).toEqual({
      summaries: 5,
      payments: 7,
      creditNotes: 0,
      refunds: 0,
      allocations: 0,
      summariesWithPayments: 5,
      notesWithRefunds: 0,
    });
  });

  it('two methods paid into one account make one payment', () => {
    const orders = [
      day('2025-01-01'),
      day('2025-01-01', { payments: [{ method: 'visa', amount: '10.00', day: '2025-01-01' }] }),
    ];
    expect(summaryWork(orders, OPTS).payments).toBe(2);
    expect(summaryWork(orders, { ...OPTS, paymentAccounts: { card: '091', visa: '091' } }).payments).toBe(1);
  });

  it('a refund of an unpaid order is allocated; of a paid one, paid back: one credit note per key per refund day', () => {
    const unpaid = day('2025-01-01', { payments: [], refund: { day: '2025-01-05', amount: '10.00' } });
    const paid = day('2025-01-02', { refund: { day: '2025-01-05', amount: '4.00' } });
    const later = day('2025-01-02', { refund: { day: '2025-01-06', amount: '10.00' } });
    expect(summaryWork([unpaid, paid, later], OPTS)).toEqual({
      summaries: 2,
      payments: 1,
      creditNotes: 2,
      refunds: 2,
      allocations: 1,
      summariesWithPayments: 1,
      notesWithRefunds: 2,
    });
  });

  it('DRAFT summaries carry no payments nor refunds; without recorded payments a refund is still split by what was paid', () => {
    const orders = [day('2025-01-01', { refund: { day: '2025-01-02', amount: '10.00' } })];
    expect(summaryWork(orders, { ...OPTS, authorised: false })).toEqual({
      summaries: 1,
      payments: 0,
      creditNotes: 0,
      refunds: 0,
      allocations: 0,
      summariesWithPayments: 0,
      notesWithRefunds: 0,
    });
    // As the mapping does (invoice-mapping.ts): the order was paid, so its refund is paid back, not allocated.
    expect(summaryWork(orders, { ...OPTS, recordPayments: false })).toMatchObject({
      payments: 0,
      creditNotes: 1,
      allocations: 0,
      refunds: 1,
    });
  });

  const year = ['L1', 'L2', 'L3'].flatMap((locationId) =>
    Array.from({ length: 365 }, (_, i) =>
      day(new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10), { locationId }),
    ),
  );

  it('the minimum packs like invoices: a year of three locations’ days is 1,095 summaries in 22 calls, their payments in 22', () => {
    const work = summaryWork(year, OPTS);
    expect(work.summaries).toBe(1095);
    expect(summaryMinimumCalls(work)).toEqual({ invoices: 22, payments: 22, creditNotes: 0, allocations: 0 });
  });

  it('the estimate counts the calls as the engine writes them: full batches of 50 as the walk goes, the remainder at its end', () => {
    const work = summaryWork(year, OPTS);
    // 1,095 summaries and their 1,095 payments: 21 full batches each as the walk goes, 45 at the end.
    expect(summaryWriteCalls(work)).toEqual({ invoices: 22, payments: 22, creditNotes: 0, allocations: 0 });
    expect(summaryWriteCalls(work)).toEqual(summaryMinimumCalls(work));
  });

  it('refund payments of many credit notes share batches of 50: one call for several notes, not one per note', () => {
    const refunded = (d: string, refundDay: string) =>
      day(d, { refund: { day: refundDay, amount: '10.00' } });
    // Nine paid sales each refunded on a day of its own: nine credit notes, each with a refund payment.
    const days = Array.from({ length: 9 }, (_, i) => `2025-01-0${i + 1}`);
    const work = summaryWork(
      days.map((d) => refunded(d, d.replace('2025-01', '2025-02'))),
      OPTS,
    );
    expect(work).toMatchObject({ creditNotes: 9, refunds: 9, notesWithRefunds: 9 });
    expect(summaryWriteCalls(work)).toEqual({ invoices: 1, payments: 2, creditNotes: 1, allocations: 0 });
  });

  it('a credit note’s allocations take a call each, its refund payments go with others’; credit notes 50 to a call', () => {
    const refunded = (d: string, extra: Partial<SummaryOrderFacts>) =>
      day(d, { refund: { day: '2025-02-01', amount: '10.00' }, ...extra });
    const work = summaryWork(
      [
        refunded('2025-01-01', {}),
        refunded('2025-01-02', {}),
        refunded('2025-01-03', { payments: [] }),
        refunded('2025-01-04', { payments: [], locationId: 'L2' }),
      ],
      OPTS,
    );
    expect(work).toMatchObject({ creditNotes: 2, refunds: 1, allocations: 2 });
    expect(summaryWriteCalls(work)).toEqual({ invoices: 1, payments: 2, creditNotes: 1, allocations: 2 });
  });
});
