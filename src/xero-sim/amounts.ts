import { formatDecimal, parseDecimal, type Decimal4 } from '../money';

/**
 * Money arithmetic for Xero's rules. All values are Decimal4 (bigint, 4 decimals). Divisions round half away from
 * zero exactly once, on the full-precision rational, so no amount is double-rounded.
 */

/** round(numerator / denominator), half away from zero. */
export function roundDiv(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (2n * d);
  return negative ? -q : q;
}

const CENT = 100n; // Decimal4 units per cent

/** A JSON number (or numeric string) from a request, rounded to `dp` decimals on its decimal text, never by float maths. */
export function inputDecimal(value: unknown, dp = 4): Decimal4 | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    text = /e/i.test(String(value)) ? value.toFixed(12) : String(value);
  } else if (typeof value === 'string' && value.trim() !== '') {
    text = value.trim();
  } else {
    return null;
  }
  const match = /^(-)?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === '' && !match[3])) return null;
  const [, sign = '', whole = '', frac = ''] = match;
  const digits = BigInt(`${whole || '0'}${frac.padEnd(8, '0').slice(0, 8)}`); // scale 1e8
  const step = 10n ** BigInt(8 - dp);
  const rounded = roundDiv(digits, step) * 10n ** BigInt(4 - dp);
  return sign ? -rounded : rounded;
}

/** Response edge: an exact decimal becomes a JSON number. */
export function jsonNumber(value: Decimal4, dp = 2): number {
  return Number(formatDecimal(value, dp));
}

export function decimal(text: string): Decimal4 {
  return parseDecimal(text);
}

/** Quantity × UnitAmount less a discount (rate in percent, or an amount), rounded to cents. */
export function lineAmount(
  quantity: Decimal4,
  unit: Decimal4,
  discountRate?: Decimal4,
  discountAmount?: Decimal4,
): Decimal4 {
  const gross = quantity * unit; // scale 1e8
  if (discountRate !== undefined)
    return roundDiv(gross * (1_000_000n - discountRate), 1_000_000_000_000n) * CENT;
  if (discountAmount !== undefined) return roundDiv(gross - discountAmount * 10_000n, 1_000_000n) * CENT;
  return roundDiv(gross, 1_000_000n) * CENT;
}

/** Tax on one line, rounded to cents: Xero rounds per line, then sums (developer.xero.com rounding-in-xero). */
export function lineTax(amount: Decimal4, ratePercent: Decimal4, inclusive: boolean): Decimal4 {
  if (ratePercent === 0n) return 0n;
  if (inclusive) return roundDiv(amount * ratePercent, 100n * (1_000_000n + ratePercent)) * CENT;
  return roundDiv(amount * ratePercent, 100_000_000n) * CENT;
}

/** Rounds to cents. */
export function toCents(value: Decimal4): Decimal4 {
  return roundDiv(value, CENT) * CENT;
}
