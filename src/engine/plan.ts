import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import { rangeWhere } from '../orders/store';
import type { OrderRange } from '../orders/store';
import { contactKey, contactNameFor, spelledContactNameFor } from './contact-names';
import { chooseContactReads, contactLookups, planCalls, whereGroupSize } from './packing';
import type { CallPlan, WorkCounts } from './packing';
import type { ContactReadStrategy } from '../contract';
import type { WhereLimit } from '../xero/limiter';
import { organisationReads } from './organisation-rules';
import { rangeUtc } from '../calendar';
import { ledgerStatusOf, summaryInvoiceOf } from './order-holds';

/**
 * What a request will do, from one pass over its orders in PostgreSQL: the counts the preview shows, the work its
 * Xero calls carry, and those calls as the engine packs them (src/engine/packing.ts). The preview and the request's
 * own progress (its ETA) both come from here, so the estimate is the engine's plan, not a second formula.
 */
export interface RangeStats {
  total: number;
  completed: number;
  refunded: number;
  voided: number;
  alreadySynced: number;
  /** Invoices to write. */
  invoices: number;
  payments: number;
  creditNotes: number;
  refunds: number;
  allocations: number;
  taxCodes: string[];
  paymentMethods: string[];
  /** The currencies of the orders to write (the organisation's currencies are read only for a foreign one). */
  currencies: string[];
  /** The contact-naming fields of the orders to write, in the order they are first placed. */
  contactSources: ContactSource[];
  /** The same for every order of the range not voided (the preview warns of names that clash). */
  namedSources: ContactSource[];
}

export interface ContactSource {
  channel: string;
  location: string;
  customer: string | null;
}

export function orderRangeOf(input: ManualSyncInput): OrderRange {
  const { fromUtc, toUtcExclusive } = rangeUtc(input.startDate, input.endDate, input.timeZone);
  return {
    businessId: input.businessId,
    channel: input.channel,
    locationId: input.locationId,
    fromUtc,
    toUtcExclusive,
    failedIn: input.retryOf,
  };
}

/** The money arithmetic of the credit-note policy (src/engine/invoice-mapping.ts), in exact NUMERIC. */
const DUE = `(r.total - coalesce((SELECT sum((p->>'amount')::numeric) FROM jsonb_array_elements(r.payload->'payments') p), 0))`;
const REFUND = `coalesce((r.payload->'refund'->>'amount')::numeric, r.total)`;

/** Distinct contact-naming fields of some orders, in the order their first order was placed. */
function sources(from: string): string {
  return `ARRAY(SELECT json_build_object('channel', channel, 'location', location, 'customer', customer) FROM (
      SELECT channel, payload->'location'->>'name' AS location, payload->'customer'->>'name' AS customer,
             min(placed_at) AS first, min(id) AS first_id
      FROM ${from} GROUP BY 1, 2, 3 ORDER BY first, first_id) s)`;
}

/**
 * The range's orders as rangeStats reads them (`r`: each with whether it is in Xero, `fresh`: not in Xero and not
 * voided, `todo`: to write), its parameters pushed onto `params`.
 */
function rangeOrders(input: ManualSyncInput, params: unknown[]): string {
  const where = rangeWhere(orderRangeOf(input), params);
  params.push(input.options.resyncPolicy === 'update');
  const update = `$${params.length}`;
  // changesOnly: no order is written anew; only the changes of orders in Xero (src/engine/order-changes.ts).
  params.push(input.options.changesOnly === true);
  const changesOnly = `$${params.length}`;
  // What holds each order in Xero, probed per order (src/engine/order-holds.ts), never joined: a join's plan
  // depends on the tables' statistics. An order a daily summary holds is in Xero: never sent again, in either mode
  // (issue 23). `h` is materialised so each probe runs once per order (inlined, each use of a column repeats it).
  return `WITH h AS MATERIALIZED (
       SELECT o.*, ${ledgerStatusOf('o')} AS ledger_status, ${summaryInvoiceOf('o')} AS summary
       FROM orders o WHERE ${where}),
     r AS NOT MATERIALIZED (
       SELECT h.*, (ledger_status = 'synced' OR summary IS NOT NULL) AS synced, summary IS NOT NULL AS summarised
       FROM h),
     fresh AS (SELECT * FROM r WHERE status <> 'voided' AND synced IS NOT TRUE AND NOT ${changesOnly}),
     todo AS (SELECT * FROM r WHERE status <> 'voided' AND (synced IS NOT TRUE OR ${update}) AND NOT summarised
       AND NOT ${changesOnly})`;
}

