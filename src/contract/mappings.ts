import { z } from 'zod';
import { CONTROL_MESSAGE, PRINTABLE_PATTERN } from '../text';
import { PostingMode } from './sync-request';
import { TrackingSetting } from './tracking';

/**
 * The business's mappings as a merchant edits them on the Manual Syncing page (and as the settings API checks
 * them, src/businesses/settings.ts builds on these): order tax codes to Xero tax types and rates, payment methods to
 * Xero bank accounts, the daily reserve, and locations or channels to Xero tracking options. Each code is also checked against the organisation in Xero.
 */

const ACCOUNT_CODE = /^[A-Za-z0-9._-]{1,10}$/;
const TAX_TYPE = /^[A-Za-z0-9_]{1,50}$/;
const RATE = /^\d{1,3}(\.\d{1,4})?$/;
/** At most 100, compared as text (a rate is never read through a float). */
const AT_MOST_100 = /^(\d{1,2}(\.\d{1,4})?|100(\.0{1,4})?)$/;

export const AccountCode = z
  .string()
  .regex(ACCOUNT_CODE, 'must be a Xero account code: 1 to 10 letters, digits, ".", "_" or "-" (e.g. "200")');
export const TaxTypeCode = z.string().regex(TAX_TYPE, 'must be a Xero TaxType such as "OUTPUTY24"');
export const mappingKey = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(50, `${what} must be at most 50 characters`)
    .regex(/^\S(.*\S)?$/, `${what} must not begin or end with spaces`)
    .regex(PRINTABLE_PATTERN, `${what} ${CONTROL_MESSAGE}`);

export const TaxMapping = z
  .object({
    taxType: TaxTypeCode,
    rate: z
      .string()
      .regex(RATE, 'must be the rate in percent as a decimal string, e.g. "9" or "9.5"')
      // zod runs a refine even after the regex failed: only a well-formed rate is compared.
      .refine((r) => !RATE.test(r) || AT_MOST_100.test(r), { message: 'must be at most 100' })
      .describe('The tax rate in percent, as a decimal string ("9"); must equal the Xero tax rate’s.'),
  })
  .strict();

export const TaxTypesSetting = z
  .record(mappingKey('an order tax code'), TaxMapping)
  .describe('Order tax code → Xero TaxType and its rate. Replaced as a whole by PATCH.');
export const PaymentAccountsSetting = z
  .record(mappingKey('a payment method'), AccountCode)
  .describe(
    'Payment method → Xero account that takes payments (a bank account). Replaced as a whole by PATCH.',
  );
export const DailyQuotaReserveSetting = z
  .number({ error: 'must be a whole number from 0 to 4999' })
  .int('must be a whole number from 0 to 4999')
  .min(0, 'must be a whole number from 0 to 4999')
  .max(4999, 'must be a whole number from 0 to 4999')
  .describe('Calls of the daily Xero quota left untouched for the platform’s real-time sync.');

export const PostingSetting = PostingMode.describe(
  'The posting mode a sync request uses when it does not name one: "per-order" or "daily-summary". A daily-summary default applies only to requests a summary can serve (POS with auto contacts, or a manual contact, and resyncPolicy "skip"); others post per order.',
);

/** How a daily summary groups its lines (issue 23): "account" (sales account, tax type, tracking) or also by product. */
export const SummaryLines = z.enum(['account', 'product'], {
  error:
    'must be "account" (lines per sales account, tax type and tracking option) or "product" (also per product)',
});
export type SummaryLines = z.infer<typeof SummaryLines>;

export const SummaryLinesSetting = SummaryLines.describe(
  'How daily summaries group their lines: "account" (default) one line per sales account, tax type and tracking option; "product" one per product (the order line’s sku, else its description) within those.',
);

/**
 * What the page shows and changes (GET and PATCH /api/business/mappings), with issue 23's default posting mode and
 * how its summaries group lines, and the tracking mapping (checked by the same settings update).
 */
export const MerchantSettings = z
  .object({
    taxTypes: TaxTypesSetting,
    paymentAccounts: PaymentAccountsSetting,
    dailyQuotaReserve: DailyQuotaReserveSetting,
    posting: PostingSetting,
    summaryLines: SummaryLinesSetting,
    tracking: TrackingSetting,
  })
  .strict();
export type MerchantSettings = z.infer<typeof MerchantSettings>;

export const MerchantSettingsPatch = MerchantSettings.partial().strict();
export type MerchantSettingsPatch = z.infer<typeof MerchantSettingsPatch>;
