/**
 * Keeps `npm start`'s children running: a child that exits (or fails to start) is started again after a
 * growing backoff, and each restart is logged. A child that fails `maxFailures` times in a row (a run shorter
 * than `stableMs` counts as a failure) is given up on, and the supervisor says so and lets the caller stop
 * everything: a restart loop that cannot succeed helps nobody.
 */

export interface Running {
  /** The process id, for the log (and for an operator who wants to look at it). */
  pid?: number;
  /** Settles when the child is gone, with how it ended ("exit code 1", "signal SIGKILL"). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface ChildSpec {
  name: string;
  start(): Promise<Running>;
}

export interface SupervisorOptions {
  log: (line: string) => void;
  /** Consecutive failures before giving up (default 5). */
  maxFailures?: number;
  /** Delay before the n-th restart in a row, in ms (the last one repeats). */
  backoffMs?: number[];
  /** A child that ran this long before exiting had recovered: its failure count starts again (default 60 s). */
  stableMs?: number;
  /** Called once when a child is given up on. */
  onGiveUp: (name: string, reason: string) => void;
}

interface Child {
  spec: ChildSpec;
  running?: Running;
  failures: number;
}

const DEFAULT_BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];

export class Supervisor {
  private readonly children: Child[] = [];
  private stopping = false;
  private readonly maxFailures: number;
  private readonly backoffMs: number[];
  private readonly stableMs: number;

  constructor(private readonly options: SupervisorOptions) {
    this.maxFailures = options.maxFailures ?? 5;
    this.backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
    this.stableMs = options.stableMs ?? 60_000;
  }

  /** Starts a child and watches it. The first start must succeed: its error is the caller's. */
  async add(spec: ChildSpec): Promise<Running> {
    const child: Child = { spec, failures: 0 };
    child.running = await spec.start();
    this.children.push(child);
    this.options.log(`${spec.name}: started${pidText(child.running)}`);
    this.watch(child, child.running, Date.now());
    return child.running;
  }

  /** Stops every child, newest first (the API and worker before the servers they use). */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const child of [...this.children].reverse()) {
      await child.running
        ?.stop()
        .catch((err: unknown) => this.options.log(`${child.spec.name}: stop failed: ${String(err)}`));
    }
  }

  private watch(child: Child, running: Running, startedAt: number): void {
    void running.exited.then((how) => {
      if (this.stopping || child.running !== running) return;
      if (Date.now() - startedAt >= this.stableMs) child.failures = 0;
      void this.restart(child, `exited unexpectedly (${how})`);
    });
  }

  private async restart(child: Child, reason: string): Promise<void> {
    const { name } = child.spec;
    child.running = undefined;
    child.failures += 1;
    if (child.failures > this.maxFailures) {
      this.options.log(
        `${name}: ${reason}; it failed ${this.maxFailures} times in a row, so it is not restarted again. Giving up.`,
      );
      this.options.onGiveUp(name, reason);
      return;
    }
    const delay = this.backoffMs[Math.min(child.failures - 1, this.backoffMs.length - 1)]!;
    this.options.log(
      `${name}: ${reason}; restarting in ${formatMs(delay)} (attempt ${child.failures} of ${this.maxFailures})`,
    );
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (this.stopping) return;
    try {
      const running = await child.spec.start();
      if (this.stopping) return void (await running.stop());
      child.running = running;
      this.options.log(`${name}: restarted${pidText(running)}`);
      this.watch(child, running, Date.now());
    } catch (err) {
      await this.restart(child, `could not be started (${err instanceof Error ? err.message : String(err)})`);
    }
  }
}

function pidText(running: Running): string {
  return running.pid ? ` (pid ${running.pid})` : '';
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