export async function rangeStats(db: Db, input: ManualSyncInput): Promise<RangeStats> {
  const params: unknown[] = [];
  const orders = rangeOrders(input, params);
  // Payments, credit notes and allocations are written on AUTHORISED invoices only.
  params.push(input.options.invoiceStatus === 'AUTHORISED');
  const authorised = `$${params.length}`;
  params.push(input.options.recordPayments);
  const withPayments = `$${params.length}`;
  const { rows } = await db.query<RangeStats>(
    `${orders}
     SELECT
       (SELECT count(*)::int FROM r) AS total,
       (SELECT count(*)::int FROM r WHERE status = 'completed') AS completed,
       (SELECT count(*)::int FROM r WHERE status = 'refunded') AS refunded,
       (SELECT count(*)::int FROM r WHERE status = 'voided') AS voided,
       (SELECT count(*)::int FROM r WHERE status <> 'voided' AND synced) AS "alreadySynced",
       (SELECT count(*)::int FROM todo) AS invoices,
       (SELECT count(*)::int FROM fresh, jsonb_array_elements(fresh.payload->'payments') p
          WHERE ${authorised} AND ${withPayments} AND (p->>'amount')::numeric <> 0) AS payments,
       (SELECT count(*)::int FROM fresh WHERE ${authorised} AND status = 'refunded') AS "creditNotes",
       (SELECT count(*)::int FROM fresh r WHERE ${authorised} AND status = 'refunded'
          AND ${REFUND} > greatest(${DUE}, 0)) AS refunds,
       (SELECT count(*)::int FROM fresh r WHERE ${authorised} AND status = 'refunded'
          AND least(${REFUND}, ${DUE}) > 0) AS allocations,
       ARRAY(SELECT DISTINCT l->>'taxCode' FROM r, jsonb_array_elements(r.payload->'lines') l
          WHERE r.status <> 'voided' ORDER BY 1) AS "taxCodes",
       ARRAY(SELECT DISTINCT p->>'method' FROM r, jsonb_array_elements(r.payload->'payments') p
          WHERE r.status <> 'voided' ORDER BY 1) AS "paymentMethods",
       ARRAY(SELECT DISTINCT payload->>'currency' FROM todo ORDER BY 1) AS currencies,
       ${sources('todo')} AS "contactSources",
       ${sources("r WHERE status <> 'voided'")} AS "namedSources"`,
    params,
  );
  return rows[0]!;
}

/**
 * The contact-naming fields of the orders to write (rangeStats' `contactSources`) and nothing else: the contacts
 * step needs only these, and each of its steps computed the request's whole statistics again for them.
 */
export async function rangeContactSources(
  db: Db,
  input: ManualSyncInput,
): Promise<Pick<RangeStats, 'contactSources'>> {
  const params: unknown[] = [];
  const { rows } = await db.query<Pick<RangeStats, 'contactSources'>>(
    `${rangeOrders(input, params)} SELECT ${sources('todo')} AS "contactSources"`,
    params,
  );
  return rows[0]!;
}

/**
 * Whether the range has an order to write anew (rangeStats' `invoices` above 0), stopping at the first one found:
 * the API's nothing-to-send check needs no more, and the full statistics of a year read 40k–50k blocks (the
 * request's prepare step computes them anyway). Same conditions as rangeStats' `todo`, same summaries join.
 */
