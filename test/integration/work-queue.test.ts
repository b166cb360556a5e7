import { WorkQueue } from '../../src/engine/work-queue';
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
