import { claimChange, releaseChange } from '../../src/engine/change-ledger';
import { importOrdersFile } from '../../src/orders/import';
import type { Order } from '../../src/orders/schema';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import {
  beansOrder,
  createBusiness,
  loadOrders,
  ndjsonFile,
  simCreditNotes,
  simInvoices,
} from '../support/orders';
import { writeCalls } from '../support/changes';
import { requestDetail, submitSync, syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Later payments, refunds and voids of orders already in Xero (docs/revisions.md): an import records a revision,
 * the next sync of the range brings Xero to it, each change once; a sync after that writes nothing.
 */

async function syncRange(system: TestSystem, businessId: string, channel: Order['channel'], day: string) {
  const { result } = await syncToEnd(system, { businessId, channel, startDate: day, endDate: day });
  expect(result.state).toBe('completed');
  return result;
}

async function revise(system: TestSystem, orders: Order[]): Promise<void> {
  const summary = await importOrdersFile(system.database.db, ndjsonFile(orders));
  expect(summary).toMatchObject({ revised: orders.length, failed: 0 });
}

const invoiceOf = async (system: TestSystem, order: Order) =>
  (await simInvoices(system.xero.baseUrl)).find((i) => i.Reference === order.id)!;

/** A paid POS order of 2025-03-03 (total 21.80 = 2 × 10.00 + 9% GST, tax inclusive: 20.00 + 1.80). */
const paidOrder = (businessId: string, id: string, channel: Order['channel'] = 'pos') =>
  beansOrder(businessId, id, { placedAt: '2025-03-03T10:00:00+08:00', channel });

/** Sets (or clears) the demo organisation's period lock date in the simulator. */
async function setLock(system: TestSystem, day: string | null): Promise<void> {
  await fetch(`${system.xero.baseUrl}/__sim/tenants/${DEMO_TENANT_ID}/organisation`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ periodLockDate: day }),
  });
}

