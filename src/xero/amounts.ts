/**
 * Xero's arithmetic, reproduced exactly on Decimal4 bigints (see src/money.ts): a line amount is
 * round2(Quantity × UnitAmount − DiscountAmount); a line's tax is round2 of the rate applied to that line amount;
 * totals are sums of the rounded lines. Each value is rounded once from its exact rational value (half away from
 * zero), never via an intermediate 4-decimal rounding, which could move a half-cent case.
 */
import { formatDecimal, SCALE, type Decimal4 } from '../money';

export type LineAmountTypes = 'Exclusive' | 'Inclusive' | 'NoTax';

const CENT: Decimal4 = SCALE / 100n;
const HUNDRED_PERCENT: Decimal4 = 100n * SCALE;

/** numerator ÷ denominator rounded half away from zero to an integer. */
function roundRatio(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (2n * n + d) / (2n * d);
  return negative ? -q : q;
}

/** round2(quantity × unitAmount − discount), all Decimal4; the result is Decimal4 at whole cents. */
export function xeroLineAmount(quantity: Decimal4, unitAmount: Decimal4, discount: Decimal4): Decimal4 {
  const exact = quantity * unitAmount - discount * SCALE; // scale SCALE²
  return roundRatio(exact, SCALE * CENT) * CENT;
}

/** Xero's per-line tax for a line amount at `ratePercent` (Decimal4, 9% = 9.0000), rounded to the cent. */
export function xeroLineTax(lineAmount: Decimal4, ratePercent: Decimal4, type: LineAmountTypes): Decimal4 {
  if (type === 'NoTax' || ratePercent === 0n) return 0n;
  const denominator = type === 'Exclusive' ? HUNDRED_PERCENT : HUNDRED_PERCENT + ratePercent;
  return roundRatio(lineAmount * ratePercent, denominator * CENT) * CENT;
}

/** True when a Decimal4 amount is a whole number of cents. */
export function isWholeCents(value: Decimal4): boolean {
  return value % CENT === 0n;
}

export const ONE_CENT = CENT;

/** A Decimal4 as the shortest decimal text with at least `minDp` decimals: 1.5 -> "1.50" (minDp 2), 2 -> "2". */
export function decimalText(value: Decimal4, minDp: number): string {
  const full = formatDecimal(value, 4);
  const [whole, frac = ''] = full.split('.');
  const kept = frac.replace(/0+$/, '').padEnd(minDp, '0');
  return kept === '' ? (whole ?? '0') : `${whole}.${kept}`;
}

export function money2(value: Decimal4): string {
  return formatDecimal(value, 2);
}
