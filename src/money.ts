/**
 * Exact decimal money. Amounts are bigints in ten-thousandths (4 decimals, Xero's `unitdp=4` precision), so no
 * amount ever passes through a JavaScript float. Convert at the edges with `parseDecimal` / `formatDecimal`.
 */
export type Decimal4 = bigint;

export const SCALE = 10_000n;
const DECIMAL = /^(-)?(\d+)(?:\.(\d{1,4}))?$/;

// Amounts repeat (a menu's prices, quantities, tax rates): the engine parses the same few texts for every order, so
// recent ones are kept (issue 24: parsing was about 3 % of the worker's CPU per Xero call). Bounded: emptied when full.
const PARSED = new Map<string, Decimal4>();
const PARSED_MAX = 4096;

/** "11.5" -> 115000n. Throws on anything that is not a plain decimal with at most 4 decimals. */
export function parseDecimal(text: string): Decimal4 {
  let value = PARSED.get(text);
  if (value === undefined) {
    value = parseText(text);
    if (PARSED.size >= PARSED_MAX) PARSED.clear();
    PARSED.set(text, value);
  }
  return value;
}

function parseText(text: string): Decimal4 {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(text)}`);
  const [, sign, whole, frac = ''] = match;
  const value = BigInt(whole ?? '0') * SCALE + BigInt(frac.padEnd(4, '0'));
  return sign ? -value : value;
}

/**
 * Accepts a JSON number only where it is exactly representable with 4 decimals (quantities, tax rates
 * that Xero sends as numbers); it goes through its shortest decimal text, never through arithmetic.
 */
export function decimalFromNumber(value: number): Decimal4 {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const text = Number.isInteger(value) ? String(value) : value.toFixed(4).replace(/0+$/, '');
  const back = parseDecimal(text);
  if (Number(formatDecimal(back, 4)) !== value) throw new RangeError(`${value} has more than 4 decimals`);
  return back;
}

/** Rounds half away from zero to `dp` decimals (0..4), as Xero rounds line and tax amounts. */
export function roundDecimal(value: Decimal4, dp: number): Decimal4 {
  const step = 10n ** BigInt(4 - dp);
  const half = step / 2n;
  const magnitude = value < 0n ? -value : value;
  const rounded = ((magnitude + half) / step) * step;
  return value < 0n ? -rounded : rounded;
}

/** a × b, both at 4 decimals, result rounded half away from zero to 4 decimals. */
export function mulDecimal(a: Decimal4, b: Decimal4): Decimal4 {
  return divRound(a * b, SCALE);
}

/** a ÷ b at 4 decimals, rounded half away from zero. */
export function divDecimal(a: Decimal4, b: Decimal4): Decimal4 {
  if (b === 0n) throw new RangeError('division by zero');
  return divRound(a * SCALE, b);
}

function divRound(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (2n * d);
  return negative ? -q : q;
}

/** 115000n -> "11.50" (dp=2). The value is rounded to `dp` first. */
export function formatDecimal(value: Decimal4, dp = 2): string {
  const rounded = roundDecimal(value, dp);
  const magnitude = rounded < 0n ? -rounded : rounded;
  const whole = magnitude / SCALE;
  const frac = (magnitude % SCALE).toString().padStart(4, '0').slice(0, dp);
  return `${rounded < 0n ? '-' : ''}${whole}${dp > 0 ? `.${frac}` : ''}`;
}

export function sumDecimal(values: Iterable<Decimal4>): Decimal4 {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}
