import { seededRandom } from '../random';

/** Fault injection: each rule applies to one tenant or all, to every call or to writes only. Rates are 0..1. */
export interface FaultRule {
  tenantId?: string;
  writesOnly?: boolean;
  /** Share of calls answered with `errorStatus` (default 500) before any work is done. */
  errorRate?: number;
  errorStatus?: number;
  /** Real milliseconds added before the call is handled. */
  latencyMs?: number;
  /** Share of calls whose write is saved but whose connection is then reset instead of answered. */
  dropAfterCommitRate?: number;
  /** Share of calls answered with a 429 (X-Rate-Limit-Problem: minute) although no limit is reached. */
  rateLimitStormRate?: number;
  /** Retry-After of a storm 429, in real seconds (default 1). */
  stormRetryAfterSeconds?: number;
  /**
   * The rule applies to the identity token endpoint (POST /connect/token) instead of the Accounting API:
   * `latencyMs`, `errorRate`/`errorStatus`, and `dropAfterCommitRate` (a refresh rotates the token, then the
   * connection is reset, so the client never learns the new pair).
   */
  tokenEndpoint?: boolean;
}

export interface FaultDecision {
  latencyMs: number;
  errorStatus?: number;
  storm?: { retryAfterSeconds: number };
  dropAfterCommit: boolean;
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private random: () => number;

  constructor(rules: FaultRule[], seed: number) {
    this.random = seededRandom(seed);
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r }));
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  decide(tenantId: string, isWrite: boolean): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, dropAfterCommit: false };
    for (const rule of this.rules) {
      if (rule.tokenEndpoint) continue;
      if (rule.tenantId && rule.tenantId !== tenantId) continue;
      if (rule.writesOnly && !isWrite) continue;
      decision.latencyMs += rule.latencyMs ?? 0;
      if (!decision.storm && this.hit(rule.rateLimitStormRate)) {
        decision.storm = { retryAfterSeconds: rule.stormRetryAfterSeconds ?? 1 };
      }
      if (decision.errorStatus === undefined && this.hit(rule.errorRate))
        decision.errorStatus = rule.errorStatus ?? 500;
      if (this.hit(rule.dropAfterCommitRate)) decision.dropAfterCommit = true;
    }
    return decision;
  }

  /** Faults of the token endpoint (rules with `tokenEndpoint`). */
  decideToken(): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, dropAfterCommit: false };
    for (const rule of this.rules) {
      if (!rule.tokenEndpoint) continue;
      decision.latencyMs += rule.latencyMs ?? 0;
      if (decision.errorStatus === undefined && this.hit(rule.errorRate))
        decision.errorStatus = rule.errorStatus ?? 500;
      if (this.hit(rule.dropAfterCommitRate)) decision.dropAfterCommit = true;
    }
    return decision;
  }

  private hit(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.random() < rate;
  }
}
