import { divDecimal, sumDecimal, type Decimal4 } from '../money';
import { inputDecimal, lineAmount, lineTax, toCents } from './amounts';
import { parseXeroDay } from './clock';
import { isRecord, newId, str } from './context';
import { currencyRefused } from './organisation';
import type { LineAmountType, StoredLine, TenantState } from './state';
import { resolveLineTracking } from './tracking';

/** Lines, tax and totals the way Xero computes them, shared by invoices and credit notes. */

const LINE_AMOUNT_TYPES: LineAmountType[] = ['Exclusive', 'Inclusive', 'NoTax'];

export function parseLineAmountTypes(value: unknown, errors: string[]): LineAmountType | undefined {
  if (value === undefined) return undefined;
  const match = LINE_AMOUNT_TYPES.find((t) => t.toLowerCase() === String(value).toLowerCase());
  if (!match) errors.push(`LineAmountTypes '${String(value)}' is not valid.`);
  return match;
}

/** The document's currency: one the organisation has enabled, else refused; its base currency when not given. */
export function parseCurrency(tenant: TenantState, value: unknown, errors: string[]): string | undefined {
  if (value === undefined) return undefined;
  const code = String(value).toUpperCase();
  const refused = currencyRefused(tenant.organisation, code);
  if (refused) errors.push(refused);
  return code;
}

export function parseDay(value: unknown, field: string, errors: string[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  const day = parseXeroDay(value);
  if (!day) errors.push(`${field} is not a valid date.`);
  return day ?? undefined;
}

export interface LineRules {
  tenant: TenantState;
  lineAmountTypes: LineAmountType;
  unitdp: number;
  /** Approved documents need an account on every line; drafts may be incomplete. */
  requireAccount: boolean;
  /**
   * Only ACCREC invoices take line discounts: "ACCPAY invoices and credit notes in Xero do not support discounts"
   * (OpenAPI LineItem.DiscountAmount/DiscountRate). Elsewhere they are ignored: not stored, not in the amounts.
   */
  discounts: boolean;
}

function optionalDecimal(
  raw: Record<string, unknown>,
  key: string,
  dp: number,
  errors: string[],
): Decimal4 | undefined {
  if (raw[key] === undefined || raw[key] === null) return undefined;
  const value = inputDecimal(raw[key], dp);
  if (value === null) errors.push(`${key} must be a number.`);
  return value ?? undefined;
}

function taxTypeFor(
  rules: LineRules,
  raw: Record<string, unknown>,
  accountCode: string | undefined,
  errors: string[],
) {
  if (rules.lineAmountTypes === 'NoTax') return { taxType: 'NONE', rate: 0n };
  const taxType =
    str(raw.TaxType) ?? (accountCode ? rules.tenant.account(accountCode)?.TaxType : undefined) ?? 'NONE';
  const rate = rules.tenant.taxRate(taxType);
  if (!rate || rate.Status !== 'ACTIVE' || !rate.CanApplyToRevenue) {
    errors.push(`The TaxType code ${taxType} does not exist or cannot be used for this type of transaction.`);
    return { taxType, rate: 0n };
  }
  return { taxType, rate: rate.rate };
}

function checkAccount(rules: LineRules, accountCode: string | undefined, errors: string[]): void {
  if (accountCode === undefined) {
    if (rules.requireAccount)
      errors.push('Account code must be specified for each line item of an approved document.');
    return;
  }
  const account = rules.tenant.account(accountCode);
  if (!account || account.Status !== 'ACTIVE' || account.Type === 'BANK') {
    errors.push(`Account code '${accountCode}' is not a valid code for this document.`);
  }
}

/** "If you wish to omit either the Quantity or UnitAmount you can provide a LineAmount and Xero will calculate the
 * missing amount for you" (OpenAPI LineItem.LineAmount). */
function quantityAndUnit(rules: LineRules, raw: Record<string, unknown>, errors: string[]) {
  const givenLine = optionalDecimal(raw, 'LineAmount', 2, errors);
  let quantity = optionalDecimal(raw, 'Quantity', 4, errors);
  let unit = optionalDecimal(raw, 'UnitAmount', rules.unitdp, errors);
  if (givenLine !== undefined && quantity === undefined && unit !== undefined && unit !== 0n)
    quantity = divDecimal(givenLine, unit);
  quantity ??= 10_000n;
  if (unit === undefined && givenLine !== undefined && quantity !== 0n)
    unit = (givenLine * 10_000n) / quantity;
  return { quantity, unit: unit ?? 0n };
}

/** "Description needs to be at least 1 char long" (OpenAPI LineItem.Description). */
export const EMPTY_DESCRIPTION = 'Description needs to be at least 1 char long.';

function buildLine(rules: LineRules, raw: Record<string, unknown>, errors: string[]): StoredLine {
  const { quantity, unit } = quantityAndUnit(rules, raw, errors);
  const discountRate = rules.discounts ? optionalDecimal(raw, 'DiscountRate', 2, errors) : undefined;
  const discountAmount = rules.discounts ? optionalDecimal(raw, 'DiscountAmount', 2, errors) : undefined;
  if (raw.Description === '') errors.push(EMPTY_DESCRIPTION);
  const accountCode = str(raw.AccountCode);
  checkAccount(rules, accountCode, errors);
  const tracking = resolveLineTracking(rules.tenant.trackingCategories, raw.Tracking, errors);
  const amount = lineAmount(quantity, unit, discountRate, discountAmount);
  const { taxType, rate } = taxTypeFor(rules, raw, accountCode, errors);
  const givenTax = optionalDecimal(raw, 'TaxAmount', 2, errors);
  const inclusive = rules.lineAmountTypes === 'Inclusive';
  const tax = rules.lineAmountTypes === 'NoTax' ? 0n : (givenTax ?? lineTax(amount, rate, inclusive));
  return {
    LineItemID: (str(raw.LineItemID) ?? newId()).toLowerCase(),
    Description: str(raw.Description),
    Quantity: quantity,
    UnitAmount: unit,
    ItemCode: str(raw.ItemCode),
    AccountCode: accountCode,
    TaxType: taxType,
    TaxAmount: tax,
    LineAmount: amount,
    DiscountRate: discountRate,
    DiscountAmount: discountAmount,
    Tracking: tracking,
  };
}

export function buildLines(rules: LineRules, raw: unknown, errors: string[]): StoredLine[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    errors.push('LineItems must be a list.');
    return [];
  }
  return raw.filter(isRecord).map((line) => buildLine(rules, line, errors));
}

