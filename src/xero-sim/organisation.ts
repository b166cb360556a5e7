/**
 * An organisation's own settings, per tenant and settable (TenantSpec.organisation, POST /__sim/tenants/:id/
 * organisation): base and enabled currencies, plan (Class), short code, lock dates. And the rules Xero applies
 * with them, per element of a batch:
 * - Lock dates (xero-facts.md, "The organisation"): an approved invoice or credit note, a payment or an allocation
 *   dated on or before the later lock date is refused: "The document date cannot be before the end of year lock
 *   date, currently set at 31-Jul-2013" (waynerobinson/xeroizer#92, verbatim); the period lock date's and the
 *   payment's wording are guesses by analogy. Drafts and submitted documents are not refused: "Users can still
 *   create draft invoices … and submit these items for approval" (Xero Central, "Set and work with lock dates").
 *   Every connection binds to both dates: the simulator's users are not advisers (Xero lets an adviser past the
 *   period lock date only).
 * - Currencies: a document in a currency the organisation has not enabled is refused ("The currency code EUR is
 *   not valid for this organisation", wording second-hand).
 * - Plan caps: see MONTHLY_CAPS.
 */
import type { OrganisationSpec } from './options';

export interface OrganisationSettings {
  baseCurrency: string;
  /** Enabled currencies, the base first. */
  currencies: string[];
  class: string;
  shortCode: string;
  periodLockDate: string | null;
  endOfYearLockDate: string | null;
}

export function resolveOrganisation(tenantId: string, spec: OrganisationSpec = {}): OrganisationSettings {
  const base = (spec.baseCurrency ?? 'SGD').toUpperCase();
  return {
    baseCurrency: base,
    currencies: [...new Set([base, ...(spec.currencies ?? ['USD']).map((c) => c.toUpperCase())])],
    class: spec.class ?? 'STANDARD',
    shortCode: spec.shortCode ?? `!${tenantId.slice(0, 5)}`,
    periodLockDate: spec.periodLockDate ?? null,
    endOfYearLockDate: spec.endOfYearLockDate ?? null,
  };
}

/** Changes the fields given (null clears a lock date); the base currency stays enabled. */
export function updateOrganisation(
  current: OrganisationSettings,
  spec: OrganisationSpec,
): OrganisationSettings {
  const base = (spec.baseCurrency ?? current.baseCurrency).toUpperCase();
  const listed = spec.currencies?.map((c) => c.toUpperCase()) ?? current.currencies;
  return {
    baseCurrency: base,
    currencies: [...new Set([base, ...listed])],
    class: spec.class ?? current.class,
    shortCode: spec.shortCode ?? current.shortCode,
    periodLockDate: spec.periodLockDate === undefined ? current.periodLockDate : spec.periodLockDate,
    endOfYearLockDate:
      spec.endOfYearLockDate === undefined ? current.endOfYearLockDate : spec.endOfYearLockDate,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2013-07-31" → "31-Jul-2013", as Xero's lock-date message prints it. */
function lockDay(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}-${MONTHS[Number(m) - 1]}-${y}`;
}

/** Why a document (or a payment) dated `day` is refused by the lock dates, or null. */
export function lockedDate(
  org: OrganisationSettings,
  day: string,
  what: 'document' | 'payment' = 'document',
): string | null {
  const { endOfYearLockDate: year, periodLockDate: period } = org;
  if (year !== null && day <= year)
    return `The ${what} date cannot be before the end of year lock date, currently set at ${lockDay(year)}`;
  if (period !== null && day <= period)
    return `The ${what} date cannot be before the period lock date, currently set at ${lockDay(period)}`;
  return null;
}

export function currencyRefused(org: OrganisationSettings, code: string): string | null {
  return org.currencies.includes(code)
    ? null
    : `The currency code ${code} is not valid for this organisation.`;
}

/**
 * Approved sales invoices a plan allows per calendar month of the invoice date (drafts and submitted ones are not
 * counted, nor credit notes): Starter, Early and Ignite 20, Simple 10 (Auxo's and Link My Books' help pages; Xero
 * Help: "5 approved sales invoices … each calendar month (however, you can have an unlimited number of draft or
 * historical invoices, bills and credit notes)" for the older Starter plan). Past it Xero refuses the approval:
 * "You have reached the limit of invoices you can approve." (XeroAPI/xero-node#548). Whether invoices dated in
 * long-past months count the same ("historical") is not documented: the simulator counts them by their month.
 */
export const MONTHLY_CAPS: Readonly<Record<string, number>> = { STARTER: 20, IGNITE: 20, SIMPLE: 10 };

export const INVOICE_CAP_REACHED = 'You have reached the limit of invoices you can approve.';

export function monthlyCap(org: OrganisationSettings): number | null {
  return MONTHLY_CAPS[org.class] ?? null;
}

const CURRENCY_NAMES: Record<string, string> = {
  AUD: 'Australian Dollar',
  EUR: 'Euro',
  GBP: 'British Pound',
  NZD: 'New Zealand Dollar',
  SGD: 'Singapore Dollar',
  USD: 'United States Dollar',
};

export function currencyName(code: string): string {
  return CURRENCY_NAMES[code] ?? code;
}
