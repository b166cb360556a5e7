import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { proseOfScope, statesARule, type Prose } from './support/openapi-prose';

/** Keeps src/xero-sim/OPENAPI-RULES.md (the rules in the prose of Xero's OpenAPI document) true and complete. */
const RULES_FILE = path.resolve(__dirname, '../../src/xero-sim/OPENAPI-RULES.md');
const TEST_DIR = path.resolve(__dirname, '..');

interface Row {
  line: number;
  where: string;
  excerpt: string;
  simulator: string;
  product: string;
  tests: string[];
}

function rowsOf(markdown: string): Row[] {
  return markdown
    .split('\n')
    .filter((l) => /^\|\s*\d+\s*\|/.test(l))
    .map((l) => {
      const [line = '', where = '', says = '', simulator = '', product = '', tests = ''] = l
        .replace(/^\|/, '')
        .replace(/\|\s*$/, '')
        .split(' | ')
        .map((c) => c.trim());
      return {
        line: Number(line),
        where,
        excerpt: /"(.*)"/.exec(says)?.[1] ?? '',
        simulator,
        product,
        tests: [...tests.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''),
      };
    });
}

function testSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testSources(full);
    return entry.name.endsWith('.test.ts') ? [readFileSync(full, 'utf8')] : [];
  });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const normal = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Everything wrong with the list, as sentences; [] when it is true and complete. */
function problemsOf(rows: Row[], prose: Prose[], sources: string[]): string[] {
  const byLine = new Map(prose.map((p) => [p.line, p]));
  const listed = new Set(rows.map((r) => r.line));
  const problems: string[] = [];
  for (const row of rows) {
    const text = byLine.get(row.line)?.text;
    if (!text) problems.push(`line ${row.line} (${row.where}) is not a description in scope`);
    else if (!row.excerpt || !normal(text).includes(normal(row.excerpt)))
      problems.push(`line ${row.line} (${row.where}) does not say "${row.excerpt}"`);
    const modelled = row.simulator.startsWith('modelled');
    if (row.product.startsWith('affects') && !modelled)
      problems.push(`line ${row.line} (${row.where}) affects the product but is not modelled`);
    if ((modelled || row.product.startsWith('affects')) && row.tests.length === 0)
      problems.push(`line ${row.line} (${row.where}) names no test`);
    for (const title of row.tests) {
      const call = new RegExp(`\\b(it|test)(\\.each\\([\\s\\S]*?\\))?\\(\\s*(['"\`])${escape(title)}\\3`);
      if (!sources.some((source) => call.test(source)))
        problems.push(`line ${row.line} (${row.where}) names a test that does not exist: ${title}`);
    }
  }
  for (const p of prose)
    if (statesARule(p.text) && !listed.has(p.line)) problems.push(`line ${p.line} (${p.pointer}) has no row`);
  return problems;
}

describe('the list of rules in the prose of the OpenAPI document (src/xero-sim/OPENAPI-RULES.md)', () => {
  const rows = rowsOf(readFileSync(RULES_FILE, 'utf8'));
  const prose = proseOfScope();
  const sources = testSources(TEST_DIR);

  it('quotes each rule from its line, lists every description with a rule word, and models and tests every rule that affects the product', () => {
    expect(rows.length).toBeGreaterThan(50);
    expect(prose.length).toBeGreaterThan(200);
    expect(problemsOf(rows, prose, sources)).toEqual([]);
  });

  it('notices a wrong quote, a missing row, an unmodelled rule that affects the product and a test that does not exist (negative control)', () => {
    const discount = rows.find((r) => r.where === 'LineItem.DiscountAmount')!;
    const broken: Row[] = [
      ...rows.filter((r) => r !== discount && r.where !== 'Contact.Name'),
      { ...discount, excerpt: 'credit notes support discounts' },
      { ...discount, line: 20722, simulator: 'not modelled' },
      { ...discount, tests: ['a test nobody wrote'] },
    ];
    expect(problemsOf(broken, prose, sources)).toEqual([
      'line 20727 (LineItem.DiscountAmount) does not say "credit notes support discounts"',
      'line 20722 (LineItem.DiscountAmount) does not say "Only supported on ACCREC invoices and quotes. ACCPAY invoices and credit notes in Xero do not support discounts."',
      'line 20722 (LineItem.DiscountAmount) affects the product but is not modelled',
      'line 20727 (LineItem.DiscountAmount) names a test that does not exist: a test nobody wrote',
      'line 21208 (#/components/schemas/Contact/properties/Name/description) has no row',
    ]);
  });
});
