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
    expect(computed).toBe(1);
    now += 251; // twice its time: too old to be given while the next is computed
    expect(await c.get('biz_a', 'sr_1', compute)).toBe('detail 2');
    expect(computed).toBe(2);
  });

  it('once its time is up, gives the last detail at once while one next computation runs, then that one', async () => {
    const c = cache();
    await c.get('biz_a', 'sr_1', async () => 'detail 1');
    let release: (v: string) => void = () => undefined;
    let computed = 0;
    const slow = () => {
      computed += 1;
      return new Promise<string>((resolve) => (release = resolve));
    };
    now += 300;
    // Each reader gets the last detail without waiting for the computation, which is started once.
    const reads = await Promise.all([1, 2, 3].map(() => c.get('biz_a', 'sr_1', slow)));
    expect(reads).toEqual(['detail 1', 'detail 1', 'detail 1']);
    expect(computed).toBe(1);
    release('detail 2');
    await new Promise((r) => setImmediate(r));
    expect(await c.get('biz_a', 'sr_1', slow)).toBe('detail 2');
    expect(computed).toBe(1);
  });

  it('keeps no next computation that a control action or a failure overtook', async () => {
    const c = cache();
    await c.get('biz_a', 'sr_1', async () => 'running');
    let release: (v: string) => void = () => undefined;
    now += 300;
    expect(await c.get('biz_a', 'sr_1', () => new Promise<string>((r) => (release = r)))).toBe('running');
    c.forget('sr_1'); // a pause through this process
    expect(await c.get('biz_a', 'sr_1', async () => 'pausing')).toBe('pausing');
    release('running, computed before the pause');
    await new Promise((r) => setImmediate(r));
    expect(await c.get('biz_a', 'sr_1', async () => 'not asked')).toBe('pausing');

    now += 300;
    expect(await c.get('biz_a', 'sr_1', () => Promise.reject(new Error('db down')))).toBe('pausing');
    await new Promise((r) => setImmediate(r));
    expect(await c.get('biz_a', 'sr_1', async () => 'paused')).toBe('paused');
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
