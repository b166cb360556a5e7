/**
 * The rules the engine draws, before any write, from what the Xero organisation says of itself
 * (src/xero/organisation.ts). Pure: the facts are read elsewhere (src/businesses/organisation-facts.ts) and kept
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
import { bindingLock, xeroDay } from '../xero/organisation';
import type { OrganisationFacts } from '../xero/organisation';

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