export async function anyInvoiceToWrite(db: Db, input: ManualSyncInput): Promise<boolean> {
  if (input.options.changesOnly === true) return false;
  const params: unknown[] = [];
  const where = rangeWhere(orderRangeOf(input), params);
  params.push(input.options.resyncPolicy === 'update');
  const update = `$${params.length}`;
  const { rows } = await db.query<{ found: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM orders o
       WHERE ${where} AND o.status <> 'voided'
         AND (${update} OR ${ledgerStatusOf('o')} IS DISTINCT FROM 'synced')
         AND ${summaryInvoiceOf('o')} IS NULL) AS found`,
    params,
  );
  return rows[0]!.found;
}

/** The counts a nothing-to-send refusal carries: rangeStats' `total`, `alreadySynced` and `voided`, and nothing else. */
export async function rangeCounts(
  db: Db,
  input: ManualSyncInput,
): Promise<Pick<RangeStats, 'total' | 'alreadySynced' | 'voided'>> {
  const params: unknown[] = [];
  const where = rangeWhere(orderRangeOf(input), params);
  // In Xero as rangeStats' `synced` says: its ledger row synced, or a daily summary holding it (probed per order).
  const { rows } = await db.query<Pick<RangeStats, 'total' | 'alreadySynced' | 'voided'>>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'voided')::int AS voided,
       count(*) FILTER (WHERE status <> 'voided' AND (ledger_status = 'synced' OR summary IS NOT NULL))::int
         AS "alreadySynced"
     FROM (SELECT o.status, ${ledgerStatusOf('o')} AS ledger_status, ${summaryInvoiceOf('o')} AS summary
           FROM orders o WHERE ${where}) h`,
    params,
  );
  return rows[0]!;
}

function sourceOrder(s: ContactSource) {
  return {
    channel: s.channel as ManualSyncInput['channel'],
    location: { id: '', name: s.location },
    customer: { name: s.customer },
  };
}

/** Each contact a request's orders name, keyed as Xero compares names, with the spelling seen first. */
export function contactNamesOf(
  stats: Pick<RangeStats, 'contactSources'>,
  walkIn: string,
): Map<string, string> {
  const names = new Map<string, string>();
  for (const s of stats.contactSources) {
    const name = contactNameFor(sourceOrder(s), 'by-channel', walkIn);
    if (!names.has(contactKey(name))) names.set(contactKey(name), name);
  }
  return names;
}

/** Every spelling of a contact name the range's orders use, as they spell it. */
export function contactSpellingsOf(stats: Pick<RangeStats, 'namedSources'>, walkIn: string): string[] {
  return [
    ...new Set(stats.namedSources.map((s) => spelledContactNameFor(sourceOrder(s), 'by-channel', walkIn))),
  ];
}

/** Contact keys an earlier request of the business already found or created in Xero. */
export async function knownContactKeys(db: Db, businessId: string, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await db.query<{ name_key: string }>(
    `SELECT DISTINCT rc.name_key FROM request_contacts rc JOIN sync_requests r ON r.id = rc.request_id
     WHERE r.business_id = $1 AND rc.name_key = ANY($2) AND rc.contact_id IS NOT NULL`,
    [businessId, keys],
  );
  return new Set(rows.map((r) => r.name_key));
}

export interface RequestPlan {
  stats: RangeStats;
  work: WorkCounts;
  calls: CallPlan;
  contacts: {
    /** Distinct contacts the orders name. */
    distinct: number;
    /** Assumed new: none of the business's earlier requests found them in Xero. */
    assumedNew: number;
    strategy: ContactReadStrategy;
  };
}

/** What the plan needs to know of the organisation's contacts. */
export interface ContactDirectory {
  /** How many contacts it has (null: unknown), asked only when it matters (more than one lookup to make). */
  size: () => Promise<number | null>;
  /** What the organisation showed of the contacts `where` it answers (none refused: both null). */
  where: WhereLimit;
}

