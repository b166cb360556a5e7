/**
 * What the Xero organisation says of itself (GET /Organisation, GET /Currencies), and the rules the engine draws
 * from it before any write. Pure: the facts are read elsewhere (src/businesses/organisation-facts.ts) and kept
 * with the time they were read; a request runs by the snapshot taken at its start.
 *
 * LOCK DATES. Xero has two: the period lock date ("stop all users except advisers making changes on and before")
 * and the end of year lock date ("stop all users making changes on and before"). Both are treated as binding,
 * even when the connection's user is an adviser: a sync app should not write into a period the accountant closed,
 * and which user consented is not something the merchant sees. A document dated ON or before the later of the two
 * is locked. Drafts are not: Xero lets users "create draft invoices … and submit these items for approval" in a
 * locked period (Xero Central, "Set and work with lock dates"), so only approved documents (invoiceStatus
 * AUTHORISED, and then their payments and credit notes) are checked.
 *
 * AN ORDER IS WHOLE. An order whose invoice, a payment or its credit note is dated in the locked period fails as a
 * whole, before any write: writing the invoice without its payment, or a credit note without its invoice, would
 * half-write the books. A refund dated after the lock date whose order is dated before it fails with its order; the
 * retry once the lock date has moved writes both.
 *
 * CURRENCIES. An order in a currency the organisation has not enabled fails before any write. An enabled foreign
 * currency is sent as the invoice's CurrencyCode with no rate: Xero applies its own daily rate for the invoice
 * date ("If no rate is specified, the XE.com day rate is used", OpenAPI Invoice.CurrencyRate).
 *
 * PLAN CAPS. Some plans approve a limited number of sales invoices a calendar month (see MONTHLY_INVOICE_CAPS).
 */
import type { InvoiceMapping } from './invoice-mapping';

export interface OrganisationFacts {
  tenantId: string;
  name: string | null;
  baseCurrency: string;
  /** Enabled currencies (the base included), from GET /Currencies; null when they were not read. */
  currencies: string[] | null;
  shortCode: string | null;
  /** The plan (Organisation.Class): STARTER, STANDARD, PREMIUM, IGNITE, GROW, … */
  planClass: string | null;
  /** YYYY-MM-DD, or null when not set. */
  periodLockDate: string | null;
  endOfYearLockDate: string | null;
  /** When GET /Organisation answered (ISO instant). */
  readAt: string;
  /** When GET /Currencies answered (ISO instant); null: never read. */
  currenciesReadAt: string | null;
}

export type LockKind = 'period' | 'end of year';