export interface Totals {
  SubTotal: Decimal4;
  TotalTax: Decimal4;
  Total: Decimal4;
  TotalDiscount: Decimal4;
}

/** Tax per line rounded to cents, then summed; Inclusive line amounts already contain their tax. */
export function computeTotals(lines: StoredLine[], lineAmountTypes: LineAmountType): Totals {
  const lineSum = sumDecimal(lines.map((l) => l.LineAmount));
  const tax = sumDecimal(lines.map((l) => l.TaxAmount));
  const discount = sumDecimal(
    lines.map((l) =>
      l.DiscountRate === undefined && l.DiscountAmount === undefined
        ? 0n
        : toCents((l.Quantity * l.UnitAmount) / 10_000n) - l.LineAmount,
    ),
  );
  if (lineAmountTypes === 'Inclusive')
    return { SubTotal: lineSum - tax, TotalTax: tax, Total: lineSum, TotalDiscount: discount };
  return { SubTotal: lineSum, TotalTax: tax, Total: lineSum + tax, TotalDiscount: discount };
}

/** A Total sent by the client must match Xero's own sum of the lines (xero-facts.md, rounding). */
export function checkGivenTotal(raw: Record<string, unknown>, totals: Totals, errors: string[]): void {
  if (raw.Total === undefined || raw.Total === null) return;
  const given = inputDecimal(raw.Total, 2);
  if (given === null || given !== totals.Total)
    errors.push('The invoice total does not equal the sum of the lines.');
}
