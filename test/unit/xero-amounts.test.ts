import { parseDecimal } from '../../src/money';
import { decimalText, xeroLineAmount, xeroLineTax } from '../../src/xero/amounts';

const d = parseDecimal;
const text = (v: bigint): string => decimalText(v, 2);

describe('xeroLineAmount', () => {
  it('rounds quantity × unit amount − discount half away from zero to the cent', () => {
    expect(text(xeroLineAmount(d('1'), d('0.005'), 0n))).toBe('0.01');
    expect(text(xeroLineAmount(d('3'), d('0.3350'), 0n))).toBe('1.01'); // 1.005
    expect(text(xeroLineAmount(d('1'), d('0.0049'), 0n))).toBe('0.00');
    expect(text(xeroLineAmount(d('2'), d('5.00'), d('1.50')))).toBe('8.50');
  });

  it('multiplies 4-decimal quantities and unit amounts exactly before the single rounding', () => {
    // 0.3333 × 1.4999 = 0.49991667 -> 0.50
    expect(text(xeroLineAmount(d('0.3333'), d('1.4999'), 0n))).toBe('0.50');
    // 0.0001 × 49.9999 = 0.00499999 -> 0.00; rounding to 4 decimals first would give 0.0050 -> 0.01
    expect(text(xeroLineAmount(d('0.0001'), d('49.9999'), 0n))).toBe('0.00');
  });
});

describe('xeroLineTax', () => {
  it('rounds exclusive tax half away from zero (0.50 at 9% = 0.045 -> 0.05)', () => {
    expect(text(xeroLineTax(d('0.50'), d('9'), 'Exclusive'))).toBe('0.05');
    expect(text(xeroLineTax(d('0.05'), d('9'), 'Exclusive'))).toBe('0.00');
  });

  it('extracts inclusive tax as amount × rate / (100 + rate)', () => {
    expect(text(xeroLineTax(d('10.90'), d('9'), 'Inclusive'))).toBe('0.90');
    expect(text(xeroLineTax(d('1.00'), d('9'), 'Inclusive'))).toBe('0.08'); // 0.0826
  });

  it('rounds tax once from the exact value, never through 4 decimals (0.07 at 7.1428% = 0.00499996)', () => {
    expect(text(xeroLineTax(d('0.07'), d('7.1428'), 'Exclusive'))).toBe('0.00');
  });

  it('charges no tax for NoTax lines or a zero rate', () => {
    expect(xeroLineTax(d('10.00'), d('9'), 'NoTax')).toBe(0n);
    expect(xeroLineTax(d('10.00'), 0n, 'Exclusive')).toBe(0n);
  });
});

describe('decimalText', () => {
  it('writes the shortest text with a minimum number of decimals', () => {
    expect(decimalText(d('2'), 0)).toBe('2');
    expect(decimalText(d('0.125'), 0)).toBe('0.125');
    expect(decimalText(d('1.5'), 2)).toBe('1.50');
    expect(decimalText(d('12.3456'), 2)).toBe('12.3456');
    expect(decimalText(d('-0.01'), 2)).toBe('-0.01');
  });
});
