import { randomUUID } from 'node:crypto';
import { SimClock } from './clock';
import { FaultInjector, type FaultRule } from './faults';
import type { HighVolumeRule } from './high-volume';
import { IdempotencyStore } from './idempotency';
import { IdentityStore, type Client, type TokenResponse } from './identity-store';
import { SlidingWindow, TenantLimiter, type LimitConfig } from './limits';
import type { ClientSpec, OrganisationSpec, TenantSpec, XeroSimOptions } from './options';
import { updateOrganisation } from './organisation';
import type { OrganisationSettings } from './organisation';
import { ALL_SCOPES } from './scopes';
import { TenantState } from './state';
import { collectStats, type SimStats } from './stats';
import { renderCreditNoteForInspection, renderInvoiceForInspection } from './render';
import { addTrackingCategory, setTrackingStatus } from './tracking-model';
import type { SimTrackingCategory, TrackingCategorySpec, TrackingStatus } from './tracking-model';

/** The whole simulated Xero: tenants and their books, identity, limits, faults and idempotency keys. */
export class XeroSim {
  readonly clock: SimClock;
  readonly identity: IdentityStore;
  readonly faults: FaultInjector;
  idempotency: IdempotencyStore;
  readonly tenants = new Map<string, TenantState>();
  private limiters = new Map<string, TenantLimiter>();
  private appWindows = new Map<string, SlidingWindow>();
  private timers = new Set<NodeJS.Timeout>();

  constructor(readonly options: XeroSimOptions) {
    this.clock = new SimClock(options.timeScale);
    this.identity = new IdentityStore({
      accessMs: options.accessTokenSeconds * 1000,
      refreshMs: options.refreshTokenSeconds * 1000,
      graceMs: options.refreshGraceSeconds * 1000,
    });
    this.faults = new FaultInjector(options.faults, options.seed);
    this.idempotency = new IdempotencyStore(options.idempotencyWindowSeconds * 1000);
    for (const spec of options.tenants) this.createTenant(spec);
    for (const spec of options.clients) this.createClient(spec);
  }

  get limitConfig(): LimitConfig {
    return {
      minuteWindowMs: this.options.minuteWindowSeconds * 1000,
      dayWindowMs: this.options.dayWindowSeconds * 1000,
      appPerMinute: this.options.limits.appPerMinute,
    };
  }

  /** A tenant's "now": the simulated clock plus that tenant's own offset. */
  tenantNow(tenant: TenantState): number {
    return this.clock.now() + tenant.clockOffsetMs;
  }

  createTenant(spec: TenantSpec = {}): TenantState {
    const { thresholdContacts: _threshold, ...rule } = this.options.highVolume;
    const tenant = TenantState.fromSpec(spec, this.options.limits, this.clock.now(), rule);
    this.tenants.set(tenant.tenantId, tenant);
    this.limiters.set(tenant.tenantId, new TenantLimiter(tenant));
    return tenant;
  }

  /** Changes a tenant's own settings (currencies, plan, lock dates); answers them, or undefined for no such tenant. */
  setOrganisation(tenantId: string, spec: OrganisationSpec): OrganisationSettings | undefined {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return undefined;
    tenant.organisation = updateOrganisation(tenant.organisation, spec);
    return tenant.organisation;
  }

  /** Adds a tracking category (and its options) to a tenant: the category, or why Xero would refuse it. */
  addTrackingCategory(tenantId: string, spec: TrackingCategorySpec): SimTrackingCategory | string {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return `unknown tenant ${tenantId}`;
    return addTrackingCategory(tenant.trackingCategories, spec);
  }

  /** Archives or restores a tenant's tracking category or option by id: null, or why it is refused. */
  setTrackingStatus(tenantId: string, id: string, status: TrackingStatus): string | null {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return `unknown tenant ${tenantId}`;
    return setTrackingStatus(tenant.trackingCategories, id, status);
  }

  /** The high-volume rule that applies to a tenant now: marked large, or holding more contacts than the threshold. */
  highVolumeRule(tenant: TenantState): HighVolumeRule | null {
    if (tenant.highVolume) return tenant.highVolume;
    const { thresholdContacts, ...rule } = this.options.highVolume;
    return tenant.contacts.size > thresholdContacts ? rule : null;
  }

  createClient(spec: ClientSpec): Client {
    return this.identity.addClient(spec, this.clock.now());
  }

  limiter(tenant: TenantState): TenantLimiter {
    const existing = this.limiters.get(tenant.tenantId);
    if (existing) return existing;
    const created = new TenantLimiter(tenant);
    this.limiters.set(tenant.tenantId, created);
    return created;
  }

  appWindow(clientId: string): SlidingWindow {
    let window = this.appWindows.get(clientId);
    if (!window) this.appWindows.set(clientId, (window = new SlidingWindow()));
    return window;
  }

  /** Tests: a token for these tenants, with every scope, without the OAuth dance (connects the client first). */
  issueAccessToken(tenantIds: string[], clientId = 'sim-test-client'): TokenResponse {
    if (!this.identity.clients.has(clientId)) this.createClient({ clientId, clientSecret: randomUUID() });
    const now = this.clock.now();
    const authEventId = randomUUID();
    this.identity.connect(clientId, tenantIds, authEventId, now);
    const response = this.identity.issue({ clientId, tenantIds, authEventId, scopes: ALL_SCOPES }, true, now);
    response.expires_in = this.clock.toRealSeconds(this.options.accessTokenSeconds);
    return response;
  }

  setFaults(rules: FaultRule[]): void {
    this.faults.set(rules);
  }

  advanceClock(simSeconds: number): void {
    this.clock.advance(simSeconds);
  }

  /** Empties every tenant's books, counters, limit windows, idempotency keys and faults; keeps tenants and clients. */
  reset(): void {
    const now = this.clock.now();
    for (const [id, tenant] of this.tenants) {
      const fresh = tenant.fresh(now);
      this.tenants.set(id, fresh);
      this.limiters.set(id, new TenantLimiter(fresh));
    }
    this.appWindows.clear();
    this.identity.resetStats();
    this.idempotency = new IdempotencyStore(this.options.idempotencyWindowSeconds * 1000);
    this.faults.set([]);
  }

  stats(): SimStats {
    return collectStats(this);
  }

  invoices(tenantId: string): Record<string, unknown>[] {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return [];
    return [...tenant.invoices.values()].map((invoice) => renderInvoiceForInspection(tenant, invoice));
  }

  creditNotes(tenantId: string): Record<string, unknown>[] {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return [];
    return [...tenant.creditNotes.values()].map((note) => renderCreditNoteForInspection(tenant, note));
  }

  /** Real-time sleep that `close()` can cut short, so Jest sees no open handles. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  shutdown(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
