import {
  claimFollowUps,
  completeFollowUps,
  ledgerRows,
  recordCreditNote,
  recordMoneyChecks,
  recordOrders,
  releaseFollowUps,
  requestCounts,
} from '../../src/engine/ledger';
import { createPool } from '../../src/db/pool';
import type { Db } from '../../src/db/pool';
import { createTestDatabase } from '../support/harness';
import type { TestDatabase } from '../support/harness';

/**
 * What a page of the walk writes, in one statement (recordOrders): the ledger's marks and the request's results
 * together, with the rules the separate writes had. And the pool that prepares each parameterised statement once
 * per connection, which every statement of the product goes through.
 */
describe('the ledger, written a page at a time', () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createTestDatabase()));
  afterAll(async () => t?.drop());

  const synced = (orderId: string) => ({
    orderId,
    invoiceNumber: `INV-${orderId}`,
    xeroInvoiceId: `xi-${orderId}`,
    xeroContactId: 'c1',
  });

  it('marks synced and failed orders and records every outcome of the page in one statement', async () => {
    await recordOrders(t.db, 'biz_l1', 'sr_l1', {
      synced: [synced('o1'), { ...synced('o2'), moneyCheck: 'Xero total 10.00, order 10.01' }],
      failed: [{ orderId: 'o3', invoiceNumber: 'INV-o3', error: 'Account code 999 is not valid' }],
      outcomes: [{ orderId: 'o4', outcome: 'skipped', error: 'voided orders are not pushed' }],
    });
    const rows = await ledgerRows(t.db, 'biz_l1', ['o1', 'o2', 'o3', 'o4']);
    expect([...rows.values()].map((r) => [r.orderId, r.status, r.xeroInvoiceId]).sort()).toEqual([
      ['o1', 'synced', 'xi-o1'],
      ['o2', 'synced', 'xi-o2'],
      ['o3', 'failed', null],
    ]);
    const { rows: results } = await t.db.query(
      `SELECT order_id, outcome, error, xero_invoice_id FROM sync_request_orders WHERE request_id = 'sr_l1'
       ORDER BY order_id`,
    );
    expect(results).toEqual([
      { order_id: 'o1', outcome: 'synced', error: null, xero_invoice_id: 'xi-o1' },
      { order_id: 'o2', outcome: 'synced', error: null, xero_invoice_id: 'xi-o2' },
      { order_id: 'o3', outcome: 'failed', error: 'Account code 999 is not valid', xero_invoice_id: null },
      { order_id: 'o4', outcome: 'skipped', error: 'voided orders are not pushed', xero_invoice_id: null },
    ]);
    const { rows: checks } = await t.db.query(
      `SELECT order_id, money_checks FROM order_ledger WHERE business_id = 'biz_l1' AND money_checks IS NOT NULL`,
    );
    expect(checks).toEqual([{ order_id: 'o2', money_checks: { invoice: 'Xero total 10.00, order 10.01' } }]);
    expect(await requestCounts(t.db, 'sr_l1')).toEqual({ found: 4, synced: 2, failed: 1, skipped: 1 });
  });

  it('never downgrades a synced order, and a retried page neither double counts nor unsyncs', async () => {
    await recordOrders(t.db, 'biz_l2', 'sr_l2', { synced: [synced('o1')] });
    // A later failure of the same order (a retry that lost the answer) leaves the ledger synced.
    await recordOrders(t.db, 'biz_l2', 'sr_l2', {
      failed: [{ orderId: 'o1', invoiceNumber: 'INV-o1', error: 'no answer' }],
    });
    expect((await ledgerRows(t.db, 'biz_l2', ['o1'])).get('o1')?.status).toBe('synced');
    await recordOrders(t.db, 'biz_l2', 'sr_l2', { synced: [synced('o1')] });
    // Re-walked, the order is "already in Xero": this request's result stays synced.
    await recordOrders(t.db, 'biz_l2', 'sr_l2', {
      outcomes: [{ orderId: 'o1', outcome: 'skipped', error: 'already in Xero' }],
    });
    expect(await requestCounts(t.db, 'sr_l2')).toEqual({ found: 1, synced: 1, failed: 0, skipped: 0 });
  });

  it('writes nothing for an empty page', async () => {
    await recordOrders(t.db, 'biz_l3', 'sr_l3', { synced: [], failed: [], outcomes: [] });
    expect(await requestCounts(t.db, 'sr_l3')).toEqual({ found: 0, synced: 0, failed: 0, skipped: 0 });
  });
});

