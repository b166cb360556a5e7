import type { Db } from '../../src/db/pool';
import { describeRequest } from '../../src/requests/history';
import { requestOutcomes } from '../../src/requests/retry-outcomes';
import { insertRequest } from '../../src/requests/store';
import { retryRequestId } from '../../src/requests/submit';
import { limiterOptions } from '../../src/runtime';
import { TenantLimiter } from '../../src/xero/limiter';
import { upsertBusiness } from '../support/businesses';
import { createTestDatabase, testConfig } from '../support/harness';
import type { TestDatabase } from '../support/harness';
import { syncInput } from '../support/requests';

/**
 * What a progress read and a page of the sync cost PostgreSQL, counted (never timed): bench P5's 50 clients read a
 * request's detail while it syncs, so a read's statements must not grow with the database, and the engine's
 * statements per page must find their rows by primary key (docs/performance.md, "P5 and P2 after issue 24").
 */
describe('read costs', () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createTestDatabase()));
  afterAll(async () => t?.drop());

  const input = (requestId: string, retryOf?: string) =>
    syncInput({ requestId, businessId: 'biz_costs', ...(retryOf ? { retryOf } : {}) });

  const results = (db: Db, requestId: string, rows: Array<[string, string, string | null]>) =>
    db.query(
      `INSERT INTO sync_request_orders (request_id, order_id, outcome, error)
       SELECT $1, o, oc, e FROM unnest($2::text[], $3::text[], $4::text[]) AS t(o, oc, e)`,
      [requestId, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
    );

  beforeAll(async () => {
    await upsertBusiness(t.db, {
      id: 'biz_costs',
      name: 'Costs',
      timeZone: 'Asia/Singapore',
      xeroTenantId: 'tenant-costs',
      settings: {},
    });
  });

  it('the history search indexes lead with the searched text, never with the business the engine names', async () => {
    // An index led by business_id matches every engine statement `business_id = $1 AND order_id = ANY($2)`: the
    // planner took it for the ledger's per-page statements and read the business's whole ledger each time.
    const { rows } = await t.db.query<{ table: string; index: string; first: string }>(
      `SELECT c.relname AS table, i.relname AS index,
              pg_get_indexdef(x.indexrelid, 1, true) AS first
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
       WHERE c.relname IN ('order_ledger', 'orders')`,
    );
    const search = rows.filter((r) => /_by_(invoice_)?number$/.test(r.index));
    expect(search.map((r) => [r.index, r.first]).sort()).toEqual([
      ['order_ledger_by_invoice_number', 'lower(invoice_number)'],
      ['orders_by_number', 'lower(number)'],
    ]);
  });

  it("a request's outcomes: orders already in Xero, and what its retry fixed (the retry's synced count)", async () => {
    await insertRequest(t.db, { input: input('sr_costs_a'), contactName: null }, null);
    const retry = retryRequestId('sr_costs_a');
    await insertRequest(t.db, { input: input(retry, 'sr_costs_a'), contactName: null }, null);
    await insertRequest(t.db, { input: input('sr_costs_b'), contactName: null }, null);
    await results(t.db, 'sr_costs_a', [
      ['o1', 'skipped', 'already in Xero as INV-1 (synced by sr_x)'],
      ['o2', 'skipped', 'voided orders are not pushed'],
      ['o3', 'failed', 'Account code 999 is not valid'],
      ['o4', 'skipped', 'already in Xero as INV-4 (synced by sr_x)'],
    ]);
    await results(t.db, retry, [
      ['o3', 'synced', null],
      ['o5', 'failed', 'still wrong'],
      ['o6', 'failed', 'still wrong'],
      ['o7', 'skipped', 'already in Xero as INV-7 (synced by sr_x)'],
    ]);
    const outcomes = await requestOutcomes(t.db, ['sr_costs_a', 'sr_costs_b', retry]);
    expect(outcomes.get('sr_costs_a')).toEqual({
      alreadyInXero: 2,
      retriedBy: { id: retry, state: 'queued', fixed: 1 },
    });
    expect(outcomes.get('sr_costs_b')).toEqual({ alreadyInXero: 0, retriedBy: null });
    expect(outcomes.get(retry)).toEqual({ alreadyInXero: 1, retriedBy: null });
  });

  it("a request's detail costs the same few statements however many results it has", async () => {
    await insertRequest(t.db, { input: input('sr_costs_big'), contactName: null }, null);
    await t.db.query("UPDATE sync_requests SET state = 'running' WHERE id = 'sr_costs_big'");
    await t.db.query(
      `INSERT INTO sync_request_orders (request_id, order_id, outcome)
       SELECT 'sr_costs_big', 'o' || n, 'synced' FROM generate_series(1, 5000) AS n`,
    );
    await t.db.query(
      "UPDATE sync_request_progress SET planned_calls = 400 WHERE request_id = 'sr_costs_big'",
    );
    const statements: string[] = [];
    const counting = new Proxy(t.db, {
      get: (target, key) =>
        key === 'query'
          ? (text: string, ...rest: unknown[]) => {
              statements.push(text);
              return (target.query as (...a: unknown[]) => unknown).call(target, text, ...rest);
            }
          : Reflect.get(target, key, target),
    }) as Db;
    const cfg = testConfig();
    const limiter = new TenantLimiter(counting, limiterOptions(cfg));
    const deps = { db: counting, cfg, limiter, temporal: undefined as never };
    const detail = await describeRequest(deps, 'biz_costs', 'sr_costs_big');
    expect(detail.counts.synced).toBe(5000);
    expect(detail.etaSeconds).not.toBeNull();
    // The request, its progress, the business, its changes and their kinds, its outcomes, its undo (issue 27); the
    // organisation's open requests and daily quota for the ETA. However many outcomes: none is read per order.
    expect(statements.length).toBeLessThanOrEqual(9);
  });
});
