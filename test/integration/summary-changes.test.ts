import { localDateOf } from '../../src/calendar';
import { parseDecimal, sumDecimal } from '../../src/money';
import { importOrdersFile } from '../../src/orders/import';
import type { Order } from '../../src/orders/schema';
import { writeCalls } from '../support/changes';
import {
  createBusiness,
  loadDemoOrders,
  loadOrders,
  ndjsonFile,
  simCreditNotes,
  simInvoices,
  simStats,
} from '../support/orders';
import { submitSync, syncToEnd } from '../support/requests';
import { startFaultySystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Issue 26 meets issue 23 (docs/revisions.md "Daily summaries"): a later refund or void of an order inside a posted
 * summary never edits it; it becomes an adjustment credit note for the summary's key and the change's own day,
 * applied as the per-order credit-note policy applies it, exactly once, with Xero failing (5xx, lost answers).
 */

const TZ = 'Asia/Singapore';
const DAYS = { startDate: '2025-03-03', endDate: '2025-03-05' };
const CHANGED = '2025-04-05';
const amount = (n: number | undefined) => parseDecimal(String(n ?? 0));
const sum = (xs: string[]) => sumDecimal(xs.map(parseDecimal));

/** What a posted summary is in Xero: none of it may move. */
function posted(invoice: Record<string, unknown>) {
  const { InvoiceNumber, Status, Date, Total, SubTotal, TotalTax, AmountPaid, AmountDue, AmountCredited } =
    invoice;
  const lines = invoice.LineItems;
  const payments = (invoice.Payments as Array<{ Amount: number }> | undefined)?.map((p) => p.Amount);
  return {
    InvoiceNumber,
    Status,
    Date,
    Total,
    SubTotal,
    TotalTax,
    AmountPaid,
    AmountDue,
    AmountCredited,
    lines,
    payments,
  };
}

describe('refunds and voids of orders inside posted daily summaries', () => {
  let system: TestSystem;
  const businessId = 'biz_summary_changes';
  beforeAll(async () => {
    system = await startFaultySystem('summary-changes', 2623);
    await createBusiness(system.database.db, businessId, { dailyQuotaReserve: 10 });
  });
  afterAll(async () => {
    await system?.stop();
  });

  let orders: Order[] = [];
  const touched = new Set<string>();
  let tab: Order;
  const request = () => ({
    businessId,
    channel: 'pos',
    locationId: 'all',
    ...DAYS,
    contactMapping: { mode: 'auto' as const },
    options: { posting: 'daily-summary' },
  });

  it(
    'an adjustment credit note per summary key and change day, the posted summaries unchanged, each change once; a third sync writes nothing',
    async () => {
      orders = await loadDemoOrders(system.database.db, {
        businessId,
        from: DAYS.startDate,
        to: DAYS.endDate,
        ordersPerDay: 10,
        channel: 'pos',
        seed: 7,
      });
      // One sale on a tab, unpaid when summarised (the second test pays it later).
      const model = orders.find((o) => o.status === 'completed')!;
      tab = { ...model, id: `${model.id}-tab`, number: `${model.number}9`, payments: [] };
      await loadOrders(system.database.db, [tab]);
      touched.add(model.id);
      const first = await syncToEnd(system, request());
      expect(first.result.state).toBe('completed');
      const before = (await simInvoices(system.xero.baseUrl)).map((i) => posted(i as never));
      const notesBefore = (await simCreditNotes(system.xero.baseUrl)).map((n) => n.CreditNoteNumber);

      // Three paid, unrefunded orders: a full refund and a void of two orders of one summary, a partial
      // refund of an order of another location's summary, all on one later day.
      const paid = orders.filter(
        (o) => o.status === 'completed' && sum(o.payments.map((p) => p.amount)) === parseDecimal(o.total),
      );
      const summaryOf = (o: Order) => `POS-${o.location.id}-${localDateOf(o.placedAt, TZ)}`;
      const [full, voided] = paid.filter((o) => summaryOf(o) === summaryOf(paid[0]!));
      const partial = paid.find((o) => o.location.id !== full!.location.id)!;
      expect([full, voided, partial].every(Boolean)).toBe(true);
      const at = `${CHANGED}T12:00:00+08:00`;
      for (const o of [full!, voided!, partial]) touched.add(o.id);
      const revised: Order[] = [
        { ...full!, status: 'refunded', refunds: [{ id: 'rf-1', amount: full!.total, refundedAt: at }] },
        { ...voided!, status: 'voided', voidedAt: at },
        { ...partial, status: 'refunded', refunds: [{ id: 'rf-1', amount: '1.00', refundedAt: at }] },
      ];
      const imported = await importOrdersFile(system.database.db, ndjsonFile(revised));
      expect(imported).toMatchObject({ revised: 3, failed: 0 });

      const second = await syncToEnd(system, request());
      expect(second.result.state).toBe('completed');

      // The posted summaries are as they were: nothing edited, nothing allocated to them (the orders were paid).
      const after = (await simInvoices(system.xero.baseUrl)).map((i) => posted(i as never));
      expect(after).toEqual(before);

      // One adjustment credit note per summary key and change day, to the cent, paid back in full.
      const added = (await simCreditNotes(system.xero.baseUrl)).filter(
        (n) => !notesBefore.includes(n.CreditNoteNumber),
      );
      const cn = (o: Order) => `POS-${o.location.id}-${CHANGED}-CN`;
      expect(
        added
          .map((n) => [
            n.CreditNoteNumber.replace(/-ADJ\d+$/, ''),
            amount(n.Total),
            amount(n.RemainingCredit),
          ])
          .sort(),
      ).toEqual(
        [
          [cn(full!), sum([full!.total, voided!.total]), 0n],
          [cn(partial), parseDecimal('1.00'), 0n],
        ].sort(),
      );
      // Paid back in full, Xero shows them PAID; each names the posted summary it adjusts.
      expect(added.every((n) => n.Status === 'PAID')).toBe(true);
      const of = (o: Order) => added.find((n) => n.CreditNoteNumber.startsWith(cn(o)))!.Reference;
      expect(of(full!)).toMatch(new RegExp(`^Adjustment of ${summaryOf(full!)}: Refunds of 2 orders`));
      expect(of(partial)).toMatch(new RegExp(`^Adjustment of ${summaryOf(partial)}: Refunds of 1 orders`));
      const stats = await simStats(system.xero.baseUrl);
      expect(stats.duplicateReferences).toEqual([]);
      expect(stats.calls.byStatus['503'] ?? 0).toBeGreaterThan(0);
      expect(stats.calls.byStatus.dropped ?? 0).toBeGreaterThan(0);

      // A third sync has nothing to send and writes nothing.
      const writes = await writeCalls(system);
      await expect(submitSync(system, request())).rejects.toThrow(/answered 409: .*"nothing_to_send"/);
      expect(await writeCalls(system)).toBe(writes);
      expect((await simCreditNotes(system.xero.baseUrl)).length).toBe(notesBefore.length + 2);
    },
    10 * 60_000,
  );

  it(
    'a later payment and a change of lines of summarised orders are refused with the reason and what to do, the summaries unchanged',
    async () => {
      // The first test's days, synced and their changes applied: nothing is left to send.
      const body = request();
      const before = (await simInvoices(system.xero.baseUrl)).map((i) => posted(i as never));
      const notes = (await simCreditNotes(system.xero.baseUrl)).length;

      const paidLater = tab;
      const changed = orders.find((o) => o.status === 'completed' && !touched.has(o.id));
      const at = `${CHANGED}T10:00:00+08:00`;
      const later = { id: 'later-1', method: 'cash', amount: tab.total, paidAt: at };
      const line = changed!.lines[0]!;
      const relined = {
        ...changed!,
        lines: [{ ...line, description: `${line.description} (corrected)` }, ...changed!.lines.slice(1)],
      };
      // A change of lines of a paid order is refused by the import itself, as per order.
      const refused = await importOrdersFile(system.database.db, ndjsonFile([relined]));
      expect(refused.failed).toBe(1);
      expect(refused.problems[0]!.reason).toMatch(/Xero does not edit a paid invoice/);
      const paid = [later];
      const imported = await importOrdersFile(
        system.database.db,
        ndjsonFile([{ ...paidLater!, payments: paid }]),
      );
      expect(imported).toMatchObject({ revised: 1, failed: 0 });

      const second = await syncToEnd(system, body);
      // The refusal is an error the merchant sees on the request, with the reason.
      expect(second.result.state).toBe('completed_with_errors');
      const { rows } = await system.database.db.query<{ order_id: string; outcome: string; error: string }>(
        `SELECT order_id, outcome, error FROM sync_request_orders WHERE request_id = $1 AND order_id = $2`,
        [second.id, paidLater!.id],
      );
      expect(rows).toEqual([
        expect.objectContaining({
          outcome: 'failed',
          error: expect.stringMatching(
            /daily summary .*never edited: a later payment .*record it in Xero as a payment on POS-/,
          ),
        }),
      ]);
      expect((await simInvoices(system.xero.baseUrl)).map((i) => posted(i as never))).toEqual(before);
      expect((await simCreditNotes(system.xero.baseUrl)).length).toBe(notes);
      // Refused changes are settled: nothing is left to send.
      await expect(submitSync(system, body)).rejects.toThrow(/answered 409: .*"nothing_to_send"/);
    },
    10 * 60_000,
  );
});
