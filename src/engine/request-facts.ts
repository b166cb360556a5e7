import { readOrganisationFacts } from '../businesses/organisation-facts';
import type { FactsDeps } from '../businesses/organisation-facts';
import type { CallExtras } from '../businesses/call-context';
import type { Business } from '../businesses/store';
import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import { rangeWhere } from '../orders/store';
import { needsCurrencies } from './organisation-rules';
import type { OrganisationFacts } from '../xero/organisation';
import { isRetryable, XeroApiError } from '../xero/errors';
import { orderRangeOf } from './plan';

/**
 * The organisation's facts a request runs by (sync_request_facts): read once at its start (prepareSync), kept, and
 * used by every step after, their retries included, without asking Xero again. A request whose start could not
 * read them (the daily quota was spent, the connection needed reconnecting) reads them at its first orders step.
 */
export async function requestFacts(db: Db, requestId: string): Promise<OrganisationFacts | null> {
  const { rows } = await db.query<{ facts: OrganisationFacts }>(
    'SELECT facts FROM sync_request_facts WHERE request_id = $1',
    [requestId],
  );
  return rows[0]?.facts ?? null;
}

/** Keeps the request's facts; the first kept wins (a retried start reads nothing new into a running request). */
async function keepRequestFacts(
  db: Db,
  requestId: string,
  facts: OrganisationFacts,
): Promise<OrganisationFacts> {
  const { rows } = await db.query<{ facts: OrganisationFacts }>(
    `WITH kept AS (
       INSERT INTO sync_request_facts (request_id, facts) VALUES ($1, $2) ON CONFLICT (request_id) DO NOTHING
       RETURNING facts)
     SELECT facts FROM kept UNION ALL SELECT facts FROM sync_request_facts WHERE request_id = $1 LIMIT 1`,
    [requestId, JSON.stringify(facts)],
  );
  return rows[0]?.facts ?? facts;
}

/** Reads the facts for the request (its calls counted in it) and keeps them as its snapshot. */
export async function takeRequestFacts(
  deps: FactsDeps,
  business: Business,
  input: ManualSyncInput,
  currencies: string[],
  extras: CallExtras,
): Promise<OrganisationFacts> {
  const facts = await readOrganisationFacts(deps, business, {
    wantsCurrencies: (base) => needsCurrencies(currencies, base),
    extras: { ...extras, requestId: input.requestId },
  });
  return keepRequestFacts(deps.db, input.requestId, facts);
}

/** The currencies of the range's orders that may be written (voided ones never are). */
async function rangeCurrencies(db: Db, input: ManualSyncInput): Promise<string[]> {
  const params: unknown[] = [];
  const where = rangeWhere(orderRangeOf(input), params);
  const { rows } = await db.query<{ currency: string }>(
    `SELECT DISTINCT o.payload->>'currency' AS currency FROM orders o WHERE ${where} AND o.status <> 'voided'`,
    params,
  );
  return rows.map((r) => r.currency);
}

/**
 * The facts an orders step goes by: the request's snapshot, else (its start could not read them) read now.
 * A spent quota, a connection to reconnect and a transient failure stop the step as any call would; a refusal
 * that asking again would not change (a missing scope, say) lets the step go on without them: Xero itself still
 * refuses what it must, order by order, only with its own words.
 */
export async function stepFacts(
  deps: FactsDeps,
  business: Business,
  input: ManualSyncInput,
  extras: CallExtras,
): Promise<OrganisationFacts | null> {
  const kept = await requestFacts(deps.db, input.requestId);
  if (kept) return kept;
  const currencies = await rangeCurrencies(deps.db, input);
  if (currencies.length === 0) return null;
  try {
    return await takeRequestFacts(deps, business, input, currencies, extras);
  } catch (err) {
    if (!(err instanceof XeroApiError) || isRetryable(err.kind)) throw err;
    extras.log?.warn("The organisation's facts could not be read; going on without them", {
      requestId: input.requestId,
      error: err.message,
    });
    return null;
  }
}
