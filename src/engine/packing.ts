/**
 * How work is packed into Xero calls, and how many calls a request needs. Pure: the sync engine packs with these
 * functions, and the preview, the progress ETA and the benchmark's minimum count calls with the same ones, so the
 * estimate cannot drift from what the engine does.
 *
 * Limits (see docs/decisions.md):
 * - 50 elements per write (invoices, payments and refunds together, credit notes, contacts): Xero's recommended
 *   batch, well under its 3.5 MB body limit.
 * - A GET's URL must stay short: Xero answers 404 "The resource you're looking for cannot be found" for URLs
 *   over about 2,090 characters (XeroAPI/Xero-NetStandard#471, XeroAPI/xero-node#404). Filters we send are
 *   kept to WHERE_BUDGET characters once URL-encoded, leaving room for the base URL and the other parameters.
 * - Allocations have no batch endpoint across credit notes: one call each.
 * - Contacts are read either by name (several names OR-ed in one `where`) or as the organisation's whole
 *   directory (pages of 1,000, summaryOnly), whichever takes fewer calls. A large organisation may refuse a
 *   `where` of many names (HighVolumeException): then fewer names go in one, down to none (`searchTerm`).
 * - The organisation's facts (lock dates, currencies) are read once at the request's start: GET /Organisation,
 *   and GET /Currencies only when an order is in a currency other than the base (organisationReads).
 */
import type { ContactReadStrategy } from '../contract';
import type { WhereLimit } from '../xero/limiter';
import { contactKey, contactLookupQuery } from './contact-names';

export const WRITE_BATCH = 50;
export const WHERE_BUDGET = 1800;
export const DIRECTORY_PAGE_SIZE = 1000;

/** Greedy batches of items whose element counts add up to at most `max` (an item never splits). */
export function packByElements<T>(items: T[], elements: (item: T) => number, max = WRITE_BATCH): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const n = Math.max(1, elements(item));
    if (current.length > 0 && size + n > max) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += n;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export function chunk<T>(items: T[], size = WRITE_BATCH): T[][] {
  return packByElements(items, () => 1, size);
}

/** Greedy groups of clauses joined by `joiner`, each group's encoded length within the budget. */
function groupClauses<T>(items: T[], clause: (item: T) => string, joiner: string, max = WRITE_BATCH) {
  const groups: Array<{ items: T[]; text: string }> = [];
  let group: T[] = [];
  let parts: string[] = [];
  let length = 0;
  const joinLength = encodeURIComponent(joiner).length;
  for (const item of items) {
    const part = clause(item);
    const cost = encodeURIComponent(part).length + (parts.length > 0 ? joinLength : 0);
    if (parts.length > 0 && (length + cost > WHERE_BUDGET || parts.length >= max)) {
      groups.push({ items: group, text: parts.join(joiner) });
      group = [];
      parts = [];
      length = 0;
    }
    group.push(item);
    parts.push(part);
    length += encodeURIComponent(part).length + (parts.length > 1 ? joinLength : 0);
  }
  if (parts.length > 0) groups.push({ items: group, text: parts.join(joiner) });
  return groups;
}

export type ContactLookup =
  | { kind: 'where'; where: string; keys: string[] }
  | { kind: 'searchTerm'; searchTerm: string; keys: string[] };

/**
 * Calls that find contacts by name: names OR-ed in `where` clauses (contactLookupQuery's `Name.ToLower()=="…"`,
 * matching the way Xero's uniqueness rule compares names), as many per call as the URL allows and at most
 * `maxClauses` (the organisation's limit, after a refusal: whereGroupSize); a name `where` cannot quote,
 * and every name where `where` is no use (a limit of 0 or 1), gets a `searchTerm` call of its own. Results are a
 * superset: keep only contacts whose `contactKey(Name)` was asked for.
 */
export function contactLookups(names: string[], maxClauses: number | null = null): ContactLookup[] {
  const queries = [...new Map(names.map((n) => [contactKey(n), contactLookupQuery(n)])).values()];
  const byWhere = maxClauses === null || maxClauses > 1;
  const wheres = byWhere ? queries.flatMap((q) => (q.kind === 'where' ? [q] : [])) : [];
  const max = Math.min(WRITE_BATCH, maxClauses ?? WRITE_BATCH);
  const lookups: ContactLookup[] = groupClauses(wheres, (q) => q.where, ' OR ', max).map((g) => ({
    kind: 'where' as const,
    where: g.text,
    keys: g.items.map((q) => q.key),
  }));
  for (const q of queries)
    if (q.kind === 'searchTerm' || !byWhere)
      lookups.push({ kind: 'searchTerm', searchTerm: searchTermOf(q), keys: [q.key] });
  return lookups;
}

function searchTermOf(q: ReturnType<typeof contactLookupQuery>): string {
  return q.kind === 'searchTerm' ? q.searchTerm : q.key;
}

/**
 * The most names one `where` may OR for the organisation (null: as many as the URL allows): the most it answered
 * below its refusal, or, until one was answered, half the refusal (so each refusal halves: 35, 17, 8, …). At 1 or
 * 0 every name goes by `searchTerm`, which costs as many calls as a `where` of one and is what Xero's guidance
 * recommends for searching a large organisation (second-hand).
 */
