import type { Order } from '../../src/orders/schema';
import { generateDemoOrders } from '../../src/orders/seed';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { createBusiness, loadOrders, seedSimContacts, simInvoices } from '../support/orders';
import { recordHistoryFixture, syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

function onlineOrder(base: Order, id: string, customer: string): Order {
  return {
    ...base,
    id,
    number: id.replace('ord_', ''),
    channel: 'online',
    customer: { name: customer, email: null },
    location: { id: 'loc_webstore', name: 'Online Store' },
  };
}

describe('per-order errors and contacts', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('orders-contacts');
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('records a Xero validation error on its order in the ledger while the rest of the batch is synced', async () => {
    const businessId = 'biz_errors';
    await createBusiness(system.database.db, businessId, {
      taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '9' }, BOGUS: { taxType: 'NOTATAXTYPE', rate: '0' } },
    });
    const orders = [
      ...generateDemoOrders({
        businessId,
        from: '2025-04-01',
        to: '2025-04-01',
        ordersPerDay: 30,
        channel: 'pos',
        seed: 5,
      }),
    ].filter((o) => o.status === 'completed');
    const bad = orders[3]!;
    bad.lines = bad.lines.map((l) => ({ ...l, taxCode: 'BOGUS' }));
    await loadOrders(system.database.db, orders);

    const { id, result } = await syncToEnd(system, {
      businessId,
      channel: 'pos',
      startDate: '2025-04-01',
      endDate: '2025-04-01',
    });

    expect(result.state).toBe('completed_with_errors');
    expect(result.counts).toMatchObject({ found: orders.length, synced: orders.length - 1, failed: 1 });
    const { rows } = await system.database.db.query(
      'SELECT order_id, status, error FROM order_ledger WHERE business_id = $1 AND status <> $2',
      [businessId, 'synced'],
    );
    expect(rows).toEqual([
      {
        order_id: bad.id,
        status: 'failed',
        error: expect.stringContaining('The TaxType code NOTATAXTYPE does not exist'),
      },
    ]);
    const outcome = await system.database.db.query(
      'SELECT outcome, error FROM sync_request_orders WHERE request_id = $1 AND order_id = $2',
      [id, bad.id],
    );
    expect(outcome.rows[0]).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining('NOTATAXTYPE'),
    });
    const refs = (await simInvoices(system.xero.baseUrl)).map((i) => i.Reference);
    expect(refs).not.toContain(bad.id);
    expect(refs).toEqual(expect.arrayContaining(orders.filter((o) => o !== bad).map((o) => o.id)));
  });

  it('auto-matches contacts by exact case-insensitive name, resolves names with quotes, and puts POS orders on the location', async () => {
    const businessId = 'biz_contacts';
    await createBusiness(system.database.db, businessId);
    const [johnDoe] = await seedSimContacts(system.xero.baseUrl, DEMO_TENANT_ID, [
      { Name: 'John Doe' },
      { Name: 'Old Customer', ContactStatus: 'ARCHIVED' },
    ]);
    // Own order numbers: invoice numbers are unique per Xero organisation, which both tests share.
    const base = [
      ...generateDemoOrders({
        businessId,
        from: '2025-05-02',
        to: '2025-05-02',
        ordersPerDay: 4,
        channel: 'pos',
        seed: 9,
      }),
    ].map((o) => ({ ...o, id: `c_${o.id}`, number: `C${o.number}`, status: 'completed' as const }));
    const online = [
      onlineOrder(base[0]!, 'ord_c1', 'john doe'),
      onlineOrder(base[0]!, 'ord_c2', 'Café "Bean" & Co + Friends'),
      onlineOrder(base[0]!, 'ord_c3', '  Café "Bean" & CO + friends '),
      onlineOrder(base[0]!, 'ord_c4', 'old customer'),
    ];
    await loadOrders(system.database.db, [...base, ...online]);

    const day = { startDate: '2025-05-02', endDate: '2025-05-02' };
    const web = await syncToEnd(system, { businessId, channel: 'online', ...day });
    const pos = await syncToEnd(system, { businessId, channel: 'pos', ...day });

    const invoices = new Map((await simInvoices(system.xero.baseUrl)).map((i) => [i.Reference, i]));
    expect(invoices.get('ord_c1')?.Contact.ContactID).toBe(johnDoe!.ContactID);
    expect(invoices.get('ord_c2')?.Contact.Name).toBe('Café "Bean" & Co + Friends');
    expect(invoices.get('ord_c3')?.Contact.ContactID).toBe(invoices.get('ord_c2')?.Contact.ContactID);
    expect(web.result.counts).toMatchObject({ synced: 3, failed: 1 });
    const archived = await system.database.db.query('SELECT error FROM order_ledger WHERE order_id = $1', [
      'ord_c4',
    ]);
    expect(archived.rows[0]?.error).toMatch(
      /"Old Customer" is archived; unarchive it in Xero or use a manual contact/,
    );
    for (const order of base) expect(invoices.get(order.id)?.Contact.Name).toBe(order.location.name);
    expect(pos.result.state).toBe('completed');

    // Saved once per released workflow shape as the fixture the replay test guards determinism with:
    // RECORD_HISTORY=1 for a new plan (docs/changing-the-workflow.md).
    await recordHistoryFixture(web.id);
  });
});
