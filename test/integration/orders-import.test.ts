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
import { CLI_ENTRY } from '../support/cli';

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

/** A file of raw lines, for bytes that are not UTF-8. */
function writeBytes(lines: Buffer[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xms-orders-'));
  const file = path.join(dir, 'orders.ndjson');
  writeFileSync(file, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
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

  it('a NUL in line 700 of 1,200 is reported on that line, and every good line is imported', async () => {
    const lines = Array.from({ length: 1200 }, (_, i) =>
      JSON.stringify({ ...GOOD, businessId: 'biz_nul', id: `ord_${i + 1}`, number: String(i + 1) }),
    );
    lines[699] = lines[699]!.replace('"Latte"', '"Lat\\u0000te"');
    const summary = await importOrdersFile(t.db, writeNdjson(lines));
    expect(summary).toMatchObject({ imported: 1199, failed: 1 });
    expect(summary.problems).toEqual([
      {
        line: 700,
        reason: expect.stringMatching(
          /^lines\.0\.description: must not contain control characters \(U\+0000/,
        ),
      },
    ]);
    const { rows } = await t.db.query("SELECT count(*)::int AS n FROM orders WHERE business_id = 'biz_nul'");
    expect(rows[0].n).toBe(1199);
  });

  it('refuses a line that is not UTF-8 with its line and byte, never storing U+FFFD, and loads the rest', async () => {
    const order = (id: string, description: string) =>
      JSON.stringify({ ...GOOD, businessId: 'biz_utf8', id, lines: [{ ...GOOD.lines[0], description }] });
    // The description "Lat…te" with the bytes in the middle.
    const withBytes = (id: string, bytes: number[]) => {
      const [before, after] = order(id, 'Lat|te').split('|') as [string, string];
      return Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
    };
    const at = Buffer.from(order('ord_u1', 'Lat|te').split('|')[0]!).length; // where the bytes start (0-based)
    const bad: Array<[string, number[], number]> = [
      ['stray bytes', [0xff, 0xfe], 0],
      ['an encoded lone surrogate (U+D800)', [0xed, 0xa0, 0x80], 0],
      ['an overlong "/"', [0xc0, 0xaf], 0],
      ['an overlong 3-byte form', [0xe0, 0x80, 0xaf], 0],
      ['a character cut off', [0xe2, 0x82], 0],
      ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
      ['a continuation byte alone, after a good "é"', [0xc3, 0xa9, 0x80], 2],
    ];
    const file = writeBytes([
      Buffer.from(order('ord_u0', 'Café ☕ 𝄞 naïve')),
      ...bad.map(([, bytes], i) => withBytes(`ord_u${i + 1}`, bytes)),
      Buffer.from(order('ord_u9', 'Lat\ud800te')), // a JSON escape of a lone surrogate: still refused
      Buffer.from(order('ord_u10', 'Crème brûlée') + '\r'),
    ]);
    const summary = await importOrdersFile(t.db, file);
    expect(summary).toMatchObject({ imported: 2, failed: bad.length + 1 });
    bad.forEach(([what, bytes, skip], i) => {
      const hex = bytes[skip]!.toString(16).toUpperCase();
      expect({ what, ...summary.problems[i] }).toEqual({
        what,
        line: i + 2,
        reason: `line is not valid UTF-8: byte ${at + skip + 1} (0x${hex}) does not start a well-formed character; save the file as UTF-8 (text is never stored with replacement characters)`,
      });
    });
    expect(summary.problems[bad.length]).toEqual({
      line: bad.length + 2,
      reason: expect.stringMatching(
        /^lines\.0\.description: must be valid Unicode text \(it contains a lone UTF-16 surrogate/,
      ),
    });
    const { rows } = await t.db.query(
      "SELECT id, payload->'lines'->0->>'description' AS d FROM orders WHERE business_id = 'biz_utf8' ORDER BY id",
    );
    expect(rows).toEqual([
      { id: 'ord_u0', d: 'Café ☕ 𝄞 naïve' },
      { id: 'ord_u10', d: 'Crème brûlée' },
    ]);
  });

  it('refuses a currency that is not an ISO 4217 code in use, naming the field', async () => {
    const line = (id: string, currency: unknown) =>
      JSON.stringify({ ...GOOD, businessId: 'biz_currency', id, currency });
    const refused: Array<[unknown, RegExp]> = [
      ['ZZZ', /^currency: ZZZ is not an ISO 4217 code of a currency in use; send the order's currency/],
      ['DEM', /^currency: DEM is not an ISO 4217 code/], // withdrawn in 2002
      ['XTS', /^currency: XTS is not an ISO 4217 code/], // ISO's code for testing
      ['XXX', /^currency: XXX is not an ISO 4217 code/], // "no currency"
      ['XAU', /^currency: XAU is not an ISO 4217 code/], // gold
      ['sgd', /^currency: must be a 3-letter ISO 4217 code in capitals, such as "SGD"$/],
      [702, /^currency: must be a 3-letter ISO 4217 code such as "SGD"$/],
    ];
    const accepted = ['SGD', 'EUR', 'NZD', 'AUD', 'XOF', 'STN'];
    const file = writeNdjson([
      ...refused.map(([currency], i) => line(`ord_c${i}`, currency)),
      ...accepted.map((currency) => line(`ord_ok_${currency}`, currency)),
    ]);
    const summary = await importOrdersFile(t.db, file);
    expect(summary).toMatchObject({ imported: accepted.length, failed: refused.length });
    refused.forEach(([, reason], i) =>
      expect(summary.problems[i]).toEqual({ line: i + 1, reason: expect.stringMatching(reason) }),
    );
  });

  it('refuses each order that cannot add up, naming its line and field', async () => {
    const line = (over: Partial<typeof GOOD> & Record<string, unknown>) =>
      JSON.stringify({ ...GOOD, businessId: 'biz_money', ...over });
    const latte = GOOD.lines[0]!;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ total: '11.005' }, /^total: .*at most 2 decimals/],
      [{ total: '-0' }, /^total: .*not negative/],
      [{ total: '-11.00' }, /^total: .*not negative/],
      [{ lines: [{ ...latte, quantity: 0.00001 }] }, /^lines\.0\.quantity: .*4 decimals/],
      [{ lines: [{ ...latte, unitPrice: '5.50001' }] }, /^lines\.0\.unitPrice: .*at most 4 decimals/],
      [{ lines: [{ ...latte, unitPrice: '-5.50' }] }, /^lines\.0\.unitPrice: .*not negative/],
      [{ total: '12.00' }, /^total: 12\.00 does not add up: its tax-inclusive lines come to 11\.00/],
      [
        { payments: [{ method: 'card', amount: '12.00', paidAt: GOOD.placedAt }] },
        /^payments: add up to 12\.00, more than the order total 11\.00/,
      ],
      [
        { lines: [{ ...latte, discount: '12.00' }], total: '0.00', payments: [] },
        /^lines\.0\.discount: discount 12\.00 is larger than the line/,
      ],
      [
        { status: 'refunded', refund: { amount: '20.00', refundedAt: GOOD.placedAt } },
        /^refund\.amount: 20\.00 is more than the order total/,
      ],
      [
        { pricesIncludeTax: false, total: '10.00' },
        /^total: 10\.00 does not add up: its lines before tax come to 11\.00/,
      ],
      [{ placedAt: '0000-01-01T00:00:00Z' }, /^placedAt: must be a date-time in 1900 or later/],
    ];
    const file = writeNdjson([
      line({ id: 'ord_ok' }),
      ...cases.map(([over], i) => line({ id: `ord_bad_${i}`, ...over })),
    ]);
    const summary = await importOrdersFile(t.db, file);
    expect(summary.imported).toBe(1);
    expect(summary.problems.map((p) => p.line)).toEqual(cases.map((_, i) => i + 2));
    cases.forEach(([, reason], i) => expect(summary.problems[i]!.reason).toMatch(reason));
  });

  it('checks an exclusive order against the business’s tax rates when it maps the tax code', async () => {
    await t.db.query(`INSERT INTO businesses (id, name, settings) VALUES ('biz_rates', 'Rates', $1)`, [
      JSON.stringify({ taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '9' } } }),
    ]);
    const exclusive = { ...GOOD, businessId: 'biz_rates', pricesIncludeTax: false, payments: [] };
    const file = writeNdjson([
      JSON.stringify({ ...exclusive, id: 'ord_x1', total: '11.99' }),
      JSON.stringify({ ...exclusive, id: 'ord_x2', total: '11.50' }),
    ]);
    const summary = await importOrdersFile(t.db, file);
    expect(summary.imported).toBe(1);
    expect(summary.problems).toEqual([
      {
        line: 2,
        reason: expect.stringMatching(
          /^total: 11\.50 does not add up: its lines plus their tax come to 11\.99/,
        ),
      },
    ]);
  });

  it('reports a changed re-import: updated while the order is not in Xero, refused once it is, refused twice in one file', async () => {
    const base = { ...GOOD, businessId: 'biz_reimport', id: 'ord_r1' };
    await importOrdersFile(t.db, writeNdjson([JSON.stringify(base)]));
    const updates: Array<{ line: number; reason: string }> = [];
    const changed = { ...base, number: '1001-A' };
    const first = await importOrdersFile(t.db, writeNdjson([JSON.stringify(changed)]), {
      onUpdated: (u) => updates.push(u),
    });
    expect(first).toMatchObject({ imported: 0, updated: 1, failed: 0 });
    expect(updates).toEqual([
      { line: 1, reason: expect.stringContaining('ord_r1 changed since it was imported; updated') },
    ]);

    await t.db.query(
      `INSERT INTO order_ledger (business_id, order_id, status, request_id, invoice_number, xero_invoice_id)
       VALUES ('biz_reimport', 'ord_r1', 'synced', 'sr_x', 'POS-1001-A', '00000000-0000-0000-0000-000000000001')`,
    );
    const inXero = await importOrdersFile(t.db, writeNdjson([JSON.stringify({ ...base, number: '1001-B' })]));
    expect(inXero).toMatchObject({ updated: 0, failed: 1 });
    expect(inXero.problems[0]!.reason).toMatch(
      /already in Xero and this line changes its number.*\(invoice POS-1001-A; the stored order is kept\)/,
    );
    const { rows } = await t.db.query("SELECT number FROM orders WHERE business_id = 'biz_reimport'");
    expect(rows).toEqual([{ number: '1001-A' }]);
    // The same content again is unchanged, in Xero or not.
    expect(await importOrdersFile(t.db, writeNdjson([JSON.stringify(changed)]))).toMatchObject({
      unchanged: 1,
      failed: 0,
    });

    const twice = await importOrdersFile(
      t.db,
      writeNdjson([
        JSON.stringify({ ...base, id: 'ord_r2' }),
        JSON.stringify({ ...base, id: 'ord_r3' }),
        JSON.stringify({ ...base, id: 'ord_r2', number: 'other' }),
        JSON.stringify({ ...base, id: 'ord_r3' }),
      ]),
    );
    expect(twice).toMatchObject({ imported: 2, unchanged: 1, failed: 1 });
    expect(twice.problems).toEqual([
      { line: 3, reason: expect.stringContaining('ord_r2 appears earlier in this file (line 1)') },
    ]);
  });

  it('imports one file where a location serves two channels, completely', async () => {
    const pos = { ...GOOD, businessId: 'biz_two_channels', location: { id: 'loc_shop', name: 'Shop' } };
    const orders = Array.from({ length: 30 }, (_, i) => ({
      ...pos,
      id: `ord_c${i}`,
      number: `${i}`,
      channel: i % 2 ? 'b2b' : 'pos',
    }));
    const summary = await importOrdersFile(t.db, writeNdjson(orders.map((o) => JSON.stringify(o))));
    expect(summary).toMatchObject({ imported: 30, failed: 0 });
    const { rows } = await t.db.query(
      "SELECT channels FROM locations WHERE business_id = 'biz_two_channels' AND id = 'loc_shop'",
    );
    expect(rows).toEqual([{ channels: ['b2b', 'pos'] }]);
  });

  it('creates a business only when an order of it is written, and escapes control bytes in its messages', async () => {
    const binary = Buffer.from([0x7b, 0x22, 0x69, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x07, 0x0a]).toString(
      'latin1',
    );
    const file = writeNdjson([
      JSON.stringify({ ...GOOD, businessId: 'biz_never', total: '-1.00' }),
      binary,
      JSON.stringify({ ...GOOD, businessId: 'biz_never\u0007' }).replace('\\u0007', '\u0007'),
    ]);
    const summary = await importOrdersFile(t.db, file);
    expect(summary.imported).toBe(0);
    expect(summary.failed).toBe(3);
    // eslint-disable-next-line no-control-regex
    for (const p of summary.problems) expect(p.reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    const { rows } = await t.db.query("SELECT id FROM businesses WHERE id LIKE 'biz_never%'");
    expect(rows).toEqual([]);
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
    const result = await run(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'orders', 'import', file], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: t.url },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect('code' in result ? result.code : 0).toBe(1);
    expect(result.stderr).toContain(`${file}:2: not valid JSON`);
    expect(result.stdout).toContain(
      'Imported 1 new orders, updated 0, revised 0 (in Xero), 0 unchanged; 1 line(s) failed.',
    );
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
