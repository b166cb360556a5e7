import type { UndoPreview, UndoProgress } from '../../src/contract';
import { importOrdersFile } from '../../src/orders/import';
import type { Order } from '../../src/orders/schema';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { writeCalls } from '../support/changes';
import {
  beansOrder,
  createBusiness,
  loadDemoOrders,
  loadOrders,
  ndjsonFile,
  simCreditNotes,
  simInvoices,
  simStats,
} from '../support/orders';
import { submitSync, syncToEnd } from '../support/requests';
import { eventually, startFaultySystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Undo a request (issue 27 part 2, docs/undo.md), with Xero failing (5xx answers, writes that commit but whose
 * answer is lost): a POS request with payments, a refund paid back, a refund allocated to what an unpaid invoice
 * owes, a later payment applied by a second request, a payment reconciled to a bank line and an order in the
 * locked period. The undo takes back everything else, the receivables are as before the sync, a second undo is
 * refused and writes nothing, the orders sync again under new numbers; a cancelled undo started again finishes.
 */

const LOCKED_DAY = '2025-03-02';
const DAY = '2025-03-03';
const SIM = '/__sim/tenants/' + DEMO_TENANT_ID;

function order(
  businessId: string,
  id: string,
  day: string,
  minute: number,
  opts: { paid: boolean; refund?: string },
): Order {
  const base = beansOrder(businessId, id, { placedAt: `${day}T10:0${minute}:00+08:00`, paid: opts.paid });
  if (!opts.refund) return base;
  const refundedAt = `${day}T15:00:00+08:00`;
  return { ...base, status: 'refunded', refunds: [{ id: 'rf1', amount: opts.refund, refundedAt }] };
}

interface Doc {
  Status: string;
  AmountDue?: number;
  RemainingCredit?: number;
  Reference?: string;
}

/** Accounts receivable: what live invoices are owed, less the credit left on live credit notes (in cents). */
async function receivables(system: TestSystem): Promise<number> {
  const live = (d: Doc) => d.Status === 'AUTHORISED' || d.Status === 'PAID';
  const cents = (n: number | undefined) => Math.round((n ?? 0) * 100);
  const invoices = (await simInvoices(system.xero.baseUrl)) as unknown as Doc[];
  const notes = (await simCreditNotes(system.xero.baseUrl)) as unknown as Doc[];
  return (
    invoices.filter(live).reduce((n, i) => n + cents(i.AmountDue), 0) -
    notes.filter(live).reduce((n, c) => n + cents(c.RemainingCredit), 0)
  );
}

describe('undo a request', () => {
  let system: TestSystem;
  const businessId = 'biz_undo';
  const range = { businessId, channel: 'pos' as const, startDate: LOCKED_DAY, endDate: DAY };
  let first = '';
  const orders: Record<string, Order> = {};

  beforeAll(async () => {
    system = await startFaultySystem('undo', 27);
    await createBusiness(system.database.db, businessId);
  });
  afterAll(async () => {
    await system?.stop();
  });

  const api = () => system.api(businessId);
  const undoState = async (id: string) =>
    (await (await api()).get<UndoProgress>(`/api/sync-requests/${id}/undo`)).body;
  /** Waits for the undo to end, and answers its state (its lastError shows in a failed assertion). */
  const waitForUndo = async (id: string, expected: string) => {
    const ended = await eventually(async () => {
      const state = await undoState(id);
      return ['completed', 'cancelled', 'failed'].includes(state.state) && state;
    }, 5 * 60_000);
    expect([ended.state, ended.lastError]).toEqual([expected, null]);
    return ended;
  };

  it(
    'takes back every document it created but the listed ones, leaving the receivables as before the sync',
    async () => {
      const list = [
        order(businessId, 'ord_ua', DAY, 1, { paid: true }),
        order(businessId, 'ord_ub', DAY, 2, { paid: true, refund: '21.80' }),
        order(businessId, 'ord_uc', DAY, 3, { paid: false, refund: '5.00' }),
        order(businessId, 'ord_ud', DAY, 4, { paid: false }),
        order(businessId, 'ord_ue', DAY, 5, { paid: true }),
        order(businessId, 'ord_uf', LOCKED_DAY, 1, { paid: true }),
        order(businessId, 'ord_ug', DAY, 6, { paid: true }),
      ];
      for (const o of list) orders[o.id] = o;
      await loadOrders(system.database.db, list);
      const before = await receivables(system);

      const synced = await syncToEnd(system, range);
      expect(synced.result.state).toBe('completed');
      first = synced.id;
      // A later payment of the unpaid order, applied to its invoice by a second request.
      const paidLater: Order = {
        ...orders.ord_ud!,
        payments: [{ id: 'later', method: 'card', amount: '21.80', paidAt: `${DAY}T18:00:00+08:00` }],
      };
      expect((await importOrdersFile(system.database.db, ndjsonFile([paidLater]))).revised).toBe(1);
      expect((await syncToEnd(system, range)).result.state).toBe('completed');
      const afterSync = await receivables(system);
      expect(afterSync).toBe(1680); // ord_uc owes 21.80 less its 5.00 refund

      // Someone reconciles ord_ue's payment to a bank line, edits ord_ug's invoice, and locks the period of ord_uf.
      const invoicesBefore = await simInvoices(system.xero.baseUrl);
      const invoiceOf = (id: string) => invoicesBefore.find((i) => i.Reference === id)!;
      const reconciled = invoiceOf('ord_ue').Payments![0]!.PaymentID;
      expect(
        (await fetch(`${system.xero.baseUrl}${SIM}/payments/${reconciled}/reconcile`, { method: 'POST' }))
          .status,
      ).toBe(204);
      const edited = await fetch(
        `${system.xero.baseUrl}${SIM}/invoices/${invoiceOf('ord_ug').InvoiceID}/edit`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ Reference: 'ord_ug, see the bookkeeper' }),
        },
      );
      expect(edited.status).toBe(204);
      const locked = await fetch(`${system.xero.baseUrl}${SIM}/organisation`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ periodLockDate: LOCKED_DAY }),
      });
      expect(locked.status).toBe(200);

      const preview = (await (await api()).get<UndoPreview>(`/api/sync-requests/${first}/undo/preview`)).body;
      expect(preview).toMatchObject({
        requestId: first,
        orders: 7,
        canStart: true,
        refusal: null,
        takeBack: { payments: 6, refunds: 1, allocations: 1, creditNotesToVoid: 2, invoicesToVoid: 7 },
      });
      expect(preview.calls.total).toBe(preview.calls.reads + preview.calls.writes);
      expect(preview.calls.writes).toBe(17);

      const started = await (await api()).post<UndoProgress>(`/api/sync-requests/${first}/undo`);
      expect(started.status).toBe(202);
      expect(['queued', 'running']).toContain(started.body.state);
      const done = await waitForUndo(first, 'completed');

      // Left in place and listed: the reconciled payment's order, and the locked one, each whole.
      const left = done.leftInPlace.filter((l) => l.kind !== 'contact');
      expect(left.map((l) => [l.orderId, l.kind, l.reason]).sort()).toEqual(
        [
          ['ord_ue', 'invoice', 'payment_reconciled'],
          ['ord_ue', 'payment', 'payment_reconciled'],
          ['ord_uf', 'invoice', 'locked_period'],
          ['ord_uf', 'payment', 'locked_period'],
          ['ord_ug', 'invoice', 'changed_in_xero'],
          ['ord_ug', 'payment', 'changed_in_xero'],
        ].sort(),
      );
      expect(left.find((l) => l.kind === 'payment' && l.orderId === 'ord_ue')!.detail).toMatch(/reconciled/);
      expect(left.find((l) => l.kind === 'invoice' && l.orderId === 'ord_ug')!.detail).toMatch(
        /Reference was changed/,
      );
      expect(done.progress).toEqual({
        payments: { done: 3, total: 6 },
        refunds: { done: 1, total: 1 },
        allocations: { done: 1, total: 1 },
        creditNotes: { done: 2, total: 2 },
        invoices: { done: 4, total: 7 },
      });

      const invoices = await simInvoices(system.xero.baseUrl);
      const status = (id: string) => invoices.filter((i) => i.Reference === id).map((i) => i.Status);
      for (const id of ['ord_ua', 'ord_ub', 'ord_uc', 'ord_ud'])
        expect([id, status(id)]).toEqual([id, ['VOIDED']]);
      expect(status('ord_ue')).toEqual(['PAID']);
      expect(status('ord_uf')).toEqual(['PAID']);
      expect(
        invoices.filter((i) => i.Reference === 'ord_ug, see the bookkeeper').map((i) => i.Status),
      ).toEqual(['PAID']);
      const notes = await simCreditNotes(system.xero.baseUrl);
      expect(notes.map((n) => n.Status)).toEqual(['VOIDED', 'VOIDED']);
      expect(await receivables(system)).toBe(before);

      // The history log shows the undo with its request; the reconciliation shows the undone orders not in Xero.
      const detail = (
        await (
          await api()
        ).get<{ undo: { state: string; leftInPlace: number } }>(`/api/sync-requests/${first}`)
      ).body;
      expect(detail.undo).toMatchObject({ state: 'completed' });
      expect(detail.undo.leftInPlace).toBeGreaterThanOrEqual(6);
      const report = (
        await (
          await api()
        ).get<{ rows: Array<{ differences: Array<{ orderId: string; invoiceNumber: string | null }> }> }>(
          `/api/sync-requests/${first}/reconciliation`,
        )
      ).body;
      const missing = report.rows.flatMap((r) => r.differences).filter((d) => d.invoiceNumber === null);
      expect([...new Set(missing.map((d) => d.orderId))].sort()).toEqual([
        'ord_ua',
        'ord_ub',
        'ord_uc',
        'ord_ud',
      ]);
    },
    10 * 60_000,
  );

  it('refuses a second undo of a fully undone request, writing nothing', async () => {
    const writes = await writeCalls(system);
    const again = await (await api()).post<{ type: string }>(`/api/sync-requests/${first}/undo`);
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('nothing_to_undo');
    const preview = (await (await api()).get<UndoPreview>(`/api/sync-requests/${first}/undo/preview`)).body;
    expect(preview).toMatchObject({ canStart: false, refusal: { type: 'nothing_to_undo' } });
    expect(await writeCalls(system)).toBe(writes);
  });

  it(
    'lets the orders sync again: new invoices under -R2 with their payments and refunds, no voided one adopted',
    async () => {
      const voided = (await simInvoices(system.xero.baseUrl)).filter((i) => i.Status === 'VOIDED');
      const { id, result } = await syncToEnd(system, range);
      const failed = await (
        await api()
      ).get<{ items: Array<{ orderId: string; message: string | null }> }>(
        `/api/sync-requests/${id}/orders?status=failed`,
      );
      expect(failed.body.items.map((o) => [o.orderId, o.message])).toEqual([]);
      expect(result.state).toBe('completed');
      const invoices = await simInvoices(system.xero.baseUrl);
      for (const id of ['ord_ua', 'ord_ub', 'ord_uc', 'ord_ud']) {
        const old = voided.find((i) => i.Reference === id)!;
        const mine = invoices.filter((i) => i.Reference === id && i.Status !== 'VOIDED');
        expect([id, mine.map((i) => [i.InvoiceNumber, i.Total])]).toEqual([
          id,
          [[`${old.InvoiceNumber}-R2`, 21.8]],
        ]);
        expect(invoices.find((i) => i.InvoiceID === old.InvoiceID)!.Status).toBe('VOIDED');
      }
      const live = (id: string) => invoices.find((i) => i.Reference === id && i.Status !== 'VOIDED')!;
      expect(live('ord_ua').AmountPaid).toBe(21.8);
      expect(live('ord_ud').AmountPaid).toBe(21.8); // the later payment, applied again to the new invoice
      const notes = (await simCreditNotes(system.xero.baseUrl)).filter((n) => n.Status !== 'VOIDED');
      expect(notes.map((n) => n.CreditNoteNumber).sort()).toEqual(
        [`${live('ord_ub').InvoiceNumber}-CN`, `${live('ord_uc').InvoiceNumber}-CN`].sort(),
      );
      expect(await receivables(system)).toBe(1680);
      const stats = await simStats(system.xero.baseUrl);
      expect(stats.duplicateInvoiceNumbers).toEqual([]);
    },
    10 * 60_000,
  );

  it(
    'refuses while the request or another covering its orders is open; a cancelled undo started again finishes',
    async () => {
      await loadDemoOrders(system.database.db, {
        businessId,
        from: '2025-03-01',
        to: '2025-03-31',
        ordersPerDay: 8,
        seed: 27,
      });
      const month = { businessId, channel: 'pos' as const, startDate: '2025-03-01', endDate: '2025-03-31' };
      const big = await submitSync(system, month);
      const open = await (await api()).post<{ type: string }>(`/api/sync-requests/${big}/undo`);
      expect([open.status, open.body.type]).toEqual([409, 'request_open']);
      const covered = await (await api()).post<{ type: string }>(`/api/sync-requests/${first}/undo`);
      expect([covered.status, covered.body.type]).toEqual([409, 'orders_in_use']);
      await system.temporal.client.workflow.getHandle(big).result();

      const start = await (await api()).post<UndoProgress>(`/api/sync-requests/${big}/undo`);
      expect(start.status).toBe(202);
      const running = await (await api()).post<{ type: string }>(`/api/sync-requests/${big}/undo`);
      expect([running.status, running.body.type]).toEqual([409, 'undo_running']);
      // A sync over the same orders is refused while their undo runs, and nothing of it is recorded.
      const before = await system.database.db.query('SELECT id FROM sync_requests');
      const beside = await (
        await api()
      ).post<{ type: string; detail: string }>('/api/sync-requests', {
        ...month,
        locationId: 'all',
        contactMapping: { mode: 'auto' },
      });
      expect([beside.status, beside.body.type]).toEqual([409, 'undo_running']);
      expect(beside.body.detail).toContain(big);
      expect((await system.database.db.query('SELECT id FROM sync_requests')).rowCount).toBe(before.rowCount);
      const moving = await eventually(async () => {
        const s = await undoState(big);
        return (s.done >= 5 || !['queued', 'running', 'waiting_for_quota'].includes(s.state)) && s;
      }, 5 * 60_000);
      expect([moving.state, moving.lastError]).toEqual(['running', null]);
      const cancel = await (await api()).post<{ pending: boolean }>(`/api/sync-requests/${big}/undo/cancel`);
      expect(cancel.status).toBe(202);
      const cancelled = await waitForUndo(big, 'cancelled');
      expect(cancelled.done).toBeLessThan(cancelled.total);

      const again = await (await api()).post<UndoProgress>(`/api/sync-requests/${big}/undo`);
      expect([again.status, again.body.runs]).toEqual([202, 2]);
      const finished = await waitForUndo(big, 'completed');
      expect(finished.leftInPlace.filter((l) => l.kind !== 'contact')).toEqual([]);
      expect(finished.done).toBe(finished.total);
      // Exactly once: each of the request's invoices voided once, none twice, none left.
      const { rows } = await system.database.db.query<{ xero_id: string }>(
        `SELECT xero_id FROM undo_items WHERE request_id = $1 AND kind = 'invoice'`,
        [big],
      );
      const invoices = await simInvoices(system.xero.baseUrl);
      const byId = new Map(invoices.map((i) => [i.InvoiceID, i]));
      expect(rows.length).toBeGreaterThan(20);
      expect(rows.filter((r) => byId.get(r.xero_id)?.Status !== 'VOIDED')).toEqual([]);
    },
    15 * 60_000,
  );
});