/**
 * The request's plan. The organisation's directory decides whether contacts are read by name (as many names to
 * a call as it answers) or as a directory, exactly as the engine decides. `baseCurrency` (null: not known)
 * decides whether the request's start reads the organisation's currencies too.
 */
export async function planRequest(
  db: Db,
  input: ManualSyncInput,
  walkInName: string,
  directory: ContactDirectory,
  baseCurrency: string | null = null,
): Promise<RequestPlan> {
  return planFromStats(db, input, await rangeStats(db, input), walkInName, directory, baseCurrency);
}

/** The plan of a range whose stats are already counted. */
export async function planFromStats(
  db: Db,
  input: ManualSyncInput,
  stats: RangeStats,
  walkInName: string,
  directory: ContactDirectory,
  baseCurrency: string | null,
): Promise<RequestPlan> {
  const auto = input.contactMapping.mode === 'auto';
  const names = auto ? contactNamesOf(stats, walkInName) : new Map<string, string>();
  const known = await knownContactKeys(db, input.businessId, [...names.keys()]);
  const lookups = contactLookups([...names.values()], whereGroupSize(directory.where)).length;
  const reads = chooseContactReads(lookups, lookups > 1 ? await directory.size() : null);
  const work: WorkCounts = {
    invoices: stats.invoices,
    payments: stats.payments,
    creditNotes: stats.creditNotes,
    refunds: stats.refunds,
    allocations: stats.allocations,
    contactReads: reads.calls,
    newContacts: names.size - known.size,
    organisationReads: organisationReads(liveOrders(stats), stats.currencies, baseCurrency),
  };
  return {
    stats,
    work,
    calls: planCalls(work),
    contacts: { distinct: names.size, assumedNew: names.size - known.size, strategy: reads.strategy },
  };
}

/** Orders of the range that may lead to a write: new ones, and those already in Xero (their follow-ups). */
export function liveOrders(stats: Pick<RangeStats, 'total' | 'voided'>): number {
  return stats.total - stats.voided;
}

/**
 * Whether orders of the range already in Xero may still have follow-ups to write (payments not recorded yet, a
 * refund's credit note, refund payment or allocation): a request for them has work even with no invoice to write.
 * A refund's refund payment or allocation not needed is marked done with its credit note (ledger.ts), so one
 * left undone is still to write; the walk decides the rest (src/engine/follow-ups.ts).
 */
export async function followUpsMayRemain(db: Db, input: ManualSyncInput): Promise<boolean> {
  if (input.options.invoiceStatus !== 'AUTHORISED' || input.options.changesOnly === true) return false;
  const params: unknown[] = [];
  const where = rangeWhere(orderRangeOf(input), params);
  params.push(input.options.recordPayments);
  // The order's ledger row probed per order (src/engine/order-holds.ts), never joined; materialised so the probe runs
  // once per order, and read lazily, so the answer still stops at the first order with work left.
  const { rows } = await db.query<{ left: boolean }>(
    `WITH h AS MATERIALIZED (
       SELECT o.status, o.payload,
         (SELECT l FROM order_ledger l WHERE l.business_id = o.business_id AND l.order_id = o.id) AS l
       FROM orders o WHERE ${where} AND o.status <> 'voided')
     SELECT EXISTS (
       SELECT 1 FROM h WHERE (l).status = 'synced' AND (
         ($${params.length} AND (l).payments_status <> 'done' AND EXISTS (
            SELECT 1 FROM jsonb_array_elements(h.payload->'payments') p WHERE (p->>'amount')::numeric <> 0))
         OR (h.status = 'refunded'
             AND 'done' <> ANY (ARRAY[(l).credit_note_status, (l).refund_status, (l).allocation_status]))
       )) AS left`,
    params,
  );
  return rows[0]?.left === true;
}
