import { z } from 'zod';
import type { Account, TaxRate } from 'xero-node';
import type { Db } from '../db/pool';
import type { FieldProblem } from '../errors';
import { decimalFromNumber, formatDecimal, parseDecimal } from '../money';
import {
  AccountCode,
  DailyQuotaReserveSetting,
  InvoiceStatus,
  PaymentAccountsSetting,
  PostingSetting,
  SummaryLinesSetting,
  TaxMapping,
  TaxTypeCode,
  TaxTypesSetting,
  TrackingSetting,
} from '../contract';
import { validateSummaryTemplate, validateTemplate } from './invoice-number';
import { isValidTimeZone } from '../calendar';
import { CONTROL_MESSAGE, PRINTABLE_PATTERN } from '../text';
import { DEFAULT_SETTINGS } from './store';
import type { TrackingCategory } from 'xero-node';
import { checkTrackingAgainstXero, checkTrackingLocally } from './tracking';
import type { BusinessSettings } from './store';

/**
 * A business's settings as the API and the CLI see them: the invoice-mapping settings kept in
 * `businesses.settings` plus the business's time zone. The schemas check what needs no Xero; `checkAgainstXero`
 * checks account codes and tax types against the organisation's own Accounts and TaxRates.
 */

const accountCode = AccountCode;
const taxType = TaxTypeCode;
export { TaxMapping };

export const TimeZoneSetting = z
  .string()
  .refine(isValidTimeZone, { message: 'must be an IANA time zone such as "Asia/Singapore"' });

const settingsShape = {
  timeZone: TimeZoneSetting.describe(
    'IANA time zone of the business: order dates and batches are local to it.',
  ),
  salesAccountCode: accountCode.describe('Revenue account for the order lines.'),
  roundingAccountCode: accountCode.describe('Account of the rounding line (an active, non-bank account).'),
  taxTypes: TaxTypesSetting,
  noTaxType: taxType.describe('Xero TaxType (0%) for untaxed lines such as rounding.'),
  paymentAccounts: PaymentAccountsSetting,
  invoiceNumberTemplate: z
    .string()
    .max(255, 'must be at most 255 characters')
    .regex(PRINTABLE_PATTERN, CONTROL_MESSAGE)
    .superRefine((template, ctx) => {
      for (const message of validateTemplate(template)) ctx.addIssue({ code: 'custom', message });
    })
    .describe('Tokens: {CHANNEL}, {channel}, {number}, {id}, {location}; must contain {number} or {id}.'),
  walkInContactName: z
    .string()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters (Xero’s limit for a contact name)')
    .regex(/^\S(.*\S)?$/, 'must not begin or end with spaces')
    .regex(PRINTABLE_PATTERN, CONTROL_MESSAGE),
  invoiceStatus: InvoiceStatus,
  dailyQuotaReserve: DailyQuotaReserveSetting,
  dailyCallLimit: z
    .number({ error: 'must be a whole number from 1 to 1000000, or null' })
    .int('must be a whole number from 1 to 1000000, or null')
    .min(1, 'must be a whole number from 1 to 1000000, or null')
    .max(1_000_000, 'must be a whole number from 1 to 1000000, or null')
    .nullable()
    .describe(
      'The organisation’s daily Xero call limit for estimates (1000 on Xero’s Starter tier); null: the deployment’s XERO_DAILY_LIMIT, or what Xero’s headers showed.',
    ),
  tracking: TrackingSetting,
  posting: PostingSetting,
  summaryLines: SummaryLinesSetting,
  summaryNumberTemplate: z
    .string()
    .regex(PRINTABLE_PATTERN, CONTROL_MESSAGE)
    .superRefine((template, ctx) => {
      for (const message of validateSummaryTemplate(template)) ctx.addIssue({ code: 'custom', message });
    })
    .describe(
      'Numbers daily summaries (issue 23). Tokens: {CHANNEL}, {channel}, {LOCATION}, {DATE}, {CURRENCY}; must contain {CHANNEL}, {LOCATION} and {DATE}. An adjustment summary adds "-ADJ1", "-ADJ2", ...; a refund credit note "-CN".',
    ),
};

