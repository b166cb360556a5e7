import type { UndoProgress } from '../../src/contract';
import { createBusiness, loadDemoOrders, simCreditNotes, simInvoices } from '../support/orders';
import { syncToEnd } from '../support/requests';
import { eventually, startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Undo of a daily-summary request (docs/undo.md, posting-modes.md): its summary invoices with their payments and its
 * refund credit notes with their refunds and allocations are taken back, the receivables are as before, and the
 * orders are summarised again under the next numbers of their keys, with the same totals.
 */
const DAYS = { startDate: '2025-03-03', endDate: '2025-03-04' };

describe('undo of a daily-summary request', () => {
  let system: TestSystem;
  const businessId = 'biz_undo_summaries';
  beforeAll(async () => {
    system = await startTestSystem('undo-summaries', {
      sim: { timeScale: 60, seed: 2327, faults: [{ errorRate: 0.05, errorStatus: 503 }] },
      env: { XERO_WINDOW_MS: '1000', XERO_REQUEST_TIMEOUT_MS: '5000' },
    });
    await createBusiness(system.database.db, businessId);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it(
    'takes back the summaries, payments and credit notes, and the orders can be summarised again',
    async () => {
      await loadDemoOrders(system.database.db, {
        businessId,
        from: DAYS.startDate,
        to: DAYS.endDate,
        ordersPerDay: 10,
        channel: 'pos',
        seed: 9,
      });
      const request = {
        businessId,
        channel: 'pos',
        ...DAYS,
        options: { posting: 'daily-summary' },
      };
      const first = await syncToEnd(system, request);
      expect(first.result.state).toBe('completed');
      const summarised = await simInvoices(system.xero.baseUrl);
      expect(summarised.length).toBeGreaterThan(1);
      const notes = await simCreditNotes(system.xero.baseUrl);
      const totalOf = (list: Array<{ Total: number }>) =>
        Math.round(list.reduce((n, i) => n + i.Total * 100, 0));

      const api = await system.api(businessId);
      const preview = await api.get<{
        posting: string;
        summaries: { invoices: number; creditNotes: number };
      }>(`/api/sync-requests/${first.id}/undo/preview`);
      expect(preview.body).toMatchObject({
        posting: 'daily-summary',
        summaries: { invoices: summarised.length, creditNotes: notes.length },
      });
      expect((await api.post(`/api/sync-requests/${first.id}/undo`)).status).toBe(202);
      const done = await eventually(async () => {
        const s = (await api.get<UndoProgress>(`/api/sync-requests/${first.id}/undo`)).body;
        return ['completed', 'cancelled', 'failed'].includes(s.state) && s;
      }, 5 * 60_000);
      expect([done.state, done.lastError]).toEqual(['completed', null]);
      expect(done.leftInPlace.filter((l) => l.kind !== 'contact')).toEqual([]);
      expect(done.progress.invoices).toEqual({ done: summarised.length, total: summarised.length });
      expect(done.progress.payments.done).toBeGreaterThan(0);
      const afterUndo = await simInvoices(system.xero.baseUrl);
      expect(afterUndo.map((i) => i.Status)).toEqual(summarised.map(() => 'VOIDED'));
      expect((await simCreditNotes(system.xero.baseUrl)).every((n) => n.Status === 'VOIDED')).toBe(true);

      const again = await syncToEnd(system, request);
      expect(again.result.state).toBe('completed');
      const live = (await simInvoices(system.xero.baseUrl)).filter((i) => i.Status !== 'VOIDED');
      expect(live).toHaveLength(summarised.length);
      expect(live.every((i) => /-ADJ1$/.test(i.InvoiceNumber))).toBe(true);
      expect(totalOf(live)).toBe(totalOf(summarised));
      const paid = (list: Array<{ AmountPaid: number }>) =>
        Math.round(list.reduce((n, i) => n + i.AmountPaid * 100, 0));
      expect(paid(live)).toBe(paid(summarised));
    },
    10 * 60_000,
  );
});
