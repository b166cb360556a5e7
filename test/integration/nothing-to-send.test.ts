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

/** A submit that would write nothing is refused before anything is recorded or started. */
describe('a request with nothing to send', () => {
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
});
