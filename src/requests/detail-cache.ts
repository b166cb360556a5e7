/**
 * A request's detail, computed at most once per `ttlMs` in one API process and shared by every reader of that
 * request's business: 50 clients polling one request cost the database one detail a quarter second, not 200 a
 * second, so progress reads stay fast while the sync has the database busy. Concurrent misses share one
 * computation; a failure is never kept. A control action forgets the entry, so its caller reads its own write.
 *
 * Once its time is up, an entry is still given for as long again while its next computation runs (stale while
 * revalidating): with pollers, a reader never waits for the detail's nine statements on a busy machine, which was
 * P5's slowest hundredth of reads (issue 24). A read is then at most twice `ttlMs` plus one computation older than
 * the newest record, and its `asOf` says how old; an entry older than that, or forgotten, is waited for.
 */
interface Entry<T> {
  businessId: string;
  /** When its computation started. */
  at: number;
  value: Promise<T>;
  /** The value, once computed: what a reader is given while the next computation runs. */
  settled?: { value: T };
  refreshing?: boolean;
}

export class DetailCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly ttlMs = 250,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get(businessId: string, id: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(id);
    // Only the business that read it: another business's caller computes its own (and gets its own 404).
    if (hit && hit.businessId === businessId) {
      const age = this.now() - hit.at;
      if (age < this.ttlMs) return hit.value;
      if (hit.settled && age < 2 * this.ttlMs) {
        if (!hit.refreshing) this.refresh(hit, id, compute);
        return Promise.resolve(hit.settled.value);
      }
    }
    return this.start(businessId, id, compute).value;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  private start(businessId: string, id: string, compute: () => Promise<T>): Entry<T> {
    const entry: Entry<T> = { businessId, at: this.now(), value: compute() };
    this.entries.set(id, entry);
    entry.value.then(
      (value) => (entry.settled = { value }),
      () => this.entries.get(id) === entry && this.entries.delete(id),
    );
    this.sweep();
    return entry;
  }

  /** The next computation behind a stale entry; it replaces the entry only once it has an answer. */
  private refresh(stale: Entry<T>, id: string, compute: () => Promise<T>): void {
    stale.refreshing = true;
    const at = this.now();
    compute().then(
      (value) => {
        // A control action forgot the entry meanwhile (or a newer one replaced it): this answer is not kept.
        if (this.entries.get(id) !== stale) return;
        this.entries.set(id, {
          businessId: stale.businessId,
          at,
          value: Promise.resolve(value),
          settled: { value },
        });
      },
      // A failure is never kept: the stale entry goes, and the next reader computes (and gets the error).
      () => this.entries.get(id) === stale && this.entries.delete(id),
    );
  }

  /** Drops expired entries now and then, so requests nobody reads any more do not stay in memory. */
  private sweep(): void {
    if (this.entries.size < 1000) return;
    const now = this.now();
    for (const [id, e] of this.entries) if (now - e.at >= 2 * this.ttlMs) this.entries.delete(id);
  }
}
