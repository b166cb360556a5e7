import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { importOrdersFile } from '../../src/orders/import';
import { generateDemoOrders } from '../../src/orders/seed';
import { listOrdersPage } from '../../src/orders/store';
import { createTestDatabase } from '../support/harness';
import type { TestDatabase } from '../support/harness';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

const GOOD = {
  id: 'ord_1001',
  number: '1001',
  businessId: 'biz_import',
  channel: 'pos',
  location: { id: 'loc_clementi', name: 'Clementi Branch' },
  customer: { name: 'John Doe', email: 'john@example.com' },
  placedAt: '2026-03-14T10:22:00+08:00',
  currency: 'SGD',
  pricesIncludeTax: true,
  lines: [
    { sku: 'LATTE', description: 'Latte', quantity: 2, unitPrice: '5.50', discount: '0.00', taxCode: 'GST9' },
  ],
  total: '11.00',
  payments: [{ method: 'card', amount: '11.00', paidAt: '2026-03-14T10:22:05+08:00' }],
  status: 'completed',
};

function writeNdjson(lines: string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xms-orders-'));
  const file = path.join(dir, 'orders.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('orders import', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('accepts the platform shape as is, reports malformed lines by number and still loads the rest', async () => {
    const file = writeNdjson([
      JSON.stringify(GOOD),
      '{"id": "broken"',
      JSON.stringify({ ...GOOD, id: 'ord_1002', channel: 'kiosk' }),
      JSON.stringify({ ...GOOD, id: 'ord_1003', total: 11.0 }),
      JSON.stringify({ ...GOOD, id: 'ord_1004', number: '1004', customer: null }),
    ]);
    const summary = await importOrdersFile(t.db, file);
    expect(summary.imported).toBe(2);
    expect(summary.failed).toBe(3);
    expect(summary.problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(summary.problems[0]?.reason).toMatch(/not valid JSON/);
    expect(summary.problems[1]?.reason).toMatch(/^channel: /);
    expect(summary.problems[2]?.reason).toMatch(/^total: .*decimal string/);
  });

  it('is idempotent on (business, order id): importing twice keeps one row per order', async () => {
    const file = writeNdjson([JSON.stringify({ ...GOOD, businessId: 'biz_twice' })]);
    await importOrdersFile(t.db, file);
    await importOrdersFile(t.db, file);
    const { rows } = await t.db.query(
      "SELECT count(*)::int AS n FROM orders WHERE business_id = 'biz_twice'",
    );
    expect(rows[0].n).toBe(1);
  });

  it('npm run cli -- orders import exits non-zero and prints file:line for a malformed line', async () => {
    const file = writeNdjson([JSON.stringify({ ...GOOD, businessId: 'biz_cli' }), 'nonsense']);
    const result = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'orders', 'import', file], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: t.url },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect('code' in result ? result.code : 0).toBe(1);
    expect(result.stderr).toContain(`${file}:2: not valid JSON`);
    expect(result.stdout).toContain('Imported 1 orders; 1 line(s) failed.');
  });

  it('reads a day page by page in (placedAt, id) order with flat memory', async () => {
    const orders = [
      ...generateDemoOrders({
        businessId: 'biz_pages',
        from: '2026-01-01',
        to: '2026-01-02',
        ordersPerDay: 25,
      }),
    ];
    const file = writeNdjson(orders.map((o) => JSON.stringify(o)));
    await importOrdersFile(t.db, file);
    const seen: string[] = [];
    let after: { placedAt: string; id: string } | undefined;
    for (;;) {
      const page = await listOrdersPage(t.db, {
        businessId: 'biz_pages',
        channel: 'pos',
        locationId: null,
        fromUtc: '2025-12-31T16:00:00Z',
        toUtcExclusive: '2026-01-01T16:00:00Z',
        after,
        limit: 7,
      });
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(7);
      seen.push(...page.map((p) => p.order.id));
      const last = page[page.length - 1]!;
      after = { placedAt: last.placedAtUtc, id: last.order.id };
    }
    const expected = orders
      .filter((o) => o.channel === 'pos' && o.placedAt.startsWith('2026-01-01'))
      .map((o) => o.id);
    expect(seen.sort()).toEqual(expected.sort());
    expect(new Set(seen).size).toBe(seen.length);
  });
});
