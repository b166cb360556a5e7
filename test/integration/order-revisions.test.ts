import { importOrdersFile } from '../../src/orders/import';
import type { ImportProblem } from '../../src/orders/import';
import { createTestDatabase } from '../support/harness';
import type { TestDatabase } from '../support/harness';
import { ndjsonFile } from '../support/orders';

/**
 * Revisions of orders already in Xero (src/orders/revisions.ts, docs/revisions.md): the import records a new
 * revision and lists what changed for the next sync, each change once, or refuses the line with what to do.
 */
const BASE = {
  id: 'ord_rev',
  number: '2001',
  businessId: 'biz_rev',
  channel: 'pos',
  location: { id: 'loc_1', name: 'Shop' },
  customer: null,
  placedAt: '2026-03-14T10:22:00+08:00',
  currency: 'SGD',
  pricesIncludeTax: true,
  lines: [{ description: 'Latte', quantity: 2, unitPrice: '5.50', discount: '0.00', taxCode: 'GST9' }],
  total: '11.00',
  payments: [] as Array<Record<string, string>>,
  status: 'completed',
};

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

/** Imports one order (first) and marks it synced, as a sync would. */
async function inXero(order: Record<string, unknown>): Promise<void> {
  const first = await importOrdersFile(t.db, ndjsonFile([order]));
  expect(first).toMatchObject({ imported: 1, failed: 0 });
  await t.db.query(
    `INSERT INTO order_ledger (business_id, order_id, status, request_id, invoice_number, xero_invoice_id)
     VALUES ($1, $2, 'synced', 'sr_x', $3, '00000000-0000-0000-0000-000000000001')`,
    [order.businessId, order.id, `POS-${String(order.number)}`],
  );
}

async function reimport(order: Record<string, unknown>) {
  const notices: ImportProblem[] = [];
  const summary = await importOrdersFile(t.db, ndjsonFile([order]), { onUpdated: (n) => notices.push(n) });
  return { summary, notices };
}

async function changes(
  orderId: string,
): Promise<Array<{ change_key: string; kind: string; detail: unknown }>> {
  const { rows } = await t.db.query(
    `SELECT change_key, kind, detail FROM order_changes WHERE business_id = 'biz_rev' AND order_id = $1
     ORDER BY created_at, change_key`,
    [orderId],
  );
  return rows;
}

const pay = (id: string | undefined, amount: string) => ({
  ...(id ? { id } : {}),
  method: 'card',
  amount,
  paidAt: '2026-03-20T09:00:00+08:00',
});
const refund = (id: string, amount: string, day: string) => ({
  id,
  amount,
  refundedAt: `${day}T12:00:00+08:00`,
});

