import type { ApiResult } from './errors';

interface Entry {
  fingerprint: string;
  createdMs: number;
  result: Promise<ApiResult | null>;
}

export type IdempotencyOutcome =
  | { kind: 'first'; settle: (result: ApiResult | null) => void }
  | { kind: 'replay'; result: Promise<ApiResult | null> }
  | { kind: 'conflict' };

/**
 * Idempotency-Key store (xero-facts.md, "Idempotency and duplicates"): same key and same request replays the first
 * response, a different request with the key is refused, and a concurrent repeat waits for the first to finish.
 * Keys live for a window of simulated time; Map insertion order lets expiry sweep from the oldest end.
 */
export class IdempotencyStore {
  private entries = new Map<string, Entry>();

  constructor(private readonly windowMs: number) {}

  begin(scope: string, fingerprint: string, nowMs: number): IdempotencyOutcome {
    this.expire(nowMs);
    const existing = this.entries.get(scope);
    if (existing) {
      return existing.fingerprint === fingerprint
        ? { kind: 'replay', result: existing.result }
        : { kind: 'conflict' };
    }
    let settle: (result: ApiResult | null) => void = () => undefined;
    const result = new Promise<ApiResult | null>((resolve) => (settle = resolve));
    this.entries.set(scope, { fingerprint, createdMs: nowMs, result });
    // A first attempt that produced nothing to replay (null) frees the key, so a retry runs for real.
    const done = (value: ApiResult | null): void => {
      if (value === null) this.entries.delete(scope);
      settle(value);
    };
    return { kind: 'first', settle: done };
  }

  clear(): void {
    this.entries.clear();
  }

  private expire(nowMs: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.createdMs > nowMs - this.windowMs) break;
      this.entries.delete(key);
    }
  }
}
