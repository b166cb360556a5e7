import type { ManualSyncInput } from '../../src/definitions';
import type { Db } from '../../src/db/pool';
import {
  anyInvoiceToWrite,
  followUpsMayRemain,
  rangeContactSources,
  rangeCounts,
  rangeStats,
} from '../../src/engine/plan';
import { summaryFacts } from '../../src/engine/summary-estimate';
import { postingSkips, summaryWorkRemains } from '../../src/engine/summary-plan';
import { createTestDatabase } from '../support/harness';
import type { TestDatabase } from '../support/harness';
import { createBusiness, loadDemoOrders } from '../support/orders';
import { syncInput } from '../support/requests';

/**
 * The cheaper reads that stand in for the range's full statistics (docs/performance.md, "P4 after issue 24"): the
 * API's nothing-to-send check stops at the first order to write, the contacts step reads only the contact names'
 * fields. Each must answer what rangeStats answers for the same range.
 */
describe('range checks agree with the range statistics', () => {
  let t: TestDatabase;
  const businessId = 'biz_range_checks';
  beforeAll(async () => {
    t = await createTestDatabase();
    await createBusiness(t.db, businessId);
    await loadDemoOrders(t.db, {
      businessId,
      from: '2025-03-01',
      to: '2025-03-10',
      ordersPerDay: 12,
      channel: 'pos',
      seed: 21,
    });
  });
  afterAll(async () => t?.drop());

  const input = (options: Partial<ManualSyncInput['options']> = {}) =>
    syncInput({
      requestId: 'sr_range_checks',
      businessId,
      startDate: '2025-03-01',
      endDate: '2025-03-10',
      options,
    });

  const agree = async (i: ManualSyncInput) => {
    const stats = await rangeStats(t.db, i);
    expect(await anyInvoiceToWrite(t.db, i)).toBe(stats.invoices > 0);
    expect((await rangeContactSources(t.db, i)).contactSources).toEqual(stats.contactSources);
    const { total, alreadySynced, voided } = stats;
    expect(await rangeCounts(t.db, i)).toEqual({ total, alreadySynced, voided });
    return stats;
  };

  it('with orders to write, with every order in Xero, re-sent by update, and changes only', async () => {
    const fresh = await agree(input());
    expect(fresh.invoices).toBeGreaterThan(0);
    expect(fresh.contactSources.length).toBeGreaterThan(0);
    expect(await agree(input({ changesOnly: true }))).toMatchObject({ invoices: 0, contactSources: [] });

    // Every order but the voided ones in the ledger as synced: nothing to write, unless the policy is update.
    await t.db.query(
      `INSERT INTO order_ledger (business_id, order_id, status, request_id, invoice_number, attempts)
       SELECT business_id, id, 'synced', 'sr_earlier', 'INV-' || id, 1 FROM orders WHERE business_id = $1`,
      [businessId],
    );
    expect(await agree(input())).toMatchObject({ invoices: 0, contactSources: [] });
    expect((await agree(input({ resyncPolicy: 'update' }))).invoices).toBe(fresh.invoices);

    // One order left out of the ledger: found.
    await t.db.query(
      `DELETE FROM order_ledger WHERE business_id = $1
         AND order_id = (SELECT id FROM orders WHERE business_id = $1 AND status <> 'voided' ORDER BY placed_at DESC LIMIT 1)`,
      [businessId],
    );
    expect((await agree(input())).invoices).toBe(1);
  });
});

/**
 * The submit path's statements (and the preview's) over a range, planned with no statistics at all: the tables
 * bulk-written and never analysed, as when autovacuum has not yet come round (CI under load saw a year's
 * nothing-to-send check take 146 s). Each must read PostgreSQL's blocks in proportion to the range's orders, never
 * orders × summaries (docs/performance.md, "Plans that do not depend on statistics"). Counted, never timed.
 */
