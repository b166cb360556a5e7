/**
 * A request's detail, computed at most once per `ttlMs` in one API process and shared by every reader of that
 * request's business: 50 clients polling one request cost the database one detail a quarter second, not 200 a
 * second, so progress reads stay fast while the sync has the database busy. Concurrent misses share one
 * computation; a failure is never kept. A control action forgets the entry, so its caller reads its own write.
 */
export class DetailCache<T> {
  private readonly entries = new Map<string, { businessId: string; at: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs = 250,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get(businessId: string, id: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(id);
    // Only the business that read it: another business's caller computes its own (and gets its own 404).
    if (hit && hit.businessId === businessId && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = compute();
    const entry = { businessId, at: this.now(), value };
    this.entries.set(id, entry);
    value.catch(() => this.entries.get(id) === entry && this.entries.delete(id));
    this.sweep();
    return value;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  /** Drops expired entries now and then, so requests nobody reads any more do not stay in memory. */
  private sweep(): void {
    if (this.entries.size < 1000) return;
    const now = this.now();
    for (const [id, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(id);
  }
}
