import { createBusiness, loadDemoOrders } from '../support/orders';
import { syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

const businessId = 'biz_nothing';
const body = (startDate: string, endDate = startDate) => ({
  channel: 'pos',
  locationId: 'all',
  startDate,
  endDate,
  contactMapping: { mode: 'auto' },
});

/**
 * What the API adds for a merchant (issue 25): a submit that would write nothing is refused before anything is
 * recorded or started; the history log is searched by order or invoice number; a request's orders export as CSV.
 */
describe('the API for a merchant', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('nothing-to-send');
    await createBusiness(system.database.db, businessId);
    await loadDemoOrders(system.database.db, {
      businessId,
      from: '2025-04-01',
      to: '2025-04-01',
      ordersPerDay: 5,
      channel: 'pos',
      seed: 8,
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const requestCount = async () =>
    Number(
      (
        await system.database.db.query<{ n: string }>(
          'SELECT count(*) AS n FROM sync_requests WHERE business_id = $1',
          [businessId],
        )
      ).rows[0]!.n,
    );

  it('answers 409 nothing_to_send with the counts for an empty range, and records nothing', async () => {
    const api = await system.api(businessId);
    const before = await requestCount();
    const res = await api.post('/api/sync-requests', body('2025-03-01', '2025-03-07'));
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      type: 'nothing_to_send',
      status: 409,
      title: 'Nothing to send',
      counts: { total: 0, alreadySynced: 0, voided: 0, toSync: 0 },
    });
    expect(String(res.body.detail)).toContain('No orders in this range');
    expect(await requestCount()).toBe(before);
  });

  it('answers 409 nothing_to_send for a range already in Xero, counting the orders already there', async () => {
    const { result } = await syncToEnd(system, {
      businessId,
      channel: 'pos',
      startDate: '2025-04-01',
      endDate: '2025-04-01',
    });
    expect(result.counts.synced).toBeGreaterThan(0);
    const api = await system.api(businessId);
    const preview = await api.post<{ orders: { toSync: number; alreadySynced: number; total: number } }>(
      '/api/sync-requests/preview',
      body('2025-04-01'),
    );
    expect(preview.body.orders.toSync).toBe(0);
    const before = await requestCount();
    const res = await api.post('/api/sync-requests', body('2025-03-25', '2025-04-02'));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      type: 'nothing_to_send',
      counts: {
        total: preview.body.orders.total,
        alreadySynced: preview.body.orders.alreadySynced,
        toSync: 0,
      },
    });
    expect(preview.body.orders.alreadySynced).toBe(
      preview.body.orders.total - (res.body.counts as { voided: number }).voided,
    );
    expect(await requestCount()).toBe(before);
  }, 60_000);

  it('describes the 409 nothing_to_send of a submit in the OpenAPI document', async () => {
    type Schema = { $ref?: string; properties?: Record<string, unknown> };
    type Doc = {
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, { description: string; content: Record<string, { schema: Schema }> }> }
        >
      >;
      components: { schemas: Record<string, Schema> };
    };
    const doc = (await (await system.api(businessId)).get<Doc>('/openapi.json')).body;
    const conflict = doc.paths['/api/sync-requests']!.post!.responses['409']!;
    expect(conflict.description).toContain('nothing_to_send');
    const problem = conflict.content['application/problem+json']!.schema;
    const resolved = problem.$ref ? doc.components.schemas[problem.$ref.split('/').pop()!]! : problem;
    expect(Object.keys(resolved.properties ?? {})).toContain('counts');
  });

  it('finds the requests that covered an order by its order number or its invoice number, in any case', async () => {
    const api = await system.api(businessId);
    const { rows } = await system.database.db.query<{
      number: string;
      invoice_number: string;
      request_id: string;
    }>(
      `SELECT o.number, l.invoice_number, r.request_id FROM sync_request_orders r
         JOIN orders o ON o.business_id = $1 AND o.id = r.order_id
         JOIN order_ledger l ON l.business_id = $1 AND l.order_id = r.order_id
       WHERE r.outcome = 'synced' ORDER BY o.number LIMIT 1`,
      [businessId],
    );
    const order = rows[0]!;
    // The invoice number has letters ("POS-…"): searched in lower case, it is still found.
    expect(order.invoice_number).toMatch(/[A-Z]/);
    type Page = { items: Array<{ id: string }> };
    const byNumber = await api.get<Page>(
      `/api/sync-requests?search=${encodeURIComponent(order.number.toLowerCase())}`,
    );
    expect(byNumber.status).toBe(200);
    expect(byNumber.body.items.map((i) => i.id)).toEqual([order.request_id]);
    const byInvoice = await api.get<Page>(
      `/api/sync-requests?search=${encodeURIComponent(order.invoice_number.toLowerCase())}`,
    );
    expect(byInvoice.body.items.map((i) => i.id)).toEqual([order.request_id]);
    const none = await api.get<Page>('/api/sync-requests?search=NO-SUCH-ORDER');
    expect(none.body.items).toEqual([]);
    const empty = await api.get('/api/sync-requests?search=');
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([
      { path: 'query.search', message: expect.stringContaining('order number') },
    ]);
  });

  it('exports a request’s orders as CSV: one row per order, matching its per-order results', async () => {
    const api = await system.api(businessId);
    const [request] = (await api.get<{ items: Array<{ id: string }> }>('/api/sync-requests')).body.items;
    const res = await api.request('GET', `/api/sync-requests/${request!.id}/orders.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${request!.id}-orders.csv"`);
    const text = String(res.body as unknown);
    const [header, ...lines] = text.trimEnd().split('\r\n');
    expect(header).toBe(
      'order_number,placed_at,total,currency,outcome,xero_invoice_number,xero_invoice_id,reason,details',
    );
    const results = await api.get<{
      items: Array<{
        orderNumber: string;
        placedAt: string;
        total: string;
        currency: string;
        status: string;
        invoiceNumber: string | null;
        xeroInvoiceId: string | null;
      }>;
    }>(`/api/sync-requests/${request!.id}/orders?limit=100`);
    expect(lines).toEqual(
      results.body.items.map((o) =>
        [
          o.orderNumber,
          o.placedAt,
          o.total,
          o.currency,
          o.status,
          o.invoiceNumber ?? '',
          o.xeroInvoiceId ?? '',
          '',
          '',
        ].join(','),
      ),
    );
    const doc = (
      await api.get<{
        paths: Record<string, { get: { responses: Record<string, { content: Record<string, unknown> }> } }>;
      }>('/openapi.json')
    ).body;
    expect(
      Object.keys(doc.paths['/api/sync-requests/{id}/orders.csv']!.get.responses['200']!.content),
    ).toEqual(['text/csv']);
    const other = await api.request('GET', '/api/sync-requests/sr_doesnotexist/orders.csv');
    expect(other.status).toBe(404);
  });
});
