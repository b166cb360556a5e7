import type { Currency, Organisation } from 'xero-node';
import type { Db } from '../db/pool';
import { dayOfXeroDate } from '../xero/organisation';
import type { OrganisationFacts } from '../xero/organisation';
import type { XeroGateway } from '../xero/gateway';
import { callContextFor } from './call-context';
import type { CallExtras } from './call-context';
import type { Business } from './store';

/**
 * The organisation's facts as Xero last told them, per organisation (xero_organisation_facts), with when it told
 * them. Read through the business's gateway and limiter like every call: at each request's start, by the preview
 * (unless read in the last few minutes) and by a settings check that asks Xero anyway.
 */
/**
 * How long a reading serves the preview and the settings check (a request always reads its own): previews follow
 * the form as the merchant changes it, so a burst of them costs one GET /Organisation.
 */
export const FACTS_REUSE_MS = 5 * 60_000;

export interface FactsDeps {
  db: Db;
  newXeroGateway: () => XeroGateway;
}

/** What GET /Organisation (and GET /Currencies, when read) said, over what was known before. */
export function factsFrom(
  tenantId: string,
  organisation: Organisation | undefined,
  currencies: Currency[] | null,
  readAt: Date,
  previous: OrganisationFacts | null,
): OrganisationFacts {
  const base = String(organisation?.baseCurrency ?? previous?.baseCurrency ?? '');
  const read = currencies?.map((c) => String(c.code ?? '')).filter((c) => c !== '');
  return {
    tenantId,
    name: organisation?.name ?? null,
    baseCurrency: base,
    // The base currency is always enabled, even if a listing left it out.
    currencies: read ? [...new Set([base, ...read])] : (previous?.currencies ?? null),
    shortCode: organisation?.shortCode ?? null,
    planClass: organisation?._class !== undefined ? String(organisation._class) : null,
    periodLockDate: dayOfXeroDate(organisation?.periodLockDate),
    endOfYearLockDate: dayOfXeroDate(organisation?.endOfYearLockDate),
    readAt: readAt.toISOString(),
    currenciesReadAt: read ? readAt.toISOString() : (previous?.currenciesReadAt ?? null),
  };
}

export async function storedFacts(db: Db, tenantId: string): Promise<OrganisationFacts | null> {
  const { rows } = await db.query<{ facts: OrganisationFacts }>(
    'SELECT facts FROM xero_organisation_facts WHERE tenant_id = $1',
    [tenantId],
  );
  return rows[0]?.facts ?? null;
}

/** Keeps the newest reading: a slower reader finishing later never replaces a fresher one. */
export async function saveFacts(db: Db, facts: OrganisationFacts): Promise<void> {
  await db.query(
    `INSERT INTO xero_organisation_facts (tenant_id, facts, read_at) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id) DO UPDATE SET facts = EXCLUDED.facts, read_at = EXCLUDED.read_at
     WHERE xero_organisation_facts.read_at <= EXCLUDED.read_at`,
    [facts.tenantId, JSON.stringify(facts), facts.readAt],
  );
}

export interface ReadOptions {
  /** Whether GET /Currencies is worth its call, once the base currency is known. */
  wantsCurrencies: (baseCurrency: string) => boolean;
  /** The caller's hooks: the request the calls count for, its abort signal and heartbeat. */
  extras?: CallExtras;
}

/** Asks Xero: GET /Organisation, then GET /Currencies if wanted. Keeps the answer and returns it. */
export async function readOrganisationFacts(
  deps: FactsDeps,
  business: Business,
  options: ReadOptions,
): Promise<OrganisationFacts> {
  const ctx = callContextFor(business, options.extras);
  const gateway = deps.newXeroGateway();
  const organisation = await gateway.getOrganisation(ctx);
  const readAt = new Date();
  const previous = await storedFacts(deps.db, ctx.tenantId);
  const base = String(organisation?.baseCurrency ?? previous?.baseCurrency ?? '');
  const currencies = options.wantsCurrencies(base) ? await gateway.getCurrencies(ctx) : null;
  const facts = factsFrom(ctx.tenantId, organisation, currencies, readAt, previous);
  await saveFacts(deps.db, facts);
  return facts;
}

/**
 * The facts if they were read within `maxAgeMs` (and hold the currencies when those are wanted), else a new
 * reading. The preview reuses a recent reading, so previewing while the merchant changes the form costs one read.
 */
export async function recentOrganisationFacts(
  deps: FactsDeps,
  business: Business,
  maxAgeMs: number,
  options: ReadOptions,
): Promise<OrganisationFacts> {
  const stored = await storedFacts(deps.db, business.xeroTenantId ?? '');
  const fresh = (at: string | null) => at !== null && Date.now() - Date.parse(at) <= maxAgeMs;
  if (
    stored &&
    fresh(stored.readAt) &&
    (!options.wantsCurrencies(stored.baseCurrency) || fresh(stored.currenciesReadAt))
  )
    return stored;
  return readOrganisationFacts(deps, business, options);
}