describe('writers sharing ledger rows', () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createTestDatabase()));
  afterAll(async () => t?.drop());

  // Zero-padded, so the ids' text order is their number order and "backwards" is the reverse of the index's.
  const ids = Array.from({ length: 60 }, (_, i) => `o${String(i).padStart(3, '0')}`);

  it('never deadlock, whatever order each gives its orders in (payments done while refunds are claimed)', async () => {
    await recordOrders(t.db, 'biz_dl', 'sr_dl', {
      synced: ids.map((orderId) => ({
        orderId,
        invoiceNumber: `INV-${orderId}`,
        xeroInvoiceId: `xi-${orderId}`,
        xeroContactId: 'c1',
      })),
    });
    // PostgreSQL breaks a deadlock by failing one statement; find one in a twentieth of a second, not a second.
    await t.db.query(`ALTER DATABASE ${t.url.split('/').pop()} SET deadlock_timeout = '50ms'`);
    const backwards = [...ids].reverse();
    const who = { requestId: 'sr_dl', attempt: 'a1', foreignStaleMs: 60_000 };
    for (let round = 0; round < 15; round++) {
      // Each writer as the engine's are: one statement each, concurrently, on the same orders.
      const results = await Promise.allSettled([
        completeFollowUps(
          t.db,
          'biz_dl',
          'payments',
          backwards.map((orderId) => ({ orderId, ids: ['p1'] })),
        ),
        claimFollowUps(t.db, 'biz_dl', 'refund', ids, who),
        recordCreditNote(
          t.db,
          'biz_dl',
          backwards.map((orderId) => ({ orderId, creditNoteId: 'cn', allocation: false, refund: true })),
        ),
        recordMoneyChecks(
          t.db,
          'biz_dl',
          'payments',
          backwards.map((orderId) => ({ orderId, mismatch: 'x' })),
        ),
        claimFollowUps(t.db, 'biz_dl', 'payments', backwards, who),
      ]);
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      expect(failures).toEqual([]);
      await releaseFollowUps(t.db, 'biz_dl', 'refund', backwards);
    }
  });

  it('touch only the rows they write, however stale the planner’s statistics of the business', async () => {
    const BUSINESS_ROWS = 10_000;
    const many = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => {
        const orderId = `${prefix}${String(i).padStart(5, '0')}`;
        return {
          orderId,
          invoiceNumber: `INV-${orderId}`,
          xeroInvoiceId: `xi-${orderId}`,
          xeroContactId: 'c1',
        };
      });
    // The statistics say the business has no rows (analysed before its first sync): as on a first real sync.
    await recordOrders(t.db, 'biz_other', 'sr_other', { synced: many('x', 200) });
    await t.db.query('ANALYZE order_ledger');
    await recordOrders(t.db, 'biz_big', 'sr_big', { synced: many('b', BUSINESS_ROWS) });
    const batch = many('b', BUSINESS_ROWS)
      .slice(1000, 1050)
      .map((o) => o.orderId);
    const who = { requestId: 'sr_big', attempt: 'a1', foreignStaleMs: 60_000 };
    const fetched = await rowsFetchedBy(async (db) => {
      await claimFollowUps(db, 'biz_big', 'payments', batch, who);
      await completeFollowUps(
        db,
        'biz_big',
        'payments',
        batch.map((orderId) => ({ orderId, ids: ['p1'] })),
      );
      await recordCreditNote(
        db,
        'biz_big',
        batch.map((orderId) => ({ orderId, creditNoteId: 'cn', allocation: false, refund: false })),
      );
    });
    // Each statement reads its 50 rows a few times (lock, check, update): about 300 in all, with any plan forced
    // here (generic, custom, nested loops only). Once in CI (2026-12-07, the whole suite running) it read 2,340, cause
    // not found, below a scan of the business. A scan of the business reads its 10,000 rows at least once a
    // statement: 9,050 for 3,000 rows with the ledger of e095f1e, 30,050 here. The bound is the business's size.
    expect(fetched).toBeLessThan(BUSINESS_ROWS);
  });

  /** Ledger rows fetched through its primary key while `run` runs, in one transaction (then rolled back). */
  async function rowsFetchedBy(run: (db: Db) => Promise<void>): Promise<number> {
    const client = await t.db.connect();
    try {
      await client.query('BEGIN');
      await run(client as unknown as Db);
      const { rows } = await client.query<{ n: string }>(
        "SELECT pg_stat_get_xact_tuples_fetched('order_ledger_pkey'::regclass) AS n",
      );
      return Number(rows[0]!.n);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }
});

describe('the pool', () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createTestDatabase()));
  afterAll(async () => t?.drop());

  it('prepares each parameterised statement once per connection, and sends the others as they are', async () => {
    const db = createPool(t.url, 1); // one connection: the session whose prepared statements are listed
    try {
      for (const n of [1, 2, 3]) expect((await db.query('SELECT $1::int AS n', [n])).rows).toEqual([{ n }]);
      await db.query('SELECT 42 AS unprepared');
      const { rows } = await db.query<{ statement: string }>(
        'SELECT statement FROM pg_prepared_statements ORDER BY statement',
      );
      expect(rows.map((r) => r.statement)).toEqual(['SELECT $1::int AS n']);
    } finally {
      await db.end();
    }
  });
});
