import { localDateOf } from '../../src/calendar';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { createBusiness, loadDemoOrders, seedSimContacts } from '../support/orders';
import { requestDetail, syncResult } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/** Issue 23: the `posting` option, the business's default, and where a daily summary is refused (and why). */

const businessId = 'biz_posting';

const request = {
  businessId,
  channel: 'online',
  locationId: 'all',
  startDate: '2025-07-01',
  endDate: '2025-07-01',
  contactMapping: { mode: 'auto' },
};

describe('the posting mode of a sync request', () => {
  let system: TestSystem;
  let walkInId: string;
  const post = async (path: string, body: unknown) => (await system.api(businessId)).post(path, body);
  const patchMappings = async (body: unknown) =>
    (await system.api(businessId)).request('PATCH', '/api/business/mappings', { body });

  beforeAll(async () => {
    system = await startTestSystem('posting');
    await createBusiness(system.database.db, businessId);
    // Online orders only (the refusals come before any look at the orders).
    await loadDemoOrders(system.database.db, {
      businessId,
      from: '2025-07-01',
      to: '2025-07-01',
      ordersPerDay: 2,
      channel: 'online',
      seed: 7,
    });
    const [contact] = await seedSimContacts(system.xero.baseUrl, DEMO_TENANT_ID, [{ Name: 'Online Sales' }]);
    walkInId = contact!.ContactID;
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('refuses a daily summary of online or B2B orders with auto-matched customers, saying why and what to do (submit and preview)', async () => {
    for (const channel of ['online', 'b2b'])
      for (const path of ['/api/sync-requests', '/api/sync-requests/preview']) {
        const res = await post(path, { ...request, channel, options: { posting: 'daily-summary' } });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual([
          {
            path: 'body.options.posting',
            message: expect.stringMatching(/one contact for the whole day.*"per-order".*manual contact/),
          },
        ]);
      }
    const rows = await system.database.db.query('SELECT 1 FROM sync_requests WHERE business_id = $1', [
      businessId,
    ]);
    expect(rows.rowCount).toBe(0);
  });

  it('refuses resyncPolicy "update" in daily-summary mode, naming the option', async () => {
    const res = await post('/api/sync-requests', {
      ...request,
      contactMapping: { mode: 'manual', contactId: walkInId },
      options: { posting: 'daily-summary', resyncPolicy: 'update' },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'body.options.resyncPolicy', message: expect.stringContaining('never rewritten') },
    ]);
  });

  it('refuses an unknown posting mode with the modes there are', async () => {
    const res = await post('/api/sync-requests', { ...request, options: { posting: 'weekly' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'body.options.posting', message: 'must be "per-order" or "daily-summary"' },
    ]);
  });

  it('keeps the business’s default posting mode, refuses a bad one, and applies a daily-summary default only where a summary can serve', async () => {
    expect((await patchMappings({ posting: 'hourly' })).status).toBe(400);
    const saved = await patchMappings({ posting: 'daily-summary' });
    expect(saved.status).toBe(200);
    expect(saved.body.posting).toBe('daily-summary');
    expect((await (await system.api(businessId)).get('/api/business/mappings')).body.posting).toBe(
      'daily-summary',
    );
    // Online with auto contacts cannot be summarised: the default does not apply, the request posts per order.
    const perOrder = await post('/api/sync-requests', request);
    expect(perOrder.status).toBe(202);
    const detail = await requestDetail(system, businessId, String(perOrder.body.id));
    expect(detail.options.posting).toBeUndefined();
    await syncResult(system, String(perOrder.body.id));
    // Naming the mode still refuses it, with the reason.
    const named = await post('/api/sync-requests', { ...request, options: { posting: 'daily-summary' } });
    expect(named.status).toBe(400);
  });

  it('warns in the preview when a daily-summary range ends today, an open day (not per order)', async () => {
    const today = localDateOf(new Date().toISOString(), 'Asia/Singapore');
    const body = { ...request, channel: 'pos', startDate: today, endDate: today };
    const codes = async (posting: string) => {
      const res = await post('/api/sync-requests/preview', { ...body, options: { posting } });
      expect(res.status).toBe(200);
      return (res.body.warnings as Array<{ code: string; message: string }>).map((w) => w.code);
    };
    expect(await codes('daily-summary')).toContain('open_day');
    expect(await codes('per-order')).not.toContain('open_day');
  });

  it('shows and changes summary lines through the page’s mappings, refusing an unknown grouping by its field', async () => {
    const get = async () => (await system.api(businessId)).get('/api/business/mappings');
    expect((await get()).body.summaryLines).toBe('account');
    const refused = await patchMappings({ summaryLines: 'customer' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      { path: 'body.summaryLines', message: expect.stringContaining('"product"') },
    ]);
    const saved = await patchMappings({ summaryLines: 'product' });
    expect(saved.status).toBe(200);
    expect(saved.body.summaryLines).toBe('product');
    expect((await get()).body.summaryLines).toBe('product');
  });
});
