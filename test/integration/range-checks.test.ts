import type { ManualSyncInput } from '../../src/definitions';
import { anyInvoiceToWrite, rangeContactSources, rangeStats } from '../../src/engine/plan';
import { createTestDatabase } from '../support/harness';
import type { TestDatabase } from '../support/harness';
import { createBusiness, loadDemoOrders } from '../support/orders';
import { syncInput } from '../support/requests';

/**
 * The cheaper reads that stand in for the range's full statistics (docs/performance.md, "P4 after issue 24"): the
 * API's nothing-to-send check stops at the first order to write, the contacts step reads only the contact names'
 * fields. Each must answer what rangeStats answers for the same range.
 */
describe('range checks agree with the range statistics', () => {
  let t: TestDatabase;
  const businessId = 'biz_range_checks';
  beforeAll(async () => {
    t = await createTestDatabase();
    await createBusiness(t.db, businessId);
    await loadDemoOrders(t.db, {
      businessId,
      from: '2025-03-01',
      to: '2025-03-10',
      ordersPerDay: 12,
      channel: 'pos',
      seed: 21,
    });
  });
  afterAll(async () => t?.drop());

  const input = (options: Partial<ManualSyncInput['options']> = {}) =>
    syncInput({
      requestId: 'sr_range_checks',
      businessId,
      startDate: '2025-03-01',
      endDate: '2025-03-10',
      options,
    });

  const agree = async (i: ManualSyncInput) => {
    const stats = await rangeStats(t.db, i);
    expect(await anyInvoiceToWrite(t.db, i)).toBe(stats.invoices > 0);
    expect((await rangeContactSources(t.db, i)).contactSources).toEqual(stats.contactSources);
    return stats;
  };

  it('with orders to write, with every order in Xero, re-sent by update, and changes only', async () => {
    const fresh = await agree(input());
    expect(fresh.invoices).toBeGreaterThan(0);
    expect(fresh.contactSources.length).toBeGreaterThan(0);
    expect(await agree(input({ changesOnly: true }))).toMatchObject({ invoices: 0, contactSources: [] });

    // Every order but the voided ones in the ledger as synced: nothing to write, unless the policy is update.
    await t.db.query(
      `INSERT INTO order_ledger (business_id, order_id, status, request_id, invoice_number, attempts)
       SELECT business_id, id, 'synced', 'sr_earlier', 'INV-' || id, 1 FROM orders WHERE business_id = $1`,
      [businessId],
    );
    expect(await agree(input())).toMatchObject({ invoices: 0, contactSources: [] });
    expect((await agree(input({ resyncPolicy: 'update' }))).invoices).toBe(fresh.invoices);

    // One order left out of the ledger: found.
    await t.db.query(
      `DELETE FROM order_ledger WHERE business_id = $1
         AND order_id = (SELECT id FROM orders WHERE business_id = $1 AND status <> 'voided' ORDER BY placed_at DESC LIMIT 1)`,
      [businessId],
    );
    expect((await agree(input())).invoices).toBe(1);
  });
});
