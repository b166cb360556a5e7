import { parseDecimal } from '../../src/money';

describe('parseDecimal, with its cache of recent texts', () => {
  it('answers a text the same amount every time, past the bound where the cache is emptied', () => {
    for (let i = 0; i < 5000; i++) expect(parseDecimal(`${i}.25`)).toBe(BigInt(i) * 10_000n + 2_500n);
    expect(parseDecimal('5.5')).toBe(55_000n);
    expect(parseDecimal('5.5')).toBe(55_000n);
    expect(parseDecimal(' -0.0001 ')).toBe(-1n);
  });

  it('refuses a text that is not a decimal every time it is asked (a refusal is never kept)', () => {
    for (let i = 0; i < 2; i++) {
      expect(() => parseDecimal('1.23456')).toThrow(RangeError);
      expect(() => parseDecimal('1e3')).toThrow('not a decimal amount: "1e3"');
    }
  });
});