export function whereGroupSize(limit: WhereLimit): number | null {
  if (limit.refused === null) return null;
  if (limit.answered !== null && limit.answered < limit.refused) return limit.answered;
  return Math.floor(limit.refused / 2);
}

/**
 * A size between the largest answered and the smallest refused `where`, worth one call to learn the limit more
 * exactly when `names` names are left and it would ask them in fewer calls; null otherwise. Each probe halves the
 * gap, so an organisation's limit is known after a few, and every later request uses it.
 */
export function whereProbeSize(limit: WhereLimit, names: number): number | null {
  const size = whereGroupSize(limit);
  if (limit.refused === null || limit.answered === null || size === null) return null;
  const probe = Math.floor((limit.answered + limit.refused) / 2);
  if (probe <= size) return null;
  return Math.ceil(names / probe) < Math.ceil(names / size) ? probe : null;
}

/** Invoice numbers for `GET /Invoices?InvoiceNumbers=a,b,…`, grouped so each URL stays within the budget. */
export function invoiceNumberGroups(numbers: string[]): string[][] {
  return groupClauses(numbers, (n) => n, ',').map((g) => g.items);
}

/** `where` clauses finding credit notes by id (GET /CreditNotes has no `IDs`), grouped within the URL budget. */
export function creditNoteIdGroups(ids: string[]): Array<{ where: string; ids: string[] }> {
  return groupClauses(ids, (id) => `CreditNoteID==Guid("${id}")`, ' OR ').map((g) => ({
    where: g.text,
    ids: g.items,
  }));
}

/** `where` clauses finding credit notes by number, grouped within the URL budget. */
export function creditNoteNumberGroups(numbers: string[]): Array<{ where: string; numbers: string[] }> {
  // A number with a double quote cannot be asked for in `where` (Xero has no escape for it).
  const safe = numbers.filter((n) => !/["\\]/.test(n));
  return groupClauses(safe, (n) => `CreditNoteNumber=="${n}"`, ' OR ').map((g) => ({
    where: g.text,
    numbers: g.items,
  }));
}

/**
 * How to read the contacts a request needs: by name (`lookups` calls) or the whole directory (one call per 1,000
 * contacts), whichever costs fewer calls; a tie goes to the lookups, which bring back fewer bytes. With more than
 * one lookup to make and the directory's size unknown, the engine reads its first page (which tells the size,
 * and resolves what it holds) and decides then.
 */
export function chooseContactReads(
  lookups: number,
  directorySize: number | null,
): { strategy: ContactReadStrategy; calls: number } {
  if (lookups === 0) return { strategy: 'none', calls: 0 };
  if (lookups === 1) return { strategy: 'lookup', calls: 1 };
  if (directorySize === null) return { strategy: 'probe-directory', calls: lookups };
  const pages = Math.max(1, Math.ceil(directorySize / DIRECTORY_PAGE_SIZE));
  return pages < lookups ? { strategy: 'directory', calls: pages } : { strategy: 'lookup', calls: lookups };
}

export interface WorkCounts {
  /** Invoices to write (orders not voided and not already in Xero). */
  invoices: number;
  /** Payment elements: every non-zero payment of those orders (when payments are recorded). */
  payments: number;
  /** Refunded orders (one credit note each, when payments are recorded on AUTHORISED invoices). */
  creditNotes: number;
  /** Refunds paid back out of a credit note (a payment element each). */
  refunds: number;
  /** Credit notes allocated to what is still due on their invoice. */
  allocations: number;
  /** Calls to read contacts (chooseContactReads). */
  contactReads: number;
  /** Contacts to create. */
  newContacts: number;
  /** Reads of the organisation's facts: GET /Organisation, and GET /Currencies (src/engine/organisation-rules.ts). */
  organisationReads: number;
}

export interface CallPlan {
  invoices: number;
  payments: number;
  creditNotes: number;
  allocations: number;
  contacts: number;
  /** GET /Organisation (and GET /Currencies) at the request's start: lock dates, currencies, plan. */
  organisation: number;
  total: number;
}

/**
 * The calls a request needs, packed as the engine packs them: every write full except the last of its kind;
 * refunds share the payment batches (PUT /Payments takes both). This is also the minimum the benchmark measures
 * against: no fewer calls can carry the same elements under Xero's batch limits.
 */
export function planCalls(work: WorkCounts): CallPlan {
  const batches = (n: number) => Math.ceil(Math.max(0, n) / WRITE_BATCH);
  const invoices = batches(work.invoices);
  const payments = batches(work.payments + work.refunds);
  const creditNotes = batches(work.creditNotes);
  const allocations = work.allocations;
  const contacts = work.contactReads + batches(work.newContacts);
  const organisation = work.organisationReads;
  return {
    invoices,
    payments,
    creditNotes,
    allocations,
    contacts,
    organisation,
    total: invoices + payments + creditNotes + allocations + contacts + organisation,
  };
}
