import { DEMO_TENANT_ID } from '../../src/xero-sim';
import type { SimTrackingCategory } from '../../src/xero-sim/tracking';
import type { Order } from '../../src/orders/schema';
import type { ApiClient, ApiResponse } from '../support/api';
import { createBusiness, loadDemoOrders, simCreditNotes, simInvoices } from '../support/orders';
import { syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * Tracking categories end to end, against the real API, worker, PostgreSQL and the simulated Xero (whose tracking
 * rules are in src/xero-sim/tracking.ts): the settings are checked against GET /TrackingCategories, the preview
 * warns of an unmapped location and of an option archived after it was mapped, and every line of the invoices and
 * credit notes a request writes carries the mapped options.
 */

const BIZ = 'biz_tracking';
const SIM = { timeScale: 60 };
const ENV = { XERO_WINDOW_MS: '1000' };

type FieldError = { path: string; message: string };
type Warning = { code: string; count: number; examples: string[] };
type Line = { Tracking?: Array<{ TrackingCategoryID: string; TrackingOptionID: string; Option: string }> };

const errorsOf = (res: ApiResponse) => (res.body.errors ?? []) as FieldError[];

function optionId(category: SimTrackingCategory, name: string): string {
  const option = category.Options.find((o) => o.Name === name);
  if (!option) throw new Error(`${category.Name} has no option ${name}`);
  return option.TrackingOptionID;
}

function made(result: SimTrackingCategory | string): SimTrackingCategory {
  if (typeof result === 'string') throw new Error(result);
  return result;
}

describe('tracking categories per location and channel', () => {
  let system: TestSystem;
  let api: ApiClient;
  let store: SimTrackingCategory;
  let channel: SimTrackingCategory;
  let orders: Order[];
  const range = { channel: 'pos', startDate: '2025-08-04', endDate: '2025-08-05' };

  beforeAll(async () => {
    system = await startTestSystem('tracking', { sim: SIM, env: ENV });
    await createBusiness(system.database.db, BIZ);
    orders = await loadDemoOrders(system.database.db, {
      businessId: BIZ,
      from: range.startDate,
      to: range.endDate,
      ordersPerDay: 30,
      channel: 'pos',
      seed: 23,
    });
    const sim = system.xero.sim;
    store = made(
      sim.addTrackingCategory(DEMO_TENANT_ID, {
        Name: 'Store',
        Options: [
          { Name: 'Clementi' },
          { Name: 'Orchard' },
          { Name: 'Tampines' },
          { Name: 'Closed', Status: 'ARCHIVED' },
        ],
      }),
    );
    channel = made(
      sim.addTrackingCategory(DEMO_TENANT_ID, {
        Name: 'Channel',
        Options: [{ Name: 'Counter' }, { Name: 'Web' }],
      }),
    );
    made(sim.addTrackingCategory(DEMO_TENANT_ID, { Name: 'Old regions', Status: 'ARCHIVED' }));
    api = await system.api(BIZ);
  });
  afterAll(async () => {
    await system?.stop();
  });

  const patch = (tracking: unknown) => api.request('PATCH', '/api/business/settings', { body: { tracking } });
  const storeMapping = (options: Record<string, string>) => ({
    categoryId: store.TrackingCategoryID,
    by: 'location',
    options,
  });
  const channelMapping = () => ({
    categoryId: channel.TrackingCategoryID,
    by: 'channel',
    options: { pos: optionId(channel, 'Counter') },
  });
  const preview = async () => {
    const res = await api.post<{ warnings: Warning[] }>('/api/sync-requests/preview', {
      ...range,
      locationId: 'all',
      contactMapping: { mode: 'auto' },
    });
    expect(res.status).toBe(200);
    return res.body.warnings.filter((w) => w.code.startsWith('tracking_'));
  };

  it('refuses an archived option, naming the active ones', async () => {
    const res = await patch([storeMapping({ loc_orchard: optionId(store, 'Closed') })]);
    expect(res.status).toBe(400);
    expect(errorsOf(res)).toEqual([
      {
        path: 'body.tracking.0.options.loc_orchard',
        message: expect.stringMatching(
          /^Xero option Closed \(.+\) of tracking category Store is ARCHIVED; its active options: Clementi \(.+\), Orchard \(.+\), Tampines \(.+\)\./,
        ),
      },
    ]);
  });

  it('refuses a third category and an archived or unknown one, saying which categories are active', async () => {
    const archived = system.xero.sim.tenants
      .get(DEMO_TENANT_ID)!
      .trackingCategories.find((c) => c.Name === 'Old regions')!;
    const active = `Store \\(${store.TrackingCategoryID}\\), Channel \\(${channel.TrackingCategoryID}\\)`;
    const three = await patch([
      storeMapping({}),
      channelMapping(),
      { categoryId: archived.TrackingCategoryID, by: 'location', options: {} },
    ]);
    expect(three.status).toBe(400);
    expect(errorsOf(three)[0]).toEqual({
      path: 'body.tracking',
      message: expect.stringMatching(
        new RegExp(`^at most two tracking categories .*active tracking categories: ${active}\\.$`),
      ),
    });
    const old = await patch([{ categoryId: archived.TrackingCategoryID, by: 'location', options: {} }]);
    expect(errorsOf(old)[0]?.message).toMatch(new RegExp(`Old regions .* is ARCHIVED; .*: ${active}\\.$`));
    const unknown = await patch([
      { categoryId: '11111111-2222-3333-4444-555555555555', by: 'channel', options: {} },
    ]);
    expect(errorsOf(unknown)[0]?.message).toMatch(/^Xero has no tracking category 11111111-/);
    const twice = await patch([storeMapping({}), storeMapping({})]);
    expect(errorsOf(twice)[0]?.path).toBe('body.tracking.1.categoryId');
    expect((await api.get('/api/business/settings')).body.tracking).toEqual([]);
  });

  it('stores a valid mapping by id; the preview warns of an unmapped location and of an option archived since', async () => {
    const mapping = [
      storeMapping({ loc_clementi: optionId(store, 'Clementi'), loc_orchard: optionId(store, 'Orchard') }),
      channelMapping(),
    ];
    const res = await patch(mapping);
    expect(res.status).toBe(200);
    expect(res.body.tracking).toEqual(mapping);
    expect(await preview()).toEqual([
      expect.objectContaining({
        code: 'tracking_unmapped',
        count: 1,
        examples: ['Tampines Mall Kiosk (loc_tampines)'],
      }),
    ]);
    const orchard = optionId(store, 'Orchard');
    expect(system.xero.sim.setTrackingStatus(DEMO_TENANT_ID, orchard, 'ARCHIVED')).toBeNull();
    try {
      expect(await preview()).toEqual([
        expect.objectContaining({ code: 'tracking_unmapped' }),
        expect.objectContaining({
          code: 'tracking_option_archived',
          count: 1,
          examples: ['loc_orchard → Store: Orchard (ARCHIVED)'],
        }),
      ]);
    } finally {
      system.xero.sim.setTrackingStatus(DEMO_TENANT_ID, orchard, 'ACTIVE');
    }
  });

  it('every line of the invoices and credit notes carries its location’s and channel’s options', async () => {
    const mapped = { loc_clementi: 'Clementi', loc_orchard: 'Orchard' } as Record<string, string>;
    const { result } = await syncToEnd(system, { businessId: BIZ, ...range });
    expect(result.state).toBe('completed');
    const live = orders.filter((o) => o.status !== 'voided');
    expect(result.counts).toMatchObject({ synced: live.length, failed: 0 });
    const locationOf = new Map(orders.map((o) => [o.id, o.location.id]));
    const expected = (orderId: string) => {
      const store = mapped[locationOf.get(orderId) ?? ''];
      return [...(store ? [store] : []), 'Counter'];
    };
    const problems: string[] = [];
    const check = (kind: string, reference: string, lines: Line[]) => {
      for (const line of lines) {
        const got = (line.Tracking ?? []).map((t) => t.Option);
        if (JSON.stringify(got) !== JSON.stringify(expected(reference)))
          problems.push(`${kind} ${reference}: ${JSON.stringify(got)}`);
      }
    };
    const invoices = (await simInvoices(system.xero.baseUrl)) as unknown as Array<{
      Reference: string;
      LineItems: Line[];
    }>;
    for (const invoice of invoices) check('invoice', invoice.Reference, invoice.LineItems);
    const notes = (await simCreditNotes(system.xero.baseUrl)) as unknown as Array<{
      Reference: string;
      LineItems: Line[];
    }>;
    for (const note of notes) check('credit note', note.Reference, note.LineItems);
    expect(problems).toEqual([]);
    expect(invoices).toHaveLength(live.length);
    expect(notes.length).toBe(orders.filter((o) => o.status === 'refunded').length);
    expect(notes.length).toBeGreaterThan(0);
    expect(new Set(live.map((o) => o.location.id)).size).toBe(3);
  });
});
