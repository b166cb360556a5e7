import { parseOrderLine } from '../../src/orders/import';
import { MAX_JSON_DEPTH, unprintableFields } from '../../src/text';

describe('unprintableFields: every unprintable string and every over-deep value, without recursion', () => {
  it('names each problem by its path, keys before their values, in document order', () => {
    const problems = unprintableFields({ a: 'ok\u0000', 'k\u0007': ['x', 'y\u0001'], z: [{ q: '\ud800' }] });
    expect(problems.map((p) => p.path.join('.'))).toEqual(['a', 'k\\x07', 'k\\x07.1', 'z.0.q']);
    expect(problems[1]!.message).toMatch(/^key /);
  });

  it('answers a value nested 100,000 deep with one problem at the depth bound, not a stack overflow', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    const problems = unprintableFields(deep);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toHaveLength(MAX_JSON_DEPTH);
    expect(problems[0]!.message).toMatch(/nested more than 32 levels/);
    const objects = JSON.parse('{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000)) as unknown;
    expect(unprintableFields(objects)[0]!.path.join('.')).toBe(Array(MAX_JSON_DEPTH).fill('a').join('.'));
  });

  it('lets a value nested exactly to the bound through', () => {
    const atBound = JSON.parse('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)) as unknown;
    expect(unprintableFields(atBound)).toEqual([]);
  });

  it('an import line nested thousands deep is refused with the field, never thrown', () => {
    const line = JSON.stringify({ id: 'ord_1', lines: 'X' }).replace(
      '"X"',
      '['.repeat(5000) + ']'.repeat(5000),
    );
    const parsed = parseOrderLine(line);
    expect(parsed).toEqual({ reason: expect.stringMatching(/^lines(\.0)+: is nested more than 32 levels/) });
  });
});
