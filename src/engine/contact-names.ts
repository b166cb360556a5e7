/**
 * Which Xero contact an order's invoice goes to, and how to find that contact again without creating a duplicate.
 *
 * Contact key: Xero refuses a second active contact whose name differs only in letter case ("The contact name X is
 * already assigned to another contact"), and `Name.ToLower()=="x"` is how its API matches that way. So our key is the
 * normalised name (NFC, trimmed, inner whitespace collapsed) lower-cased with `toLowerCase()` (locale-independent,
 * like .NET's ToLower under the invariant culture). We do not fold accents: "Cafe" and "Café" are different keys.
 * If Xero's check is looser than our key, creating the contact fails with that "already assigned" message and the
 * caller falls back to looking the name up, so a wrong guess here costs a call, never a duplicate.
 */
import type { Order } from '../orders/schema';

/**
 * - `by-channel`: POS orders go to one contact per location; online/b2b orders to the customer (walk-in if none).
 * - `customer`: the customer whenever the order names one, otherwise as `by-channel`.
 * - `single`: every order goes to the walk-in contact (fewest contact calls).
 */
export type ContactMode = 'by-channel' | 'customer' | 'single';

export type ContactLookup =
  { kind: 'where'; where: string; key: string } | { kind: 'searchTerm'; searchTerm: string; key: string };

/** NFC, trimmed, and every run of whitespace (tabs, no-break and ideographic spaces included) made one space. */
export function normaliseContactName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ');
}

export function contactKey(name: string): string {
  return normaliseContactName(name).toLowerCase();
}

/** True when a contact returned by Xero is the one we look for (apply to every lookup result). */
export function isSameContact(xeroName: string, key: string): boolean {
  return contactKey(xeroName) === key;
}

/** The contact name for an order, normalised. */
export function contactNameFor(
  order: Pick<Order, 'channel' | 'location' | 'customer'>,
  mode: ContactMode,
  walkInName: string,
): string {
  return normaliseContactName(spelledContactNameFor(order, mode, walkInName));
}

/** The contact name for an order as the order spells it (the preview shows spellings that clash). */
export function spelledContactNameFor(
  order: Pick<Order, 'channel' | 'location' | 'customer'>,
  mode: ContactMode,
  walkInName: string,
): string {
  const customer = order.customer?.name ?? '';
  const named = normaliseContactName(customer) !== '';
  switch (mode) {
    case 'single':
      return walkInName;
    case 'customer':
      if (named) return customer;
      return order.channel === 'pos' ? order.location.name : walkInName;
    case 'by-channel':
      if (order.channel === 'pos') return order.location.name;
      return named ? customer : walkInName;
  }
}

/** "Full name of contact/organisation (max length = 255)" (Xero's OpenAPI document, Contact.Name). */
export const MAX_CONTACT_NAME_LENGTH = 255;

/**
 * Why Xero would refuse this contact name, or null. Checked before any call, so the order fails with our
 * message instead of Xero's; a name is never cut, since a shortened name could match someone else's contact.
 */
export function contactNameProblem(name: string): string | null {
  if (name.length <= MAX_CONTACT_NAME_LENGTH) return null;
  return `Contact name "${name.slice(0, 40)}…" is ${name.length} characters; Xero allows ${MAX_CONTACT_NAME_LENGTH}. Shorten the location or customer name, or use a manual contact.`;
}

// Xero's `where` parser has no escape for a double quote (QueryParseException, ErrorNumber 16); a backslash is not
// documented either, so both go through searchTerm.
const UNSAFE_IN_WHERE = /["\\]/;

/**
 * How to look a contact up by name. `where` matches case-insensitively like Xero's uniqueness check. `searchTerm`
 * is a case-insensitive contains-search over several fields, so its results are a superset: the caller MUST keep
 * only results for which `isSameContact(result.Name, key)` holds (harmless to apply to `where` results too).
 * URL-encoding (`&`, `+`, non-ASCII) is the HTTP client's job; these strings are raw.
 */
export function contactLookupQuery(name: string): ContactLookup {
  const key = contactKey(name);
  if (!UNSAFE_IN_WHERE.test(key)) return { kind: 'where', where: `Name.ToLower()=="${key}"`, key };
  // The longest stretch without the troublesome characters still contains-matches the contact and avoids
  // depending on how searchTerm treats quotes.
  const pieces = key.split(UNSAFE_IN_WHERE).map((p) => p.trim());
  const longest = pieces.reduce((a, b) => (b.length > a.length ? b : a), '');
  return { kind: 'searchTerm', searchTerm: longest !== '' ? longest : key, key };
}
