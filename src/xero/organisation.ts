/**
 * What a Xero organisation says of itself (GET /Organisation, GET /Currencies), as this product keeps it: its
 * lock dates, currencies, plan and short code, and the plain rules of those facts (which lock date binds, how Xero
 * writes a day, the plan's monthly cap). The engine's rules drawn from them are in src/engine/organisation-rules.ts.
 */

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
