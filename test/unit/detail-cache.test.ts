import { DetailCache } from '../../src/requests/detail-cache';

describe('the request detail cache', () => {
  let now = 0;
  const cache = () => new DetailCache<string>(250, () => now);
  beforeEach(() => (now = 1_000));

  it('shares one computation between the readers of one request within its time, then computes again', async () => {
    const c = cache();
    let computed = 0;
    const compute = async () => `detail ${++computed}`;
    const reads = await Promise.all([1, 2, 3].map(() => c.get('biz_a', 'sr_1', compute)));
    expect(reads).toEqual(['detail 1', 'detail 1', 'detail 1']);
    now += 249;
    expect(await c.get('biz_a', 'sr_1', compute)).toBe('detail 1');
    now += 1;
    expect(await c.get('biz_a', 'sr_1', compute)).toBe('detail 2');
    expect(computed).toBe(2);
  });

  it("never gives one business another's entry", async () => {
    const c = cache();
    await c.get('biz_a', 'sr_1', async () => 'of a');
    await expect(
      c.get('biz_b', 'sr_1', async () => {
        throw new Error('404 for b');
      }),
    ).rejects.toThrow('404 for b');
  });

  it('keeps no failure: the next read computes again', async () => {
    const c = cache();
    await expect(c.get('biz_a', 'sr_1', () => Promise.reject(new Error('db down')))).rejects.toThrow();
    expect(await c.get('biz_a', 'sr_1', async () => 'fresh')).toBe('fresh');
  });

  it('forgets a request at once (a control action reads its own write)', async () => {
    const c = cache();
    await c.get('biz_a', 'sr_1', async () => 'running');
    c.forget('sr_1');
    expect(await c.get('biz_a', 'sr_1', async () => 'pausing')).toBe('pausing');
  });

  it('computes every read when its time is 0', async () => {
    const c = new DetailCache<number>(0, () => now);
    let n = 0;
    await c.get('biz_a', 'sr_1', async () => ++n);
    await c.get('biz_a', 'sr_1', async () => ++n);
    expect(n).toBe(2);
  });
});
