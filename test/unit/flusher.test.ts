import { Flusher } from '../../src/engine/flusher';
import type { FlushWork } from '../../src/engine/flusher';
import type { FollowUp } from '../../src/engine/work-queue';

/**
 * A queue of payments written 50 at a time by writers that take `ms` a batch; `writable` false: every item is held
 * by another request's claim (the writers find nothing they may write).
 */
function queue(payments: number, opts: { writers: number; ms: number; writable?: boolean }) {
  const state = { payments, inFlight: 0, mostInFlight: 0, writes: 0 };
  const work: FlushWork = {
    writers: opts.writers,
    waiting: async (): Promise<Record<FollowUp, number>> => ({
      payments: state.payments,
      refund: 0,
      credit_note: 0,
      allocation: 0,
    }),
    writeOne: async () => {
      state.writes += 1;
      if (opts.writable === false || state.payments - 50 * state.inFlight < 50) return false;
      state.inFlight += 1;
      state.mostInFlight = Math.max(state.mostInFlight, state.inFlight);
      await new Promise((resolve) => setTimeout(resolve, opts.ms));
      state.inFlight -= 1;
      state.payments -= 50;
      return true;
    },
  };
  return { state, flusher: new Flusher(work) };
}

describe('the follow-up flusher beside the orders walk', () => {
  it('holds the walk while the payments wait beyond two batches a writer, writing at every writer', async () => {
    // 40 batches behind (the year's tail of issue 24), four writers.
    const { state, flusher } = queue(2000, { writers: 4, ms: 5 });
    await flusher.keepUp();
    expect(state.payments).toBeLessThan(2 * 4 * 50);
    expect(state.mostInFlight).toBe(4);
    await flusher.drain();
  });

  it('lets the walk go on at once when the queue is short', async () => {
    const { state, flusher } = queue(350, { writers: 4, ms: 5 });
    await flusher.keepUp();
    expect(state.writes).toBe(0);
    expect(state.payments).toBe(350);
  });

  it('lets the walk go on when the writers can write nothing (claims another request holds)', async () => {
    const { state, flusher } = queue(2000, { writers: 4, ms: 5, writable: false });
    await flusher.keepUp();
    expect(state.payments).toBe(2000);
    expect(state.writes).toBe(4);
    await flusher.drain();
  });

  it('writes every full batch at every writer once kicked, and keeps the first failure for drain', async () => {
    const { state, flusher } = queue(420, { writers: 3, ms: 5 });
    flusher.kickAll();
    await flusher.drain();
    expect(state.payments).toBe(20);
    expect(state.mostInFlight).toBe(3);

    const failing = new Flusher({
      writers: 2,
      waiting: async () => ({ payments: 100, refund: 0, credit_note: 0, allocation: 0 }),
      writeOne: async () => {
        throw new Error('Xero said no');
      },
    });
    failing.kick();
    await expect(failing.drain()).rejects.toThrow('Xero said no');
  });
});
