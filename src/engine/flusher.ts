import type { FollowUp } from './work-queue';
import { WRITE_BATCH } from './packing';

// Full follow-up batches allowed to wait, per writer, before the walk waits for them (each page adds about one).
const LAG_PER_WRITER = 2;

/** What the flusher works on: the step's follow-up queue (src/engine/follow-ups.ts flushFullBatch). */
export interface FlushWork {
  /** Writers at once: the organisation's concurrency. */
  writers: number;
  /** Elements waiting, per kind, as the step's queue keeps count (no statement). */
  waiting(): Promise<Record<FollowUp, number>>;
  /** Writes one full batch; whether one was written or settled. */
  writeOne(): Promise<boolean>;
}

/**
 * Writes full follow-up batches beside the orders walk's pages: up to `writers` at once, each writing one batch at
 * a time while any is full (the ledger's claims keep them on different orders; the limiter keeps the calls within
 * its limits). The walk waits for them when they fall behind (`keepUp`), so a batch is written when full, as the
 * design says, and the queue stays short. Left to run beside the walk unchecked, they fell behind the pages when the
 * worker was CPU-bound (issue 24: 170 payment batches written after the last invoice, at one writer's pace). The
 * first failure is kept for `drain`.
 */
export class Flusher {
  private running = 0;
  private wanted = false;
  private failure: { error: unknown } | null = null;
  private readonly idle: Array<() => void> = [];
  private readonly progress: Array<() => void> = [];

  constructor(private readonly work: FlushWork) {}

  /** Work was listed: a writer starts if there is room (the running ones look again after each batch). */
  kick(): void {
    this.wanted = true;
    if (this.running < this.work.writers && !this.failure) void this.loop();
  }

  /** Every writer there is room for (those with nothing to write stop at once, without a statement). */
  kickAll(): void {
    while (this.running < this.work.writers && !this.failure) this.kick();
  }

  /**
   * Waits while more full batches wait than the writers keep up with, for as long as they are writing: writers
   * that stop with work still counted (claims another request holds) let the walk go on.
   */
  async keepUp(): Promise<void> {
    if (!(await this.behind())) return;
    this.kickAll();
    while (!this.failure) {
      const behind = await this.behind();
      // Asked after the read, with nothing awaited before the wait: a writer's end always wakes it.
      if (!behind || this.running === 0) return;
      await new Promise<void>((resolve) => this.progress.push(resolve));
    }
  }

  /** Waits until no writer runs. */
  async settled(): Promise<void> {
    while (this.running > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** Waits until no writer runs; rethrows the first failure. */
  async drain(): Promise<void> {
    await this.settled();
    if (this.failure) throw this.failure.error;
  }

  private async behind(): Promise<boolean> {
    const waiting = await this.work.waiting();
    const most = LAG_PER_WRITER * this.work.writers * WRITE_BATCH;
    return waiting.payments + waiting.refund >= most || waiting.credit_note >= most;
  }

  private async loop(): Promise<void> {
    this.running += 1;
    try {
      for (;;) {
        this.wanted = false;
        const wrote = await this.work.writeOne();
        this.woken(this.progress);
        if ((!wrote && !this.wanted) || this.failure) break;
      }
    } catch (error) {
      this.failure ??= { error };
    } finally {
      this.running -= 1;
      this.woken(this.progress);
      if (this.running === 0) this.woken(this.idle);
    }
  }

  private woken(waiters: Array<() => void>): void {
    waiters.splice(0).forEach((resolve) => resolve());
  }
}
