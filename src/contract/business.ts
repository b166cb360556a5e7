import { z } from 'zod';
import { CONTROL_MESSAGE, PRINTABLE_PATTERN } from '../text';
import { Channel, DailyLimitView } from './sync-request';

/**
 * What /api/business and /api/xero/contacts answer: the API key's business, its Xero connection and organisation,
 * its locations, and the organisation's contacts (the manual-contact picker). The API validates and documents
 * with them (src/api/business, src/api/xero); the page client reads their types.
 */

const Day = z.string().describe('YYYY-MM-DD');

/** A business's Xero connection as the API and the page show it: its status and organisation, never a token. */
export const XeroConnectionView = z.object({
  status: z
    .enum(['not_connected', 'active', 'needs_reconnect', 'disconnected'])
    .describe('needs_reconnect: Xero refused the connection; connect again (requests wait meanwhile).'),
  kind: z.enum(['oauth', 'custom']).nullable().describe('OAuth 2.0 app connection or Custom Connection.'),
  tenantId: z.string().nullable().describe('The connected Xero organisation.'),
  tenantName: z.string().nullable(),
  lastError: z.string().nullable(),
});
export type XeroConnectionView = z.infer<typeof XeroConnectionView>;

export const OrganisationView = z.object({
  name: z.string().nullable(),
  readAt: z.string().describe('When GET /Organisation answered (ISO 8601).'),
  baseCurrency: z.string(),
  currencies: z
    .array(z.string())
    .nullable()
    .describe('Enabled currencies (GET /Currencies); null: not read yet (read only when an order needs it).'),
  currenciesReadAt: z.string().nullable(),
  shortCode: z.string().nullable(),
  planClass: z
    .string()
    .nullable()
    .describe('Organisation.Class: the Xero plan (STARTER, STANDARD, IGNITE, …).'),
  monthlyInvoiceCap: z
    .number()
    .int()
    .nullable()
    .describe('Sales invoices the plan approves per calendar month of invoice date; null: no cap known.'),
  periodLockDate: Day.nullable(),
  endOfYearLockDate: Day.nullable(),
  lockDate: Day.nullable().describe(
    'The later of the two: documents dated on or before it are not written (both bind, an adviser’s connection too).',
  ),
});
export type OrganisationView = z.infer<typeof OrganisationView>;

export const BusinessView = z.object({
  id: z.string(),
  name: z.string(),
  timeZone: z.string(),
  xero: XeroConnectionView,
  dailyLimit: DailyLimitView.describe(
    'The organisation’s daily Xero call limit that estimates use, and its source.',
  ),
  organisation: OrganisationView.nullable().describe(
    'What the connected Xero organisation last said of itself (GET /Organisation, GET /Currencies), with when; null before it was first read (a request’s start, a preview, a settings check).',
  ),
});
export type BusinessView = z.infer<typeof BusinessView>;

export const LocationView = z.object({
  id: z.string(),
  name: z.string(),
  channels: z.array(Channel).describe('The channels the location has orders in.'),
});
export type LocationView = z.infer<typeof LocationView>;

export const LocationsView = z.object({ items: z.array(LocationView) });
export type LocationsView = z.infer<typeof LocationsView>;

export const ContactsQuery = z
  .object({
    search: z
      .string()
      .trim()
      .min(2, 'must be at least 2 characters of the contact’s name, email or account number')
      .max(100, 'must be at most 100 characters')
      .regex(PRINTABLE_PATTERN, CONTROL_MESSAGE),
    includeArchived: z
      .enum(['true', 'false'], { error: 'must be "true" or "false"' })
      .default('false')
      .transform((v) => v === 'true'),
  })
  .strict();

export const ContactSummary = z.object({
  contactId: z.string(),
  name: z.string(),
  status: z.string().describe('ACTIVE or ARCHIVED (an archived contact cannot be the manual contact).'),
  email: z.string().nullable(),
  accountNumber: z.string().nullable(),
});
export type ContactSummary = z.infer<typeof ContactSummary>;

export const ContactsResult = z.object({
  items: z.array(ContactSummary),
  cached: z.boolean().describe('true when answered from the local index without calling Xero.'),
});
export type ContactsResult = z.infer<typeof ContactsResult>;