describe('range checks without statistics', () => {
  let t: TestDatabase;
  const businessId = 'biz_no_stats';
  const tables = ['orders', 'order_ledger', 'summaries', 'summary_orders', 'order_changes'];
  let orderCount = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    // Autovacuum must not analyse them during the test: the plans are the ones made from no statistics.
    for (const table of tables) await t.db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    await createBusiness(t.db, businessId);
    const orders = await loadDemoOrders(t.db, {
      businessId,
      from: '2025-03-01',
      to: '2025-03-31',
      ordersPerDay: 12,
      channel: 'pos',
      seed: 33,
    });
    orderCount = orders.length;
    // What a finished daily-summary request leaves: every live order in a posted summary invoice of its location
    // and day, every refunded one in a posted credit note too (the day here is the session's; any grouping does).
    for (const [kind, suffix, which] of [
      ['invoice', '', "status <> 'voided'"],
      ['credit_note', '-CN', "status = 'refunded'"],
    ]) {
      const number = `'POS-' || location_id || '-' || placed_at::date || '${suffix}'`;
      await t.db.query(
        `INSERT INTO summaries (business_id, number, kind, base_number, local_date, channel, location_id, currency,
           request_id, document, order_count, expected_total, expected_tax, stage)
         SELECT $1, n, $2, n, '2025-03-01', 'pos', location_id, 'SGD', 'sr_earlier', '{}', count(*), '0', '0', 'done'
         FROM (SELECT location_id, ${number} AS n FROM orders WHERE business_id = $1 AND ${which}) d
         GROUP BY n, location_id`,
        [businessId, kind],
      );
      await t.db.query(
        `INSERT INTO summary_orders (business_id, order_id, kind, number)
         SELECT $1, id, $2, ${number} FROM orders WHERE business_id = $1 AND ${which}`,
        [businessId, kind],
      );
    }
  });
  afterAll(async () => t?.drop());

  const input = (options: Partial<ManualSyncInput['options']> = {}): ManualSyncInput =>
    syncInput({
      requestId: 'sr_no_stats',
      businessId,
      startDate: '2025-03-01',
      endDate: '2025-03-31',
      options,
    });

  /** Runs `read` with each of its statements run under EXPLAIN (ANALYZE, BUFFERS) too: the most blocks one read. */
  async function blocksOf<T>(read: (db: Db) => Promise<T>): Promise<{ answer: T; blocks: number }> {
    let blocks = 0;
    const explaining = new Proxy(t.db, {
      get: (target, key) =>
        key === 'query'
          ? async (text: string, values?: unknown[]) => {
              const plan = await target.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, number> }> }>(
                `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`,
                values,
              );
              const top = plan.rows[0]!['QUERY PLAN'][0]!.Plan;
              blocks = Math.max(blocks, top['Shared Hit Blocks']! + top['Shared Read Blocks']!);
              return target.query(text, values);
            }
          : Reflect.get(target, key, target),
    }) as Db;
    return { answer: await read(explaining), blocks };
  }

  it('a month whose every order is summarised: each check reads a few blocks an order, not orders × summaries', async () => {
    const { rows } = await t.db.query<{ relname: string; reltuples: number }>(
      `SELECT relname, reltuples FROM pg_class WHERE relname = ANY($1)`,
      [tables],
    );
    // Never analysed (nor vacuumed): the planner has no statistics for them.
    expect(rows.filter((r) => r.reltuples !== -1)).toEqual([]);

    const summary = input({ posting: 'daily-summary' });
    const checks: Array<[string, (db: Db) => Promise<unknown>]> = [
      ['anyInvoiceToWrite', (db) => anyInvoiceToWrite(db, summary)],
      ['summaryWorkRemains', (db) => summaryWorkRemains(db, summary)],
      ['rangeCounts', (db) => rangeCounts(db, summary)],
      ['rangeStats', (db) => rangeStats(db, summary)],
      ['postingSkips', (db) => postingSkips(db, summary)],
      ['summaryFacts', async (db) => (await summaryFacts(db, summary)).length],
      ['followUpsMayRemain', (db) => followUpsMayRemain(db, input())],
    ];
    const measured: Record<string, { answer: unknown; perOrder: number }> = {};
    for (const [name, read] of checks) {
      const { answer, blocks } = await blocksOf(read);
      measured[name] = { answer, perOrder: Math.round(blocks / orderCount) };
    }
    const stats = await rangeStats(t.db, summary);
    expect(stats).toMatchObject({ total: orderCount, invoices: 0 });
    expect(measured.anyInvoiceToWrite!.answer).toBe(false);
    expect(measured.summaryWorkRemains!.answer).toBe(false);
    expect(measured.rangeCounts!.answer).toEqual({
      total: stats.total,
      alreadySynced: stats.alreadySynced,
      voided: stats.voided,
    });
    expect(measured.postingSkips!.answer).toEqual({ sentPerOrder: 0, inSummaries: stats.alreadySynced });
    expect(measured.summaryFacts!.answer).toBe(0);
    // Probes per order read a few index and heap blocks each (23 blocks an order for the summary checks here); the
    // joined plans read the business's summaries once per order: 2,020 blocks an order for this month, growing with
    // the range (a year: minutes).
    for (const [name, { perOrder }] of Object.entries(measured))
      expect([name, perOrder <= 60]).toEqual([name, true]);
  });
});
