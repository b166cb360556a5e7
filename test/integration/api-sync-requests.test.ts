import { WorkflowNotFoundError } from '@temporalio/client';
import type { z } from 'zod';
import type { HistoryPage as HistoryPageSchema, OrdersPage as OrdersPageSchema } from '../../src/contract';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import type { Order } from '../../src/orders/schema';
import { generateDemoOrders } from '../../src/orders/seed';
import { upsertBusiness } from '../support/businesses';
import type { ApiClient } from '../support/api';
import { createBusiness, expectExactlyOnce, loadOrders, simInvoices, simStats } from '../support/orders';
import { listedWorkflowIds, syncResult } from '../support/requests';
import { eventually, startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

const businessId = 'biz_api';
// The API's own response schemas: a changed answer breaks these tests at compile time.
type HistoryPage = z.infer<typeof HistoryPageSchema>;
type OrdersPage = z.infer<typeof OrdersPageSchema>;

const request = (startDate: string, endDate = startDate, extra: Record<string, unknown> = {}) => ({
  channel: 'pos',
  locationId: 'all',
  startDate,
  endDate,
  contactMapping: { mode: 'auto' },
  ...extra,
});

describe('the sync-request API', () => {
  let system: TestSystem;
  let api: ApiClient;
  let orders: Order[];
  beforeAll(async () => {
    system = await startTestSystem('api-sync-requests');
    // GST9X is mapped to a TaxType Xero does not have: those orders fail with Xero's own message.
    await createBusiness(system.database.db, businessId, {
      taxTypes: {
        GST9: { taxType: 'OUTPUTY24', rate: '9' },
        GST9X: { taxType: 'NOSUCHTAX', rate: '9' },
      },
    });
    await createBusiness(system.database.db, 'biz_api_other');
    orders = [
      ...generateDemoOrders({
        businessId,
        from: '2025-06-01',
        to: '2025-06-06',
        ordersPerDay: 8,
        channel: 'pos',
        seed: 21,
      }),
    ];
    orders.forEach((o, i) => {
      if (i % 5 === 0) o.lines = o.lines.map((l) => ({ ...l, taxCode: 'GST9X' }));
    });
    await loadOrders(system.database.db, [
      ...orders,
      ...[
        ...generateDemoOrders({
          businessId,
          from: '2025-06-01',
          to: '2025-06-02',
          ordersPerDay: 3,
          channel: 'online',
          seed: 22,
        }),
      ].map((o) => ({ ...o, id: `web_${o.id}`, number: `WEB-${o.number}` })),
    ]);
    // The other business has orders of its own on the same day (a range with none would be nothing to send).
    await loadOrders(
      system.database.db,
      [
        ...generateDemoOrders({
          businessId: 'biz_api_other',
          from: '2025-06-01',
          to: '2025-06-01',
          ordersPerDay: 2,
          channel: 'pos',
          seed: 23,
        }),
      ].map((o) => ({ ...o, id: `other_${o.id}`, number: `OTHER-${o.number}` })),
    );
    api = await system.api(businessId);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('starts one workflow per Idempotency-Key: sequential and concurrent retries get the same request; another body is refused', async () => {
    const body = request('2025-06-01');
    const headers = { 'idempotency-key': 'order-batch-2025-06-01' };
    const first = await api.post('/api/sync-requests', body, { headers });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ state: 'queued', replayed: false, retryOf: null });
    const id = String(first.body.id);
    expect(first.headers.get('location')).toBe(`/api/sync-requests/${id}`);
    const retries = await Promise.all(
      Array.from({ length: 5 }, () => api.post('/api/sync-requests', body, { headers })),
    );
    for (const retry of retries) {
      expect(retry.status).toBe(202);
      expect(retry.body).toMatchObject({ id, replayed: true });
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
    }
    await syncResult(system, id);
    // After it finished, the same key still answers the same request rather than starting it again.
    expect((await api.post('/api/sync-requests', body, { headers })).body).toMatchObject({
      id,
      replayed: true,
    });
    const runs: string[] = [];
    for await (const wf of system.temporal.client.workflow.list({ query: `WorkflowId = '${id}'` }))
      runs.push(wf.runId);
    expect(runs).toHaveLength(1);
    const { rows } = await system.database.db.query('SELECT id FROM sync_requests WHERE business_id = $1', [
      businessId,
    ]);
    expect(rows).toHaveLength(1);

    const changed = await api.post('/api/sync-requests', request('2025-06-02'), { headers });
    expect(changed.status).toBe(422);
    expect(changed.body.errors).toEqual([
      { path: 'header.idempotency-key', message: expect.stringContaining('different request') },
    ]);
    // The same key of another business is another request.
    const other = await (await system.api('biz_api_other')).post('/api/sync-requests', body, { headers });
    expect(other.status).toBe(202);
    expect(other.body.id).not.toBe(id);
    await syncResult(system, String(other.body.id));
  });

  it('refuses each bad input with problem+json naming the field and what to do, and writes nothing', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [request('2025-6-1'), 'body.startDate', /YYYY-MM-DD/],
      [request('2025-02-30'), 'body.startDate', /real calendar date/],
      [request('2025-06-03', '2025-06-01'), 'body.endDate', /before|after/],
      [request('2025-06-01', '2099-01-01'), 'body.endDate', /future/],
      [
        request('2025-06-01', '2025-06-01', { locationId: 'loc_nowhere' }),
        'body.locationId',
        /does not exist/,
      ],
      [
        request('2025-06-01', '2025-06-01', { channel: 'online', locationId: orders[0]!.location.id }),
        'body.locationId',
        /no online orders/,
      ],
      [
        request('2025-06-01', '2025-06-01', { contactMapping: { mode: 'manual' } }),
        'body.contactMapping.contactId',
        /ContactID/,
      ],
      [request('2025-06-01', '2025-06-01', { colour: 'blue' }), 'body', /colour/],
      [request('2025-06-01', '2025-06-01', { channel: 'kiosk' }), 'body.channel', /pos.*online.*b2b/],
      [
        request('2025-06-01', '2025-06-01', { options: { recordPayments: 'yes' } }),
        'body.options.recordPayments',
        /boolean/,
      ],
    ];
    const before = await system.database.db.query('SELECT count(*)::int AS n FROM sync_requests');
    for (const [body, path, message] of cases) {
      const res = await api.post('/api/sync-requests', body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const errors = res.body.errors as Array<{ path: string; message: string }>;
      expect(errors.map((e) => e.path)).toContain(path);
      expect(JSON.stringify(errors)).toMatch(message);
    }
    const badKey = await api.post('/api/sync-requests', request('2025-06-01'), {
      headers: { 'idempotency-key': 'has space' },
    });
    expect(badKey.status).toBe(400);
    expect(badKey.body.errors).toEqual([
      { path: 'header.idempotency-key', message: expect.stringContaining('ASCII') },
    ]);
    const after = await system.database.db.query('SELECT count(*)::int AS n FROM sync_requests');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('follows a request, lists per-order results with Xero’s message, and retries only the failed orders', async () => {
    const callsBefore = (await simStats(system.xero.baseUrl)).calls.total;
    const submitted = await api.post('/api/sync-requests', request('2025-06-03', '2025-06-06'));
    const id = String(submitted.body.id);
    const running = await api.get(`/api/sync-requests/${id}`);
    expect(running.status).toBe(200);
    expect(running.body).toMatchObject({
      id,
      requestId: id,
      channel: 'pos',
      locationId: 'all',
      startDate: '2025-06-03',
    });
    const final = await syncResult(system, id);
    expect(final.state).toBe('completed_with_errors');
    const detail = await api.get(`/api/sync-requests/${id}`);
    expect(detail.body).toMatchObject({
      state: 'completed_with_errors',
      counts: final.counts,
      phase: 'done',
      reachedDate: '2025-06-06',
      etaSeconds: 0,
    });
    // Every call made for the request is counted, and the plan it recorded at the start was close.
    const { xeroCalls, plannedCalls } = detail.body as { xeroCalls: number; plannedCalls: number };
    expect(xeroCalls).toBe((await simStats(system.xero.baseUrl)).calls.total - callsBefore);
    expect(Math.abs(plannedCalls - xeroCalls)).toBeLessThanOrEqual(Math.max(1, xeroCalls / 10));

    const inRange = orders.filter((o) => o.placedAt >= '2025-06-03' && o.placedAt < '2025-06-07');
    const failing = inRange
      .filter((o) => o.lines[0]!.taxCode === 'GST9X')
      .map((o) => o.id)
      .sort();
    expect(final.counts.failed).toBe(failing.length);
    const failed = await api.get<OrdersPage>(`/api/sync-requests/${id}/orders?status=failed`);
    expect(failed.body.items.map((o) => o.orderId)).toEqual(failing);
    for (const o of failed.body.items) expect(o.message).toMatch(/NOSUCHTAX|TaxType/);

    // Synced orders carry the Xero invoice; pages of 5 walk them all exactly once.
    const seen: OrdersPage['items'] = [];
    let cursor: string | null = null;
    do {
      const page: { body: OrdersPage } = await api.get<OrdersPage>(
        `/api/sync-requests/${id}/orders?status=synced&limit=5${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(final.counts.synced);
    expect(new Set(seen.map((o) => o.orderId)).size).toBe(seen.length);
    for (const o of seen) {
      expect(o.xeroInvoiceId).toMatch(/^[0-9a-f-]{36}$/);
      expect(o.invoiceNumber).toBeTruthy();
    }
    const badStatus = await api.get(`/api/sync-requests/${id}/orders?status=lost`);
    expect(badStatus.body.errors).toEqual([
      { path: 'query.status', message: expect.stringContaining('"failed"') },
    ]);

    // Map the tax code properly, then retry: only the failed orders are pushed, in a request linked to this one.
    await upsertBusiness(system.database.db, {
      id: businessId,
      name: businessId,
      timeZone: 'Asia/Singapore',
      xeroTenantId: null,
      settings: {
        taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '9' }, GST9X: { taxType: 'OUTPUTY24', rate: '9' } },
      },
    });
    const invoicesBefore = (await simInvoices(system.xero.baseUrl)).length;
    const workflows = () => listedWorkflowIds(system.temporal.client, `XeroSyncBusinessId = "${businessId}"`);
    const workflowsBefore = await eventually(async () => {
      const ids = await workflows();
      return ids.includes(id) ? ids : null;
    });
    // Six concurrent calls (a double-clicking merchant, a retrying backend) start one retry and all answer it.
    const retries = await Promise.all(
      Array.from({ length: 6 }, () => api.post(`/api/sync-requests/${id}/retry-failed`)),
    );
    for (const r of retries) expect(r.status).toBe(202);
    const retryId = String(retries[0]!.body.id);
    expect(new Set(retries.map((r) => r.body.id))).toEqual(new Set([retryId]));
    expect(retries.filter((r) => r.body.replayed === false)).toHaveLength(1);
    for (const r of retries) expect(r.body).toMatchObject({ retryOf: id });
    const started = await eventually(async () => {
      const ids = await workflows();
      return ids.includes(retryId) ? ids : null;
    });
    expect(started.filter((w) => !workflowsBefore.includes(w))).toEqual([retryId]);
    const { rows: retryRows } = await system.database.db.query(
      'SELECT id FROM sync_requests WHERE retry_of = $1',
      [id],
    );
    expect(retryRows).toEqual([{ id: retryId }]);
    const retried = await syncResult(system, retryId);
    // Called again once it has ended: the same retry, nothing new started.
    const again = await api.post(`/api/sync-requests/${id}/retry-failed`);
    expect(again.body).toMatchObject({ id: retryId, replayed: true });
    expect(retried.counts).toEqual({ found: failing.length, synced: failing.length, failed: 0, skipped: 0 });
    const pushed = await api.get<OrdersPage>(`/api/sync-requests/${retryId}/orders`);
    expect(pushed.body.items.map((o) => o.orderId)).toEqual(failing);
    const invoices = await simInvoices(system.xero.baseUrl);
    expect(invoices.length - invoicesBefore).toBe(failing.length);
    expectExactlyOnce(
      inRange,
      invoices.filter((i) => inRange.some((o) => o.id === i.Reference)),
    );
    expect((await api.get(`/api/sync-requests/${retryId}`)).body).toMatchObject({
      retryOf: id,
      state: 'completed',
    });

    // Nothing failed in the retry: a second retry has nothing to do.
    const nothing = await api.post(`/api/sync-requests/${retryId}/retry-failed`);
    expect(nothing.status).toBe(409);
    expect(nothing.body.detail).toContain('no failed orders');
  });

  it('keeps a history log: newest first, filtered, paginated, and still there after Temporal forgets a request', async () => {
    const online = await api.post(
      '/api/sync-requests',
      request('2025-06-01', '2025-06-02', { channel: 'online' }),
    );
    const onlineId = String(online.body.id);
    await syncResult(system, onlineId);
    const all = await api.get<HistoryPage>('/api/sync-requests');
    expect(all.body.items.length).toBeGreaterThanOrEqual(4);
    expect(all.body.items[0]!.id).toBe(onlineId);
    const created = all.body.items.map((i) => i.createdAt);
    expect([...created].sort().reverse()).toEqual(created);

    const byChannel = await api.get<HistoryPage>('/api/sync-requests?channel=online');
    expect(byChannel.body.items.map((i) => i.id)).toEqual([onlineId]);
    const byState = await api.get<HistoryPage>('/api/sync-requests?state=completed_with_errors');
    expect(byState.body.items.every((i) => i.state === 'completed_with_errors')).toBe(true);
    // Both pos requests had orders on the unmapped tax code (June 1, and June 3–6).
    expect(byState.body.items.map((i) => i.startDate).sort()).toEqual(['2025-06-01', '2025-06-03']);
    const byDate = await api.get<HistoryPage>('/api/sync-requests?date=2025-06-02');
    expect(byDate.body.items.map((i) => i.id)).toEqual([onlineId]);
    const byLocation = await api.get<HistoryPage>('/api/sync-requests?locationId=all&channel=pos');
    expect(byLocation.body.items.every((i) => i.locationId === 'all' && i.channel === 'pos')).toBe(true);

    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: HistoryPage } = await api.get<HistoryPage>(
        `/api/sync-requests?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      walked.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all.body.items.map((i) => i.id));
    for (const bad of ['limit=0', 'limit=abc', 'cursor=%21%21', 'state=sleeping', 'date=June', 'sort=asc']) {
      const res = await api.get(`/api/sync-requests?${bad}`);
      expect(res.status).toBe(400);
      expect((res.body.errors as Array<{ path: string }>)[0]!.path).toMatch(/^query/);
    }

    // Past Temporal's retention the workflow is gone; the log and the detail come from PostgreSQL.
    await system.temporal.client.workflowService.deleteWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId: onlineId },
    });
    // Deletion runs asynchronously in Temporal (a system workflow); on a loaded CI machine it can take a while.
    // Only "not found" means forgotten: any other error (Temporal unreachable, a refused call) fails the test.
    await eventually(async () => {
      try {
        await system.temporal.client.workflow.getHandle(onlineId).describe();
        return false;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return true;
        throw err;
      }
    }, 120_000);
    const forgotten = await api.get(`/api/sync-requests/${onlineId}`);
    expect(forgotten.status).toBe(200);
    expect(forgotten.body).toMatchObject({
      id: onlineId,
      state: 'completed',
      counts: { found: 6, synced: 6 },
    });
    const stillListed = await api.get<HistoryPage>('/api/sync-requests?channel=online');
    expect(stillListed.body.items).toEqual([expect.objectContaining({ id: onlineId, state: 'completed' })]);
  }, 240_000);

  it('searches Xero contacts for the picker through the limiter, accent- and case-insensitively, from a copy of the directory read again after 5 minutes', async () => {
    await fetch(`${system.xero.baseUrl}/__sim/tenants/${DEMO_TENANT_ID}/contacts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        Contacts: [{ Name: 'Walk-in Customer' }, { Name: 'Walker Supplies', ContactStatus: 'ARCHIVED' }],
      }),
    });
    const contactCalls = async () =>
      Object.entries((await simStats(system.xero.baseUrl)).calls.byEndpoint)
        .filter(([endpoint]) => /GET .*Contacts/i.test(endpoint))
        .reduce((n, [, c]) => n + c, 0);
    const before = await contactCalls();
    const first = await api.get<{ items: Array<{ name: string; status: string }>; cached: boolean }>(
      '/api/xero/contacts?search=walk',
    );
    expect(first.status).toBe(200);
    expect(first.body.cached).toBe(false);
    expect(first.body.items.map((c) => c.name)).toEqual(['Walk-in Customer']);
    const again = await api.get<{ cached: boolean }>('/api/xero/contacts?search=Walk');
    expect(again.body.cached).toBe(true);
    expect((await contactCalls()) - before).toBe(1);
    const archived = await api.get<{ items: Array<{ name: string; status: string }> }>(
      '/api/xero/contacts?search=walk&includeArchived=true',
    );
    expect(archived.body.items).toContainEqual(
      expect.objectContaining({ name: 'Walker Supplies', status: 'ARCHIVED' }),
    );
    // The call went through the tenant's limiter (its pacing row moved).
    const { rows } = await system.database.db.query('SELECT count(*)::int AS n FROM xero_tenant_pacing');
    expect(rows[0].n).toBeGreaterThan(0);
    // Accents and case do not matter (Xero's own searchTerm would not find "Café" from "cafe"): the API searches
    // its copy of the organisation's directory, folded.
    await fetch(`${system.xero.baseUrl}/__sim/tenants/${DEMO_TENANT_ID}/contacts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        // Names the demo orders do not use (their customers include "Café "Bean" & Co", created by earlier syncs).
        Contacts: [{ Name: 'Crème Brûlée Bakery' }, { Name: 'Zoë Ng', EmailAddress: 'zoe@ng.sg' }],
      }),
    });
    const searchNames = async (term: string) =>
      (
        await api.get<{ items: Array<{ name: string }> }>(
          `/api/xero/contacts?search=${encodeURIComponent(term)}`,
        )
      ).body.items.map((c) => c.name);
    // The copy is read again once it is older than 5 minutes (aged here rather than waited for).
    expect(await searchNames('creme brulee')).toEqual([]);
    await system.database.db.query(
      `UPDATE xero_contact_directory_reads SET read_at = now() - interval '6 minutes'`,
    );
    const beforeRefresh = await contactCalls();
    expect(await searchNames('creme brulee')).toEqual(['Crème Brûlée Bakery']);
    expect((await contactCalls()) - beforeRefresh).toBe(1);
    expect(await searchNames('CRÈME BRULÉE')).toEqual(['Crème Brûlée Bakery']);
    expect(await searchNames('zoe ng')).toEqual(['Zoë Ng']);
    expect(await searchNames('ZOE@NG')).toEqual(['Zoë Ng']);
    expect((await contactCalls()) - beforeRefresh).toBe(1);
    const tooShort = await api.get('/api/xero/contacts?search=w');
    expect(tooShort.body.errors).toEqual([
      { path: 'query.search', message: expect.stringContaining('at least 2') },
    ]);
    // A disconnect forgets the copy with the rest (this is the file's last test: nothing after it needs Xero).
    const stored = async () =>
      (
        await system.database.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM xero_contact_directory WHERE business_id = $1',
          [businessId],
        )
      ).rows[0]!.n;
    expect(await stored()).toBeGreaterThan(0);
    expect((await api.post(`/xero/disconnect?business=${businessId}`)).status).toBe(200);
    expect(await stored()).toBe(0);
  });
});
