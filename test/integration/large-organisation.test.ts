import type { Order } from '../../src/orders/schema';
import { generateDemoOrders } from '../../src/orders/seed';
import { contactKey } from '../../src/engine/contact-names';
import { whereGroupSize, whereProbeSize } from '../../src/engine/packing';
import type { ApiExchange } from '../../src/xero-sim';
import {
  businessOnOwnOrganisation,
  expectExactlyOnce,
  loadOrders,
  seedSimContacts,
  simInvoices,
  simStats,
} from '../support/orders';
import { syncToEnd } from '../support/requests';
import { startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * A large organisation (src/xero-sim/high-volume.ts) refuses contact lookups it deems inefficient with Xero's
 * HighVolumeException. The request recovers (fewer names to a `where`, `searchTerm`, or the directory), and every
 * contact is found or created exactly once.
 */
const DIRECTORY = 20_000;
const existingName = (i: number) => `Existing Customer ${String(i).padStart(5, '0')}`;

/** Completed, card-paid online orders on one day, two per customer. */
function ordersFor(businessId: string, prefix: string, day: string, customers: string[]): Order[] {
  const base = generateDemoOrders({
    businessId,
    from: day,
    to: day,
    ordersPerDay: customers.length * 2,
    channel: 'online',
    seed: 31,
  });
  return [...base].map(({ refund: _refund, ...o }, i) => ({
    ...o,
    id: `${prefix}_${i}`,
    number: `${prefix.toUpperCase()}${1000 + i}`,
    status: 'completed' as const,
    customer: { name: customers[Math.floor(i / 2)]!, email: null },
    payments: [{ method: 'card', amount: o.total, paidAt: o.placedAt }],
  }));
}

/** A business on a large organisation of its own, holding the directory plus one archived customer. */
async function largeOrganisation(
  system: TestSystem,
  name: string,
  highVolume: true | { refuseMethods: true },
) {
  const businessId = `biz_${name}`;
  const tenantId = await businessOnOwnOrganisation(system, {
    businessId,
    name,
    clientPrefix: name,
    highVolume,
  });
  const seeded = await seedSimContacts(system.xero.baseUrl, tenantId, [
    ...Array.from({ length: DIRECTORY }, (_, i) => ({ Name: existingName(i) })),
    { Name: 'Archived Customer', ContactStatus: 'ARCHIVED' },
  ]);
  return { businessId, tenantId, seededId: new Map(seeded.map((c) => [contactKey(c.Name), c.ContactID])) };
}

async function run(system: TestSystem, businessId: string, day: string) {
  return (await syncToEnd(system, { businessId, channel: 'online', startDate: day, endDate: day })).result;
}

/** Every contact of the organisation, grouped by the key Xero's uniqueness rule compares. */
function contactsByKey(system: TestSystem, tenantId: string) {
  const byKey = new Map<string, Array<{ ContactID: string; ContactStatus: string }>>();
  for (const c of system.xero.sim.tenants.get(tenantId)!.contacts.values())
    byKey.set(contactKey(c.Name), [...(byKey.get(contactKey(c.Name)) ?? []), c]);
  return byKey;
}

describe('large organisations', () => {
  let system: TestSystem;
  const exchanges: ApiExchange[] = [];
  beforeAll(async () => {
    system = await startTestSystem('large-org', {
      sim: { onExchange: (e) => void (e.path === '/Contacts' && e.method === 'GET' && exchanges.push(e)) },
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const contactReads = (tenantId: string) =>
    exchanges.filter((e) => e.headers['xero-tenant-id']?.toLowerCase() === tenantId);

  it('recovers from HighVolumeException with smaller filters: every contact found or created once, the existing reused, the archived reported; the next preview counts the calls of the way learnt', async () => {
    const org = await largeOrganisation(system, 'large_a', true);
    const existing = [5000, 6100, 7200, 8300, 9400, 10_500, 11_600, 12_700, 13_800, 14_900];
    const customers = [
      ...Array.from({ length: 50 }, (_, i) => existingName(existing[i % 10]! + Math.floor(i / 10))),
      ...Array.from({ length: 49 }, (_, i) => `New Customer ${i}`),
      'archived customer',
    ];
    // Spelled as tills spell them: another case, extra spaces. Xero's uniqueness compares them as one.
    const spelled = customers.map((n, i) =>
      i % 3 === 0 ? n.toLowerCase() : i % 3 === 1 ? ` ${n.replace(' ', '  ')}` : n,
    );
    const orders = ordersFor(org.businessId, 'la', '2026-03-02', spelled);
    await loadOrders(system.database.db, orders);

    const result = await run(system, org.businessId, '2026-03-02');

    const stats = await simStats(system.xero.baseUrl, org.tenantId);
    expect(stats.highVolumeRefusals).toBeGreaterThanOrEqual(1);
    const limit = whereGroupSize((await system.deps.limiter.dailyQuota(org.tenantId)).contactWhere);
    expect(limit).toBeGreaterThan(1);
    // After the refusals, lookups of at most `limit` names were answered.
    const answered = contactReads(org.tenantId).filter((e) => e.status === 200 && e.query.where);
    expect(answered.length).toBeGreaterThan(0);
    for (const e of answered) expect(e.query.where!.split(' OR ').length).toBeLessThanOrEqual(limit!);

    const archived = orders.filter((o) => o.customer?.name === 'archived customer');
    expect(result.state).toBe('completed_with_errors');
    expect(result.counts).toMatchObject({ synced: orders.length - 2, failed: 2 });
    const invoices = await simInvoices(system.xero.baseUrl, org.tenantId);
    expectExactlyOnce(
      orders.filter((o) => !archived.includes(o)),
      invoices,
    );
    const byKey = contactsByKey(system, org.tenantId);
    const contactOf = new Map(invoices.map((i) => [i.Reference, i.Contact.ContactID]));
    for (const [i, name] of customers.entries()) {
      const key = contactKey(name);
      const matches = byKey.get(key) ?? [];
      expect({ name, contacts: matches.length }).toEqual({ name, contacts: 1 });
      if (i < 50) expect(matches[0]!.ContactID).toBe(org.seededId.get(key));
      if (key === 'archived customer') expect(matches[0]!.ContactStatus).toBe('ARCHIVED');
    }
    for (const o of orders.filter((o) => !archived.includes(o)))
      expect(contactOf.get(o.id)).toBe(byKey.get(contactKey(o.customer!.name!))![0]!.ContactID);
    expect(system.xero.sim.tenants.get(org.tenantId)!.contacts.size).toBe(DIRECTORY + 1 + 49);
    const { rows } = await system.database.db.query<{ error: string }>(
      'SELECT error FROM order_ledger WHERE business_id = $1 AND order_id = ANY($2)',
      [org.businessId, archived.map((o) => o.id)],
    );
    expect(rows.map((r) => r.error)).toEqual([
      expect.stringMatching(/"Archived Customer" is archived/),
      expect.stringMatching(/"Archived Customer" is archived/),
    ]);

    // The next request of the organisation: its preview counts lookups of `limit` names, and that is what it costs.
    const next = ordersFor(
      org.businessId,
      'lb',
      '2026-03-03',
      Array.from({ length: 60 }, (_, i) => `Later Customer ${i}`),
    );
    await loadOrders(system.database.db, next);
    const api = await system.api(org.businessId);
    const preview = await api.post<{ estimate: { calls: { contacts: number } } }>(
      '/api/sync-requests/preview',
      {
        channel: 'online',
        locationId: 'all',
        startDate: '2026-03-03',
        endDate: '2026-03-03',
        contactMapping: { mode: 'auto' },
      },
    );
    expect(preview.status).toBe(200);
    // The first request learnt the limit to the call: no probe is left worth making for 60 names.
    const learnt = (await system.deps.limiter.dailyQuota(org.tenantId)).contactWhere;
    expect(whereProbeSize(learnt, 60)).toBeNull();
    expect(preview.body.estimate.calls.contacts).toBe(Math.ceil(60 / limit!) + Math.ceil(60 / 50));
    const before = await simStats(system.xero.baseUrl, org.tenantId);
    expect((await run(system, org.businessId, '2026-03-03')).state).toBe('completed');
    const after = await simStats(system.xero.baseUrl, org.tenantId);
    const calls = (s: typeof after) =>
      (s.calls.byEndpoint['GET /Contacts'] ?? 0) + (s.calls.byEndpoint['PUT /Contacts'] ?? 0);
    expect(calls(after) - calls(before)).toBe(preview.body.estimate.calls.contacts);
    expectExactlyOnce(
      [...orders.filter((o) => !archived.includes(o)), ...next],
      await simInvoices(system.xero.baseUrl, org.tenantId),
    );
  });

  it('falls back to searchTerm where even one name in a where is refused, creating each contact once across dropped answers', async () => {
    const org = await largeOrganisation(system, 'large_b', { refuseMethods: true });
    // Every write is saved and its answer lost half the time: retried under its Idempotency-Key.
    system.xero.sim.setFaults([{ tenantId: org.tenantId, writesOnly: true, dropAfterCommitRate: 0.5 }]);
    const customers = [
      existingName(4000),
      existingName(15_000),
      existingName(19_999),
      'Fresh A',
      'Fresh B',
      'Fresh C',
    ];
    const orders = ordersFor(org.businessId, 'lc', '2026-03-04', customers);
    await loadOrders(system.database.db, orders);

    const result = await run(system, org.businessId, '2026-03-04');
    system.xero.sim.setFaults([]);

    expect(result.state).toBe('completed');
    const reads = contactReads(org.tenantId);
    expect(reads.filter((e) => e.status === 400).length).toBeGreaterThanOrEqual(1);
    expect(reads.filter((e) => e.status === 200 && e.query.searchTerm).length).toBeGreaterThan(0);
    expect(
      whereGroupSize((await system.deps.limiter.dailyQuota(org.tenantId)).contactWhere),
    ).toBeLessThanOrEqual(1);
    const byKey = contactsByKey(system, org.tenantId);
    for (const name of customers)
      expect({ name, contacts: byKey.get(contactKey(name))?.length }).toEqual({ name, contacts: 1 });
    for (const name of customers.slice(0, 3))
      expect(byKey.get(contactKey(name))![0]!.ContactID).toBe(org.seededId.get(contactKey(name)));
    expect(system.xero.sim.tenants.get(org.tenantId)!.contacts.size).toBe(DIRECTORY + 1 + 3);
    expectExactlyOnce(orders, await simInvoices(system.xero.baseUrl, org.tenantId));
  });
});