/** The lock date that binds (the later of the two), and which one it is; null when neither is set. */
export function bindingLock(facts: OrganisationFacts): { date: string; kind: LockKind } | null {
  const { periodLockDate: period, endOfYearLockDate: year } = facts;
  if (period === null && year === null) return null;
  if (year !== null && (period === null || year >= period)) return { date: year, kind: 'end of year' };
  return { date: period!, kind: 'period' };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2025-12-31" → "31 Dec 2025", the way Xero's own screens show a date. */
export function xeroDay(day: string): string {
  const [y, m, d] = day.split('-');
  return `${Number(d)} ${MONTHS[Number(m) - 1] ?? m} ${y}`;
}

/** A day of a Microsoft JSON date ("/Date(1735603200000+0000)/"), an ISO text or a Date: its UTC calendar day. */
export function dayOfXeroDate(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString().slice(0, 10);
  const text = String(value);
  const ms = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/.exec(text);
  if (ms) return new Date(Number(ms[1])).toISOString().slice(0, 10);
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(text);
  return iso ? iso[1]! : null;
}

export interface WriteOptions {
  /** The request approves its invoices (invoiceStatus AUTHORISED): only then are they, and what follows, locked. */
  approving: boolean;
  recordPayments: boolean;
}

/** The dated documents of one order the engine would write: its invoice, then its payments and credit note. */
function datedDocuments(mapping: InvoiceMapping, opts: WriteOptions): Array<{ what: string; day: string }> {
  const docs = [{ what: 'its invoice', day: mapping.invoice.Date }];
  if (opts.recordPayments) for (const p of mapping.payments) docs.push({ what: 'a payment', day: p.date });
  if (mapping.creditNote) docs.push({ what: 'its refund', day: mapping.creditNote.creditNote.Date });
  return docs;
}

const LOCK_ADVICE =
  'ask your adviser to move the lock date in Xero (Accounting → Advanced → Financial settings), then retry the failed orders';

/** Why Xero would refuse one of these documents: one dated on or before the lock date. */
export function lockedProblem(
  label: string,
  documents: Array<{ what: string; day: string }>,
  facts: OrganisationFacts | null,
): string | null {
  const lock = facts ? bindingLock(facts) : null;
  if (!lock) return null;
  const locked = documents.find((d) => d.day <= lock.date);
  if (!locked) return null;
  const rest = documents.filter((d) => d !== locked);
  const also =
    rest.length > 0 ? `; none of its documents is written, so the books are never half-written` : '';
  return (
    `${label}: ${locked.what} is dated ${xeroDay(locked.day)}, on or before Xero's ${lock.kind} lock date ` +
    `${xeroDay(lock.date)}, so Xero would refuse it${also}. Lock dates bind every connection here, an adviser's ` +
    `too: ${LOCK_ADVICE}.`
  );
}

/** Why an order cannot be written into the organisation as it is: a locked date, or a currency not enabled. */
export function organisationProblem(
  label: string,
  currency: string,
  mapping: InvoiceMapping,
  facts: OrganisationFacts | null,
  opts: WriteOptions,
): string | null {
  return (
    currencyProblem(currency, facts) ??
    (opts.approving ? lockedProblem(label, datedDocuments(mapping, opts), facts) : null)
  );
}

/** Whether the organisation takes documents in this currency; null (yes, or not known) otherwise. */
export function currencyProblem(currency: string, facts: OrganisationFacts | null): string | null {
  if (!facts || currency === facts.baseCurrency || facts.currencies === null) return null;
  if (facts.currencies.includes(currency)) return null;
  return (
    `Xero organisation ${facts.name ?? facts.tenantId} does not have ${currency} enabled: ask your adviser to ` +
    `add the currency in Xero (Settings → Currencies), then retry the failed orders.`
  );
}

/**
 * Reads of the organisation a request makes at its start: none when no order of the range may be written, else
 * GET /Organisation, and GET /Currencies only when an order to write is in a currency other than the base (which
 * is always enabled). With the base not known yet, a range of one currency is taken to be in the base currency.
 */
export function organisationReads(
  liveOrders: number,
  currencies: string[],
  baseCurrency: string | null,
): number {
  if (liveOrders === 0) return 0;
  return 1 + (needsCurrencies(currencies, baseCurrency) ? 1 : 0);
}

/** Whether GET /Currencies is worth its call: some order to write is in another currency than the base. */
export function needsCurrencies(currencies: string[], baseCurrency: string | null): boolean {
  return baseCurrency === null ? currencies.length > 1 : currencies.some((c) => c !== baseCurrency);
}

/**
 * Sales invoices a plan may approve per calendar month of their invoice date; plans not listed have no cap.
 * Sources (none of them Xero's own page, which could not be reached; treat the numbers as second-hand):
 * - Starter, Early (US) and Ignite (UK): 20 invoices a month, counted by invoice date, not creation date (Auxo,
 *   learn.auxosoftware.com "Xero troubleshooting"; Link My Books, help.linkmybooks.com "Resolving a transaction
 *   limit error in Xero").
 * - Simple (UK sole traders): 10 a month (Link My Books, same page).
 * - Only approved invoices count: "you can have an unlimited number of draft or historical invoices, bills and
 *   credit notes" (Xero Help, "Limitations of the Starter pricing plan").
 * - Past the cap Xero refuses the approval: "You have reached the limit of invoices you can approve."
 *   (XeroAPI/xero-node#548, Auxo). US Early organisations report Class STARTER (a guess: Early is not in the
 *   OpenAPI document's Class enum).
 */
export const MONTHLY_INVOICE_CAPS: Readonly<Record<string, number>> = {
  STARTER: 20,
  IGNITE: 20,
  SIMPLE: 10,
};

export function monthlyInvoiceCap(planClass: string | null): number | null {
  return planClass === null ? null : (MONTHLY_INVOICE_CAPS[planClass.toUpperCase()] ?? null);
}
