import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { upsertBusiness } from '../support/businesses';
import { DEMO_SETTINGS } from '../../src/demo/seed';
import { importOrdersFile } from '../../src/orders/import';
import { generateDemoOrders } from '../../src/orders/seed';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { connectToSimulator } from '../support/orders';
import { listedWorkflowIds, syncToEnd } from '../support/requests';
import { eventually, startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

describe('end to end: import, submit over HTTP, sync into Xero', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('end-to-end');
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('pushes every POS order of the range into Xero exactly once and lists the request by its search attributes', async () => {
    const businessId = 'biz_e2e';
    await upsertBusiness(system.database.db, {
      id: businessId,
      name: 'E2E Coffee',
      timeZone: 'Asia/Singapore',
      xeroTenantId: DEMO_TENANT_ID,
      settings: DEMO_SETTINGS,
    });
    await connectToSimulator(system.database.db, businessId);
    const orders = [
      ...generateDemoOrders({ businessId, from: '2026-03-01', to: '2026-03-03', ordersPerDay: 40 }),
    ];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'xms-e2e-'));
    writeFileSync(path.join(dir, 'orders.ndjson'), orders.map((o) => JSON.stringify(o)).join('\n'));
    const imported = await importOrdersFile(system.database.db, path.join(dir, 'orders.ndjson'));
    expect(imported.failed).toBe(0);

    const { id, result } = await syncToEnd(system, {
      businessId,
      channel: 'pos',
      locationId: 'all',
      startDate: '2026-03-01',
      endDate: '2026-03-03',
      contactMapping: { mode: 'auto' },
    });
    const expected = orders.filter((o) => o.channel === 'pos' && o.status !== 'voided');
    expect(result.state).toBe('completed');
    expect(result.counts.synced).toBe(expected.length);
    expect(result.phase).toBe('done');

    const stored = (await (
      await fetch(`${system.xero.baseUrl}/__sim/tenants/${DEMO_TENANT_ID}/invoices`)
    ).json()) as {
      Invoices: Array<{ Reference: string; Total: number | string; InvoiceNumber: string }>;
    };
    const refs = stored.Invoices.map((i) => i.Reference);
    expect(refs.sort()).toEqual(expected.map((o) => o.id).sort());
    for (const order of expected) {
      expect(String(stored.Invoices.find((i) => i.Reference === order.id)?.Total)).toBe(
        String(Number(order.total)),
      );
    }

    const api = await system.api(businessId);
    const progress = await api.get(`/api/sync-requests/${id}`);
    expect(progress.status).toBe(200);
    expect(progress.body).toMatchObject({
      requestId: id,
      state: 'completed',
      phase: 'done',
      reachedDate: '2026-03-03',
      counts: { synced: expected.length },
    });

    const query = `XeroSyncBusinessId = '${businessId}' AND XeroSyncChannel = 'pos' AND XeroSyncState = 'completed'`;
    const listed = await eventually(async () => {
      const ids = await listedWorkflowIds(system.temporal.client, query);
      return ids.includes(id) ? ids : null;
    });
    expect(listed).toContain(id);
  });
});
