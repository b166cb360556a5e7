import type { FaultRule } from './faults';
import { DEFAULT_HIGH_VOLUME_RULE, type HighVolumeRule } from './high-volume';
import type { AppKind, AppTier } from './scopes';

/** Per-tenant limits. Xero: 5 in flight, 60 per minute, 5,000 per day (xero-facts.md, "Limits"). */
export interface TenantLimits {
  perMinute: number;
  concurrent: number;
  perDay: number;
}

/** What GET /Organisation and GET /Currencies answer, and the rules they drive (src/xero-sim/organisation.ts). */
export interface OrganisationSpec {
  /** Default SGD. */
  baseCurrency?: string;
  /** Enabled currencies besides the base; default ["USD"]. */
  currencies?: string[];
  /** Organisation.Class, the plan: STANDARD by default; STARTER, IGNITE and SIMPLE cap approved invoices. */
  class?: string;
  shortCode?: string;
  /** YYYY-MM-DD; null clears it. */
  periodLockDate?: string | null;
  endOfYearLockDate?: string | null;
}

export interface TenantSpec {
  tenantId?: string;
  name?: string;
  organisation?: OrganisationSpec;
  limits?: Partial<TenantLimits>;
  /** Simulated seconds after the simulated epoch's day boundary at which this tenant's daily window resets. */
  dayResetOffsetSeconds?: number;
  /** Shifts this tenant's clock (simulated seconds), so tenants do not share one "now". */
  clockOffsetSeconds?: number;
  /**
   * A large organisation, over Xero's high-volume threshold: GET /Contacts it deems inefficient are refused with
   * HighVolumeException. `true` takes the simulator's rule (`highVolume`), an object overrides parts of it.
   */
  highVolume?: boolean | Partial<HighVolumeRule>;
}

export interface ClientSpec {
  clientId: string;
  clientSecret: string;
  /** A client_credentials Custom Connection to this tenant (one organisation, no refresh token). */
  customConnectionTenantId?: string;
  /** Shown as ProviderName in response envelopes. */
  appName?: string;
  /**
   * "2026" (default): created on or after 2 March 2026, granular scopes only. "legacy": created before, so the
   * broad accounting.transactions too (until September 2027).
   */
  appKind?: AppKind;
  /** Xero's pricing tier, which caps the organisations it may connect (Starter 5). Default: no cap. */
  tier?: AppTier;
}

export interface XeroSimOptions {
  port: number;
  host: string;
  /** Simulated seconds per real second: 60 makes one simulated minute last one real second. */
  timeScale: number;
  limits: TenantLimits & { appPerMinute: number };
  /** Window lengths in simulated seconds (Xero: 60 and 86,400). */
  minuteWindowSeconds: number;
  dayWindowSeconds: number;
  /** Xero honours a key for about 6 minutes (second-hand, xero-facts.md). Simulated seconds. */
  idempotencyWindowSeconds: number;
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
  refreshGraceSeconds: number;
  /** Xero's request body limit is 3.5 MB; larger bodies get 413. */
  maxBodyBytes: number;
  /**
   * Longest path and query Xero serves: longer URLs get 404 "The resource you're looking for cannot be found"
   * (reported at about 2,090 characters in all: XeroAPI/Xero-NetStandard#471, XeroAPI/xero-node#404).
   */
  maxUrlLength: number;
  defaultPageSize: number;
  /**
   * The high-volume rule of large organisations: those marked so, and any holding more than `thresholdContacts`
   * contacts (Xero's threshold is reported as 100,000 records).
   */
  highVolume: HighVolumeRule & { thresholdContacts: number };
  tenants: TenantSpec[];
  clients: ClientSpec[];
  faults: FaultRule[];
  /** Seed of the random source behind fault rates, so a run can be repeated. */
  seed: number;
  /** Observes every Accounting API exchange (tests validate them against Xero's OpenAPI document). */
  onExchange?: (exchange: ApiExchange) => void;
}

export interface ApiExchange {
  method: string;
  /** Path below /api.xro/2.0, e.g. "/Invoices". */
  path: string;
  query: Record<string, string>;
  /** The query string as sent, without "?". */
  rawQuery: string;
  headers: Record<string, string>;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
  /** When the request arrived and when its answer was sent (real ms since the epoch): when a write happened. */
  receivedAt: number;
  answeredAt: number;
}

export const DEMO_TENANT_ID = '3f1b7c2e-5d4a-4e8b-9c61-0a2d4e6f8b10';
export const DEMO_CLIENT_ID = 'demo-client';
export const DEMO_CLIENT_SECRET = 'demo-secret';

export const DEFAULT_LIMITS: XeroSimOptions['limits'] = {
  perMinute: 60,
  concurrent: 5,
  perDay: 5000,
  appPerMinute: 10_000,
};

export function defaultOptions(): XeroSimOptions {
  return {
    port: 4010,
    host: '127.0.0.1',
    timeScale: 1,
    limits: { ...DEFAULT_LIMITS },
    minuteWindowSeconds: 60,
    dayWindowSeconds: 86_400,
    idempotencyWindowSeconds: 360,
    accessTokenSeconds: 1800,
    refreshTokenSeconds: 60 * 86_400,
    refreshGraceSeconds: 1800,
    maxBodyBytes: 3_500_000,
    maxUrlLength: 2048,
    defaultPageSize: 100,
    highVolume: { ...DEFAULT_HIGH_VOLUME_RULE, thresholdContacts: 100_000 },
    tenants: [{ tenantId: DEMO_TENANT_ID, name: 'Demo Company (SG)', dayResetOffsetSeconds: 11 * 3600 }],
    clients: [
      {
        clientId: DEMO_CLIENT_ID,
        clientSecret: DEMO_CLIENT_SECRET,
        customConnectionTenantId: DEMO_TENANT_ID,
        appName: 'Demo App',
      },
    ],
    faults: [],
    seed: 1,
  };
}

export function resolveOptions(partial: Partial<XeroSimOptions> = {}): XeroSimOptions {
  const base = defaultOptions();
  return {
    ...base,
    ...partial,
    limits: { ...base.limits, ...partial.limits },
    highVolume: { ...base.highVolume, ...partial.highVolume },
  };
}