describe('changes of orders in Xero', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('changes', {
      sim: { timeScale: 60 },
      env: { XERO_WINDOW_MS: '1000' },
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'a second partial refund adds a second credit note; the same revision imported again adds nothing',
    async () => {
      const businessId = 'biz_refunds';
      await createBusiness(system.database.db, businessId);
      const order = paidOrder(businessId, 'ord_r1');
      await loadOrders(system.database.db, [order]);
      await syncRange(system, businessId, 'pos', '2025-03-03');
      const first = {
        ...order,
        status: 'refunded' as const,
        refunds: [refundOf('r1', '5.00', '2025-03-05')],
      };
      await revise(system, [first]);
      await syncRange(system, businessId, 'pos', '2025-03-03');
      const second = { ...first, refunds: [...first.refunds, refundOf('r2', '3.00', '2025-03-07')] };
      await revise(system, [second]);
      await syncRange(system, businessId, 'pos', '2025-03-03');

      const invoice = await invoiceOf(system, order);
      const notes = (await simCreditNotes(system.xero.baseUrl)).filter((n) => n.Reference === order.id);
      expect(notes.map((n) => [n.CreditNoteNumber, n.Total, n.RemainingCredit, n.Status])).toEqual([
        [`${invoice.InvoiceNumber}-CN-r1`, 5, 0, 'PAID'],
        [`${invoice.InvoiceNumber}-CN-r2`, 3, 0, 'PAID'],
      ]);
      expect(notes.map((n) => (n as unknown as { DateYMD: string }).DateYMD)).toEqual([
        '2025-03-05',
        '2025-03-07',
      ]);

      const before = await writeCalls(system);
      const again = await importOrdersFile(system.database.db, ndjsonFile([second]));
      expect(again).toMatchObject({ unchanged: 1, revised: 0 });
      // Nothing new: the request is refused as having nothing to send, and nothing is written.
      await expect(
        submitSync(system, { businessId, channel: 'pos', startDate: '2025-03-03', endDate: '2025-03-03' }),
      ).rejects.toThrow(/answered 409: .*"nothing_to_send"/);
      expect(await writeCalls(system)).toBe(before);
      expect(
        (await simCreditNotes(system.xero.baseUrl)).filter((n) => n.Reference === order.id),
      ).toHaveLength(2);
    },
    5 * 60_000,
  );

  it(
    'a re-run previews new orders and changes apart; changesOnly sends only the changes, a plain re-run the rest',
    async () => {
      const businessId = 'biz_rerun';
      await createBusiness(system.database.db, businessId);
      const inXero = paidOrder(businessId, 'ord_rr1');
      await loadOrders(system.database.db, [inXero]);
      await syncRange(system, businessId, 'pos', '2025-03-03');
      const fresh = { ...paidOrder(businessId, 'ord_rr2'), placedAt: '2025-03-03T11:00:00+08:00' };
      fresh.payments = [{ ...fresh.payments[0]!, paidAt: fresh.placedAt }];
      await loadOrders(system.database.db, [fresh]);
      await revise(system, [
        { ...inXero, status: 'refunded', refunds: [refundOf('r1', '2.00', '2025-03-05')] },
      ]);

      const body = (changesOnly: boolean) => ({
        channel: 'pos',
        locationId: 'all',
        startDate: '2025-03-03',
        endDate: '2025-03-03',
        contactMapping: { mode: 'auto' as const },
        options: { changesOnly },
      });
      const api = await system.api(businessId);
      const preview = await api.post('/api/sync-requests/preview', body(false));
      expect(preview.status).toBe(200);
      expect((preview.body as { orders: object }).orders).toMatchObject({
        toSync: 1,
        alreadySynced: 1,
        changes: 1,
        changeKinds: { payments: 0, refunds: 1, voids: 0, lineChanges: 0 },
      });
      const onlyChanges = await api.post('/api/sync-requests/preview', body(true));
      expect((onlyChanges.body as { orders: object }).orders).toMatchObject({ toSync: 0, changes: 1 });

      const { id, result } = await syncToEnd(system, { businessId, ...body(true) });
      expect(result.state).toBe('completed');
      // Progress shows the change apart from the orders: the new order was skipped, not written.
      const detail = await requestDetail(system, businessId, id);
      expect(detail.changes).toEqual({
        applied: 1,
        failed: 0,
        kinds: { payments: 0, refunds: 1, voids: 0, lineChanges: 0 },
      });
      expect(detail.counts).toMatchObject({ synced: 1, skipped: 1 });
      const references = async () => (await simInvoices(system.xero.baseUrl)).map((i) => i.Reference);
      expect(await references()).toContain(inXero.id);
      expect(await references()).not.toContain(fresh.id);
      const notes = (await simCreditNotes(system.xero.baseUrl)).filter((n) => n.Reference === inXero.id);
      expect(notes.map((n) => n.Total)).toEqual([2]);

      await syncRange(system, businessId, 'pos', '2025-03-03');
      expect(await references()).toContain(fresh.id);
      expect(
        (await simCreditNotes(system.xero.baseUrl)).filter((n) => n.Reference === inXero.id),
      ).toHaveLength(1);
    },
    5 * 60_000,
  );

  it('a claim let go at a pause or quota stop is taken over by another request at once, and only its holder lets go', async () => {
    const businessId = 'biz_release';
    await createBusiness(system.database.db, businessId);
    const order = paidOrder(businessId, 'ord_rl1');
    await loadOrders(system.database.db, [order]);
    await system.database.db.query(
      `INSERT INTO order_changes (business_id, order_id, change_key, kind, revision, detail)
       VALUES ($1, $2, 'refund:r1', 'refund', 1, '{}')`,
      [businessId, order.id],
    );
    const change = { orderId: order.id, key: 'refund:r1' };
    const who = (requestId: string, attempt = '1') => ({ requestId, attempt, foreignStaleMs: 5 * 60_000 });
    expect(await claimChange(system.database.db, businessId, change, who('sr_a'))).toBe('fresh');
    expect(await claimChange(system.database.db, businessId, change, who('sr_b'))).toBeNull();
    // Another request's attempt cannot let go of it; its holder can.
    await releaseChange(system.database.db, businessId, change, who('sr_b'));
    expect(await claimChange(system.database.db, businessId, change, who('sr_b'))).toBeNull();
    await releaseChange(system.database.db, businessId, change, who('sr_a'));
    // Taken over at once, as a claim whose write may have landed: its writer asks Xero first.
    expect(await claimChange(system.database.db, businessId, change, who('sr_b'))).toBe('stale');
  });

  it(
    'a void with a lock date before the invoice and its payment voids the invoice, its payment deleted first',
    async () => {
      const businessId = 'biz_open_void';
      await createBusiness(system.database.db, businessId);
      const order = { ...paidOrder(businessId, 'ord_ov1', 'online'), placedAt: '2025-03-06T10:00:00+08:00' };
      order.payments = [{ ...order.payments[0]!, paidAt: order.placedAt }];
      await loadOrders(system.database.db, [order]);
      await syncRange(system, businessId, 'online', '2025-03-06');
      await setLock(system, '2025-02-28');
      try {
        await revise(system, [{ ...order, status: 'voided', voidedAt: '2025-04-02T09:00:00+08:00' }]);
        await syncRange(system, businessId, 'online', '2025-03-06');
      } finally {
        await setLock(system, null);
      }
      expect(await invoiceOf(system, order)).toMatchObject({ Status: 'VOIDED', AmountPaid: 0, Payments: [] });
      expect((await simCreditNotes(system.xero.baseUrl)).filter((n) => n.Reference === order.id)).toEqual([]);
    },
    5 * 60_000,
  );

  it(
    'a void whose invoice lies in a locked period becomes a credit note dated on the void’s day',
    async () => {
      const businessId = 'biz_locked_void';
      await createBusiness(system.database.db, businessId);
      const order = { ...paidOrder(businessId, 'ord_lv1', 'online'), placedAt: '2025-03-04T10:00:00+08:00' };
      order.payments = [{ ...order.payments[0]!, paidAt: order.placedAt }];
      await loadOrders(system.database.db, [order]);
      await syncRange(system, businessId, 'online', '2025-03-04');
      await fetch(`${system.xero.baseUrl}/__sim/tenants/${DEMO_TENANT_ID}/organisation`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ periodLockDate: '2025-03-31' }),
      });
      try {
        await revise(system, [{ ...order, status: 'voided', voidedAt: '2025-04-02T09:00:00+08:00' }]);
        await syncRange(system, businessId, 'online', '2025-03-04');
      } finally {
        await fetch(`${system.xero.baseUrl}/__sim/tenants/${DEMO_TENANT_ID}/organisation`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ periodLockDate: null }),
        });
      }
      const invoice = await invoiceOf(system, order);
      expect(invoice).toMatchObject({ Status: 'PAID', AmountPaid: 21.8 });
      const notes = (await simCreditNotes(system.xero.baseUrl)).filter((n) => n.Reference === order.id);
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatchObject({
        CreditNoteNumber: `${invoice.InvoiceNumber}-VOID`,
        Total: 21.8,
        RemainingCredit: 0,
        DateYMD: '2025-04-02',
      });
      const { rows } = await system.database.db.query(
        `SELECT o.error FROM sync_request_orders o JOIN order_changes c ON c.request_id = o.request_id
         WHERE c.order_id = 'ord_lv1' AND o.order_id = 'ord_lv1'`,
      );
      expect(rows[0].error).toMatch(
        /voided as credit note .*-VOID dated 2 Apr 2025: its invoice of .* locked period/,
      );
    },
    5 * 60_000,
  );
});

function refundOf(id: string, amount: string, day: string) {
  return { id, amount, refundedAt: `${day}T12:00:00+08:00` };
}
