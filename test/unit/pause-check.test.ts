import { pauseCheck } from '../../src/engine/step';

/** A step's pause flag: how many statements of its own it reads, and that a pause is never missed. */
describe('pauseCheck', () => {
  function setup() {
    const state = { flag: false, reads: 0, now: 0 };
    const check = pauseCheck(
      async () => {
        state.reads += 1;
        return state.flag;
      },
      () => state.now,
    );
    return { state, check };
  }

  it("answers a call from the limiter's read without a statement of its own", async () => {
    const { state, check } = setup();
    for (let i = 0; i < 10; i += 1) expect(await check.beforeCall(false)).toBe(false);
    expect(state.reads).toBe(0);
    expect(await check.beforeCall(true)).toBe(true);
    expect(state.reads).toBe(0);
  });

  it('reads afresh for a call with no read from the limiter (it waited for its start, or had no request)', async () => {
    const { state, check } = setup();
    expect(await check.beforeCall(undefined)).toBe(false);
    state.flag = true;
    expect(await check.beforeCall(undefined)).toBe(true);
    expect(state.reads).toBe(2);
  });

  it('a page reuses a read younger than 250 ms, and reads again after', async () => {
    const { state, check } = setup();
    await check.beforeCall(false);
    state.now = 200;
    state.flag = true;
    expect(await check.beforePage()).toBe(false);
    expect(state.reads).toBe(0);
    state.now = 250;
    expect(await check.beforePage()).toBe(true);
    expect(state.reads).toBe(1);
  });

  it('keeps a pause once seen, whatever a later read says', async () => {
    const { state, check } = setup();
    expect(await check.beforeCall(true)).toBe(true);
    state.now = 10_000;
    expect(await check.beforeCall(false)).toBe(true);
    expect(await check.beforePage()).toBe(true);
    expect(state.reads).toBe(0);
  });
});