describe('a revision of an order in Xero', () => {
  it('records a later payment, reports it, keeps the first-synced content, and the same revision again adds nothing', async () => {
    const order = { ...BASE, id: 'ord_pay', businessId: 'biz_rev' };
    await inXero(order);
    const paid = { ...order, payments: [pay('p1', '11.00')] };
    const { summary, notices } = await reimport(paid);
    expect(summary).toMatchObject({ revised: 1, updated: 0, failed: 0 });
    expect(notices[0]!.reason).toMatch(
      /ord_pay is in Xero: revision 1 recorded \(payment p1 added \(11\.00 by card/,
    );
    expect(await changes('ord_pay')).toEqual([
      {
        change_key: 'payment:p1',
        kind: 'payment',
        detail: expect.objectContaining({ amount: '11.00', key: 'p1' }),
      },
    ]);
    const { rows } = await t.db.query(
      "SELECT payload->'payments' AS payments, revision FROM orders WHERE business_id = 'biz_rev' AND id = 'ord_pay'",
    );
    expect(rows).toEqual([{ payments: [], revision: 1 }]);

    const again = await reimport(paid);
    expect(again.summary).toMatchObject({ revised: 0, unchanged: 1, failed: 0 });
    expect(await changes('ord_pay')).toHaveLength(1);
  });

  it('tells a second partial refund from the first by its id: one change each, never twice', async () => {
    const order = { ...BASE, id: 'ord_refunds', payments: [pay('p1', '11.00')] };
    await inXero(order);
    const once = { ...order, status: 'refunded', refunds: [refund('r1', '3.00', '2026-03-15')] };
    expect((await reimport(once)).summary).toMatchObject({ revised: 1 });
    const twice = { ...once, refunds: [...once.refunds, refund('r2', '2.00', '2026-03-16')] };
    const second = await reimport(twice);
    expect(second.summary).toMatchObject({ revised: 1, failed: 0 });
    expect(second.notices[0]!.reason).toContain('revision 2 recorded (refund r2 added (2.00');
    expect((await reimport(twice)).summary).toMatchObject({ revised: 0, unchanged: 1 });
    expect((await changes('ord_refunds')).map((c) => c.change_key)).toEqual(['refund:r1', 'refund:r2']);
  });

  it('gives the old format a meaning: id-less payments by position, the single refund as id "refund"', async () => {
    const order = {
      ...BASE,
      id: 'ord_old',
      payments: [pay(undefined, '5.00')],
      status: 'refunded',
      refund: { amount: '1.00', refundedAt: '2026-03-15T12:00:00+08:00' },
    };
    await inXero(order);
    const more = { ...order, payments: [pay(undefined, '5.00'), pay(undefined, '6.00')] };
    expect((await reimport(more)).summary).toMatchObject({ revised: 1 });
    const { refund: first, ...withoutSingle } = more;
    const listed = {
      ...withoutSingle,
      refunds: [{ id: 'refund', ...first }, refund('r2', '4.00', '2026-03-17')],
    };
    expect((await reimport(listed)).summary).toMatchObject({ revised: 1, failed: 0 });
    expect((await changes('ord_old')).map((c) => c.change_key)).toEqual(['payment:#2', 'refund:r2']);
  });

  it('records a void, dated on voidedAt, and an unpaid order’s new lines as an update', async () => {
    const voided = { ...BASE, id: 'ord_void', payments: [pay('p1', '11.00')] };
    await inXero(voided);
    await reimport({ ...voided, status: 'voided', voidedAt: '2026-04-02T09:00:00+08:00' });
    expect(await changes('ord_void')).toEqual([
      { change_key: 'void', kind: 'void', detail: { at: '2026-04-02T09:00:00+08:00' } },
    ]);
    const unpaid = { ...BASE, id: 'ord_amend', channel: 'b2b' };
    await inXero(unpaid);
    const lines = [
      { description: 'Latte', quantity: 3, unitPrice: '5.50', discount: '0.00', taxCode: 'GST9' },
    ];
    await reimport({ ...unpaid, lines, total: '16.50' });
    expect(await changes('ord_amend')).toEqual([
      {
        change_key: 'amend:1',
        kind: 'amend',
        detail: expect.objectContaining({ fields: ['lines', 'total'] }),
      },
    ]);
  });

  it('refuses what cannot be a revision, naming the invoice and what to do, and keeps the order as it was', async () => {
    const order = { ...BASE, id: 'ord_no', payments: [pay('p1', '11.00')], status: 'refunded' };
    await inXero({ ...order, refunds: [refund('r1', '3.00', '2026-03-15')] });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { ...order, payments: [pay('p1', '10.00')], refunds: [refund('r1', '3.00', '2026-03-15')] },
        /changes its payment p1 .*a recorded payment is not changed/,
      ],
      [
        { ...order, payments: [], refunds: [refund('r1', '3.00', '2026-03-15')] },
        /leaves out its payment p1/,
      ],
      [
        { ...order, refunds: [refund('r1', '4.00', '2026-03-15')] },
        /changes its refund r1 .*give a further refund its own id/,
      ],
      [{ ...order, refunds: [] }, /leaves out its refund r1/],
      [{ ...order, currency: 'USD', refunds: [refund('r1', '3.00', '2026-03-15')] }, /changes its currency/],
      [
        {
          ...order,
          total: '12.00',
          lines: [{ ...BASE.lines[0]!, unitPrice: '6.00' }],
          refunds: [refund('r1', '3.00', '2026-03-15')],
        },
        /with payments or refunds and this line changes its lines, total; Xero does not edit a paid invoice/,
      ],
    ];
    for (const [line, reason] of cases) {
      const { summary } = await reimport(line);
      expect(summary).toMatchObject({ failed: 1, revised: 0 });
      expect(summary.problems[0]!.reason).toMatch(reason);
      expect(summary.problems[0]!.reason).toContain('(invoice POS-2001; the stored order is kept)');
    }
    expect(await changes('ord_no')).toEqual([]);

    const gone = { ...BASE, id: 'ord_gone', status: 'voided' };
    await inXero(gone);
    const revived = await reimport({ ...gone, status: 'completed' });
    expect(revived.summary.problems[0]!.reason).toMatch(/was voided and this line brings it back/);
  });

  it('checks refunds[] and payment ids at import: unique ids, not with the single refund, a refunded status', async () => {
    const line = (extra: Record<string, unknown>) => ({
      ...BASE,
      id: 'ord_bad',
      businessId: 'biz_rev_bad',
      ...extra,
    });
    const file = ndjsonFile([
      line({ payments: [pay('p', '1.00'), pay('p', '2.00')] }),
      line({
        status: 'refunded',
        refund: { amount: '1.00', refundedAt: '2026-03-15T12:00:00+08:00' },
        refunds: [refund('a', '1.00', '2026-03-15')],
      }),
      line({
        status: 'refunded',
        refunds: [refund('a', '1.00', '2026-03-15'), refund('a', '2.00', '2026-03-16')],
      }),
      line({ refunds: [refund('a', '1.00', '2026-03-15')] }),
      line({
        status: 'refunded',
        refunds: [refund('a', '6.00', '2026-03-15'), refund('b', '6.00', '2026-03-16')],
      }),
      line({ status: 'refunded', refunds: [refund('a', '0.00', '2026-03-15')] }),
    ]);
    const summary = await importOrdersFile(t.db, file);
    expect(summary.imported).toBe(0);
    expect(summary.problems.map((p) => p.reason)).toEqual([
      expect.stringMatching(/^payments: payment id p appears twice/),
      expect.stringMatching(/^refunds: give either refunds\[\] or the single refund, not both/),
      expect.stringMatching(/^refunds: refund id a appears twice/),
      expect.stringMatching(/^status: is completed but refunds\[\] lists refunds/),
      expect.stringMatching(/^refunds: add up to 12\.00, more than the order total 11\.00/),
      expect.stringMatching(/^refunds\.0\.amount: must be more than 0\.00/),
    ]);
  });
});