/** Every setting, as GET answers them. */
export const SettingsView = z.object(settingsShape).strict();
export type SettingsView = z.infer<typeof SettingsView>;

/** A partial update: each field given replaces the stored one; unknown fields are refused. */
export const SettingsPatch = z.object(settingsShape).partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/** The fields whose values must exist in the organisation (checked against Xero's Accounts and TaxRates). */
export const XERO_CHECKED_FIELDS = [
  'salesAccountCode',
  'roundingAccountCode',
  'paymentAccounts',
  'taxTypes',
  'noTaxType',
  'tracking',
] as const satisfies ReadonlyArray<keyof SettingsPatch>;

/** Equal as JSON values, whatever their keys' order (PostgreSQL's jsonb does not keep it). */
function same(a: unknown, b: unknown): boolean {
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/**
 * The part of a patch that Xero has to confirm: the checked fields whose values differ from the stored ones and,
 * of the mappings (replaced as a whole), only their new or changed entries. A patch that repeats what is stored,
 * or changes only local settings such as the reserve, needs no Xero call.
 */
export function changesToCheck(current: SettingsView, patch: SettingsPatch): SettingsPatch {
  const out: SettingsPatch = {};
  for (const field of XERO_CHECKED_FIELDS) {
    const next = patch[field];
    if (next === undefined || same(next, current[field])) continue;
    if (field === 'taxTypes' || field === 'paymentAccounts') {
      const before = current[field] as Record<string, unknown>;
      const entries = Object.entries(next).filter(([k, v]) => !same(v, before[k]));
      if (entries.length) Object.assign(out, { [field]: Object.fromEntries(entries) });
    } else Object.assign(out, { [field]: next });
  }
  // No tracking at all needs no Xero to confirm it.
  if (out.tracking?.length === 0) delete out.tracking;
  return out;
}

export function settingsView(timeZone: string, settings: BusinessSettings): SettingsView {
  return {
    timeZone,
    salesAccountCode: settings.salesAccountCode,
    roundingAccountCode: settings.roundingAccountCode,
    taxTypes: settings.taxTypes,
    noTaxType: settings.noTaxType,
    paymentAccounts: settings.paymentAccounts,
    invoiceNumberTemplate: settings.invoiceNumberTemplate,
    walkInContactName: settings.walkInContactName,
    invoiceStatus: settings.invoiceStatus,
    dailyQuotaReserve: settings.dailyQuotaReserve,
    dailyCallLimit: settings.dailyCallLimit,
    tracking: settings.tracking,
    posting: settings.posting,
    summaryLines: settings.summaryLines,
    summaryNumberTemplate: settings.summaryNumberTemplate,
  };
}

/** The settings after `patch`, as they would be stored. */
export function mergeSettings(current: SettingsView, patch: SettingsPatch): SettingsView {
  return { ...current, ...patch };
}

/**
 * Rules that hold between fields (invoice-mapping.ts relies on them): one Xero tax type has one rate, and the
 * no-tax type is 0%. Checked on the merged settings; reported on the patched field that breaks them.
 */
export function checkConsistency(merged: SettingsView, patch: SettingsPatch): FieldProblem[] {
  const problems: FieldProblem[] = patch.tracking ? checkTrackingLocally(patch.tracking) : [];
  const rateOf = new Map<string, { rate: bigint; code: string }>();
  for (const [code, m] of Object.entries(merged.taxTypes)) {
    const rate = parseDecimal(m.rate);
    const seen = rateOf.get(m.taxType);
    if (seen && seen.rate !== rate && patch.taxTypes)
      problems.push({
        path: `taxTypes.${code}.rate`,
        message: `Xero tax type ${m.taxType} is also mapped from "${seen.code}" at ${formatRate(seen.rate)}%; one Xero tax type has one rate.`,
      });
    if (!seen) rateOf.set(m.taxType, { rate, code });
  }
  const noTax = rateOf.get(merged.noTaxType);
  const touched = patch.taxTypes !== undefined || patch.noTaxType !== undefined;
  if (touched && noTax && noTax.rate !== 0n) {
    const path = patch.noTaxType !== undefined ? 'noTaxType' : `taxTypes.${noTax.code}.taxType`;
    problems.push({
      path,
      message: `${merged.noTaxType} is the no-tax type (0%), but tax code "${noTax.code}" maps it at ${formatRate(noTax.rate)}%; use another tax type for one of them.`,
    });
  }
  const limit = merged.dailyCallLimit;
  const quotaTouched = patch.dailyCallLimit !== undefined || patch.dailyQuotaReserve !== undefined;
  if (quotaTouched && limit !== null && merged.dailyQuotaReserve >= limit) {
    problems.push({
      path: patch.dailyQuotaReserve !== undefined ? 'dailyQuotaReserve' : 'dailyCallLimit',
      message: `the reserve (${merged.dailyQuotaReserve}) must be below the daily call limit (${limit}), or nothing is left for syncs; lower the reserve.`,
    });
  }
  return problems;
}

function formatRate(rate: bigint): string {
  return formatDecimal(rate, 4).replace(/\.?0+$/, '');
}

// ---------------------------------------------------------------------------------------------------------------
// Against the organisation

export interface ChartOfAccounts {
  accounts?: Account[];
  taxRates?: TaxRate[];
  /** Read only when the tracking setting changes (archived ones included, to name them). */
  trackingCategories?: TrackingCategory[];
}

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

function listed<T>(items: T[], describe: (item: T) => string, limit = 15): string {
  if (items.length === 0) return '(none)';
  const shown = items.slice(0, limit).map(describe).join(', ');
  return items.length > limit ? `${shown}, … (${items.length - limit} more)` : shown;
}

const accountLabel = (a: Account) => `${text(a.code)} (${text(a.name)})`;
const isActive = (a: Account) => text(a.status) === 'ACTIVE';
const isRevenue = (a: Account) => isActive(a) && text(a._class) === 'REVENUE';
const takesPayments = (a: Account) =>
  isActive(a) && (text(a.type) === 'BANK' || a.enablePaymentsToAccount === true);
const onInvoiceLine = (a: Account) => isActive(a) && text(a.type) !== 'BANK';

function checkAccount(
  accounts: Account[],
  path: string,
  code: string,
  role: { what: string; one: string; fits: (a: Account) => boolean; rule: string },
): FieldProblem[] {
  const fitting = accounts.filter(role.fits);
  const found = accounts.find((a) => text(a.code) === code);
  if (!found)
    return [
      {
        path,
        message: `Xero has no account with code "${code}"; known ${role.what}: ${listed(fitting, accountLabel)}.`,
      },
    ];
  if (!isActive(found))
    return [
      {
        path,
        message: `Xero account ${accountLabel(found)} is ${text(found.status)}; use an active ${role.one}: ${listed(fitting, accountLabel)}.`,
      },
    ];
  if (!role.fits(found))
    return [
      {
        path,
        message: `Xero account ${accountLabel(found)} is a ${text(found.type)} account of class ${text(found._class)}; ${role.rule}: ${listed(fitting, accountLabel)}.`,
      },
    ];
  return [];
}

const rateLabel = (r: TaxRate) => `${text(r.taxType)} (${r.effectiveRate ?? '?'}%)`;
const usableOnSales = (r: TaxRate) => text(r.status) === 'ACTIVE' && r.canApplyToRevenue === true;

/** The tax rate named `type` if it can be used on sales; otherwise the problem, naming it. */
function findTaxRate(rates: TaxRate[], path: string, type: string): TaxRate | FieldProblem {
  const usable = rates.filter(usableOnSales);
  const found = rates.find((r) => text(r.taxType) === type);
  if (!found)
    return { path, message: `Xero has no tax rate "${type}"; known: ${listed(usable, rateLabel)}.` };
  if (usableOnSales(found)) return found;
  const label = `Xero tax rate ${type} (${text(found.name)})`;
  return {
    path,
    message:
      text(found.status) !== 'ACTIVE'
        ? `${label} is ${text(found.status)}; use an active one: ${listed(usable, rateLabel)}.`
        : `${label} cannot be used on sales; use one of: ${listed(usable, rateLabel)}.`,
  };
}

/** Xero's rate in percent (EffectiveRate: what Xero computes invoice tax with), or undefined if unreadable. */
function percentOf(rate: TaxRate): bigint | undefined {
  try {
    return decimalFromNumber(Number(rate.effectiveRate ?? 0));
  } catch {
    return undefined;
  }
}

function checkTaxMapping(rates: TaxRate[], code: string, mapping: { taxType: string; rate: string }) {
  const found = findTaxRate(rates, `taxTypes.${code}.taxType`, mapping.taxType);
  if (!('taxType' in found)) return [found as FieldProblem];
  const given = parseDecimal(mapping.rate);
  const xero = percentOf(found);
  if (xero === given) return [];
  const actual = xero === undefined ? `unreadable (${found.effectiveRate})` : `${formatRate(xero)}%`;
  return [
    {
      path: `taxTypes.${code}.rate`,
      message: `Xero tax rate ${mapping.taxType} (${text(found.name)}) is ${actual}, not ${formatRate(given)}%; set the rate to "${xero === undefined ? '?' : formatRate(xero)}" or choose another tax type.`,
    },
  ];
}

function checkNoTaxType(rates: TaxRate[], type: string): FieldProblem[] {
  const found = findTaxRate(rates, 'noTaxType', type);
  if (!('taxType' in found)) return [found as FieldProblem];
  if (percentOf(found) === 0n) return [];
  const zero = rates.filter((r) => usableOnSales(r) && percentOf(r) === 0n);
  return [
    {
      path: 'noTaxType',
      message: `Xero tax rate ${type} (${text(found.name)}) is ${found.effectiveRate}%; the no-tax type must be a 0% rate: ${listed(zero, rateLabel)}.`,
    },
  ];
}

/** Checks the patched account codes and tax types against the organisation's Accounts and TaxRates. */
export function checkAgainstXero(patch: SettingsPatch, chart: ChartOfAccounts): FieldProblem[] {
  const accounts = chart.accounts ?? [];
  const rates = chart.taxRates ?? [];
  const problems: FieldProblem[] = [];
  if (patch.salesAccountCode !== undefined)
    problems.push(
      ...checkAccount(accounts, 'salesAccountCode', patch.salesAccountCode, {
        what: 'revenue accounts',
        one: 'revenue account',
        fits: isRevenue,
        rule: 'the sales account must be a revenue account',
      }),
    );
  if (patch.roundingAccountCode !== undefined)
    problems.push(
      ...checkAccount(accounts, 'roundingAccountCode', patch.roundingAccountCode, {
        what: 'accounts',
        one: 'non-bank account',
        fits: onInvoiceLine,
        rule: 'Xero does not accept a bank account on an invoice line; use',
      }),
    );
  for (const [method, code] of Object.entries(patch.paymentAccounts ?? {}))
    problems.push(
      ...checkAccount(accounts, `paymentAccounts.${method}`, code, {
        what: 'accounts that take payments',
        one: 'account that takes payments',
        fits: takesPayments,
        rule: 'a payment account must be a BANK account or have "Enable payments to this account" set',
      }),
    );
  for (const [code, m] of Object.entries(patch.taxTypes ?? {}))
    problems.push(...checkTaxMapping(rates, code, m));
  if (patch.noTaxType !== undefined) problems.push(...checkNoTaxType(rates, patch.noTaxType));
  if (patch.tracking !== undefined)
    problems.push(...checkTrackingAgainstXero(patch.tracking, chart.trackingCategories ?? []));
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Storage

/**
 * Applies a (validated) patch in one statement: the time zone to its column, the rest merged key by key into
 * `settings`, so two patches of different fields never undo each other. Null when the business does not exist.
 */
export async function saveSettings(
  db: Db,
  businessId: string,
  patch: SettingsPatch,
): Promise<{ timeZone: string; settings: BusinessSettings } | null> {
  const { timeZone, ...rest } = patch;
  const { rows } = await db.query<{ time_zone: string; settings: Partial<BusinessSettings> }>(
    `UPDATE businesses SET time_zone = COALESCE($2, time_zone), settings = settings || $3::jsonb,
       updated_at = now()
     WHERE id = $1 RETURNING time_zone, settings`,
    [businessId, timeZone ?? null, JSON.stringify(rest)],
  );
  const row = rows[0];
  if (!row) return null;
  return { timeZone: row.time_zone, settings: { ...DEFAULT_SETTINGS, ...row.settings } };
}
