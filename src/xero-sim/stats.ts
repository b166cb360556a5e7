import type { SimClock } from './clock';
import type { IdentityStore } from './identity-store';
import type { TenantState, TenantStats } from './state';

export interface TenantStatsView {
  tenantId: string;
  name: string;
  calls: { total: number; byEndpoint: Record<string, number>; byStatus: Record<string, number> };
  rateLimited: { total: number; byProblem: Record<string, number> };
  peakPerMinute: number;
  peakInFlight: number;
  /** Bytes of response bodies sent to clients (Xero bills data egress past a tier's allotment). */
  bytesSent: number;
  /** GET /Contacts refused with HighVolumeException (a large organisation, a filter Xero deems inefficient). */
  highVolumeRefusals: number;
  stored: { invoices: number; payments: number; contacts: number; creditNotes: number; allocations: number };
  /** Should always be empty: a correct client never creates two invoices for one order. */
  duplicateInvoiceNumbers: string[];
  duplicateReferences: string[];
}

export interface SimStats {
  simulatedNow: string;
  timeScale: number;
  tenants: Record<string, TenantStatsView>;
  /** Token endpoint answers by grant type and status (e.g. `"refresh_token 200": 1`), and revocations. */
  identity: { tokenRequests: Record<string, number>; revocations: number };
}

/** Groups by key and returns the keys seen more than once. Scans the records, not the indexes, to catch index bugs. */
function duplicates(values: Iterable<string | undefined>): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const value of values) {
    if (!value) continue;
    if (seen.has(value)) twice.add(value);
    seen.add(value);
  }
  return [...twice];
}

function sum(record: Record<string, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}

export function tenantStats(tenant: TenantState): TenantStatsView {
  const s: TenantStats = tenant.stats;
  const live = [...tenant.invoices.values()].filter((i) => i.Status !== 'DELETED' && i.Status !== 'VOIDED');
  return {
    tenantId: tenant.tenantId,
    name: tenant.name,
    calls: { total: sum(s.byStatus), byEndpoint: { ...s.byEndpoint }, byStatus: { ...s.byStatus } },
    rateLimited: { total: sum(s.rateLimited), byProblem: { ...s.rateLimited } },
    peakPerMinute: s.peakPerMinute,
    peakInFlight: s.peakInFlight,
    bytesSent: s.bytesSent,
    highVolumeRefusals: s.highVolumeRefusals,
    stored: {
      invoices: tenant.invoices.size,
      payments: tenant.payments.size,
      contacts: tenant.contacts.size,
      creditNotes: tenant.creditNotes.size,
      allocations: tenant.allocations.size,
    },
    duplicateInvoiceNumbers: duplicates(live.filter((i) => i.Type === 'ACCREC').map((i) => i.InvoiceNumber)),
    duplicateReferences: duplicates(live.map((i) => i.Reference)),
  };
}

/** What the stats read of the simulator (its tenants, clock and identity), not the simulator itself. */
export interface StatsSource {
  tenants: ReadonlyMap<string, TenantState>;
  clock: Pick<SimClock, 'now' | 'timeScale'>;
  identity: Pick<IdentityStore, 'stats'>;
}

export function collectStats(sim: StatsSource): SimStats {
  const tenants: Record<string, TenantStatsView> = {};
  for (const tenant of sim.tenants.values()) tenants[tenant.tenantId] = tenantStats(tenant);
  return {
    simulatedNow: new Date(sim.clock.now()).toISOString(),
    timeScale: sim.clock.timeScale,
    tenants,
    identity: {
      tokenRequests: { ...sim.identity.stats.tokenRequests },
      revocations: sim.identity.stats.revocations,
    },
  };
}

export function recordCall(tenant: TenantState, endpoint: string, status: string): void {
  const s = tenant.stats;
  s.byEndpoint[endpoint] = (s.byEndpoint[endpoint] ?? 0) + 1;
  s.byStatus[status] = (s.byStatus[status] ?? 0) + 1;
}
