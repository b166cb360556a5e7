import { WorkQueue } from '../../src/engine/work-queue';
import type { Db } from '../../src/db/pool';
import type { WorkItem } from '../../src/engine/work-queue';
import { createTestDatabase } from '../support/harness';
import type { TestDatabase } from '../support/harness';

const item = (orderId: string, elements = 1): WorkItem => ({
  kind: 'payments',
  orderId,
  placedAt: '2025-01-01T00:00:00Z',
  elements,
});

describe("a step's view of the follow-up queue", () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createTestDatabase()));
  afterAll(async () => t?.drop());

  it('keeps its counts from its own adds and removes, and asks the table when told to', async () => {
    const mine = new WorkQueue(t.db, 'sr_wq_1');
    await mine.add([item('o1'), item('o2', 2)]);
    expect((await mine.waiting()).payments).toBe(3);
    await mine.add([item('o2', 2), item('o3')]); // o2 is listed already: only o3 is new
    await mine.remove([item('o1')]);
    expect((await mine.waiting()).payments).toBe(3);
    // Another writer of the request (a step of another attempt) empties the queue: the kept counts cannot know.
    await new WorkQueue(t.db, 'sr_wq_1').remove([item('o2'), item('o3')]);
    expect((await mine.waiting()).payments).toBe(3);
    expect((await mine.waiting(true)).payments).toBe(0);
  });

  it('reads its first counts once however many writers ask at the same time', async () => {
    const seed = new WorkQueue(t.db, 'sr_wq_2');
    await seed.add([item('a'), item('b'), item('c')]);
    const q = new WorkQueue(t.db, 'sr_wq_2');
    const [first, second] = await Promise.all([q.waiting(), q.waiting()]);
    await q.remove([item('a')]);
    expect([first.payments, second.payments, (await q.waiting()).payments]).toEqual([3, 3, 2]);
    expect((await q.waiting(true)).payments).toBe(2);
  });
});

describe('peeking at a long queue (issue 24: the payments fell thousands behind the invoices)', () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createTestDatabase()));
  afterAll(async () => t?.drop());

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Actual Rows': number;
    'Actual Loops': number;
    Plans?: PlanNode[];
  }
  const rowsRead = (node: PlanNode): number =>
    (node['Relation Name'] === 'sync_work' ? node['Actual Rows'] * node['Actual Loops'] : 0) +
    (node.Plans ?? []).reduce((n, p) => n + rowsRead(p), 0);

  it('reads about the rows it answers, not the whole queue, and answers them oldest first', async () => {
    // A year's tail: 8,000 payments and 400 refunds waiting, placed a minute apart, and another request's queue.
    await t.db.query(
      `INSERT INTO sync_work (request_id, kind, order_id, placed_at, elements)
       SELECT r, k, 'o' || lpad(n::text, 5, '0'), timestamptz '2024-01-01' + n * interval '1 minute', 1
       FROM (VALUES ('sr_long', 'payments', 8000), ('sr_long', 'refund', 400), ('sr_other', 'payments', 3000))
         AS q(r, k, size), generate_series(1, q.size) AS n`,
    );
    await t.db.query('ANALYZE sync_work');
    const seen: Array<{ text: string; values: unknown[] }> = [];
    const recording = new Proxy(t.db, {
      get: (target, key) =>
        key === 'query'
          ? (text: string, values: unknown[]) => {
              seen.push({ text, values });
              return target.query(text, values);
            }
          : Reflect.get(target, key, target),
    }) as Db;
    const peeked = await new WorkQueue(recording, 'sr_long').peek(['payments', 'refund'], 150);
    // Order o00001 has a payment and a refund: payments first; then by when placed.
    expect(peeked.slice(0, 3).map((i) => `${i.kind} ${i.orderId}`)).toEqual([
      'payments o00001',
      'refund o00001',
      'payments o00002',
    ]);
    expect(peeked).toHaveLength(150);
    const { text, values } = seen[0]!;
    const { rows } = await t.db.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${text}`,
      values,
    );
    // At most the limit per kind; the whole queue (8,400 rows) was read and sorted at each peek before.
    expect(rowsRead(rows[0]!['QUERY PLAN'][0]!.Plan)).toBeLessThanOrEqual(2 * 150);
  });
});
