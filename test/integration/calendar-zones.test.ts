import { addDays, labelBound, localDateOf, localDayStartUtc } from '../../src/calendar';
import { generateDemoOrders } from '../../src/orders/seed';
import type { Order } from '../../src/orders/schema';
import { upsertBusiness } from '../support/businesses';
import { businessOnOwnOrganisation, loadOrders, simInvoices } from '../support/orders';
import { submitSync } from '../support/requests';
import { eventually, startTestSystem } from '../support/system';
import type { TestSystem } from '../support/system';

/**
 * One calendar (src/calendar.ts), seen from both sides of the date line: a range of local days selects the orders
 * of those days in the business's zone, retry-failed retries the local days of the failed orders, and the range
 * search attributes find the request with the Web UI filter docs/http-api.md shows.
 */
const START = '2026-03-10';
const END = '2026-03-11';
const ZONES = [
  { zone: 'Pacific/Auckland', businessId: 'biz_auckland' },
  { zone: 'America/Los_Angeles', businessId: 'biz_los_angeles' },
];

/** An order at `minutes` after local midnight of `date` in `zone`, with the given tax code. */
function orderAt(template: Order, zone: string, date: string, minutes: number, taxCode: string): Order {
  const placedAt = new Date(Date.parse(localDayStartUtc(date, zone)) + minutes * 60_000).toISOString();
  const id = `${template.businessId}_${date}_${minutes}`;
  return {
    ...template,
    id,
    number: id.replace(/\D/g, '').slice(-9),
    placedAt,
    payments: template.payments.map((p) => ({ ...p, paidAt: placedAt })),
    refund: undefined,
    status: 'completed',
    lines: template.lines.map((l) => ({ ...l, taxCode })),
  };
}

/**
 * The filter docs/http-api.md gives for "requests whose range touches these local days": it starts before noon of
 * the last and ends after noon of the day before the first (src/calendar.ts labelBound).
 */
function rangeFilter(businessId: string, first: string, last: string): string {
  return (
    `XeroSyncBusinessId = "${businessId}" AND XeroSyncRangeStart < "${labelBound(last)}"` +
    ` AND XeroSyncRangeEnd > "${labelBound(addDays(first, -1))}"`
  );
}

describe('one calendar, in Pacific/Auckland and America/Los_Angeles', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem('calendar-zones');
  });
  afterAll(async () => {
    await system?.stop();
  });

  it.each(ZONES)(
    '$zone: the range selects its local days, retry-failed retries them, the range filter finds both',
    async ({ zone, businessId }) => {
      const tenantId = await businessOnOwnOrganisation(system, {
        businessId,
        name: zone,
        clientPrefix: 'calendar',
        // GST9X goes to a TaxType the organisation does not have: Xero refuses those orders.
        settings: {
          taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '9' }, GST9X: { taxType: 'NOSUCHTAX', rate: '9' } },
        },
      });
      await upsertBusiness(system.database.db, {
        id: businessId,
        name: zone,
        timeZone: zone,
        xeroTenantId: tenantId,
        settings: {},
      });
      const [template] = [
        ...generateDemoOrders({
          businessId,
          from: START,
          to: START,
          ordersPerDay: 1,
          channel: 'pos',
          seed: 3,
        }),
      ];
      // Half an hour either side of each end of the range, in the business's zone; one order of each inside day fails.
      const before = orderAt(template!, zone, addDays(START, -1), 23 * 60 + 30, 'GST9X');
      const firstIn = orderAt(template!, zone, START, 30, 'GST9X');
      const firstOk = orderAt(template!, zone, START, 60, 'GST9');
      const lastOk = orderAt(template!, zone, END, 23 * 60, 'GST9');
      const lastIn = orderAt(template!, zone, END, 23 * 60 + 30, 'GST9X');
      const after = orderAt(template!, zone, addDays(END, 1), 30, 'GST9X');
      await loadOrders(system.database.db, [before, firstIn, firstOk, lastOk, lastIn, after]);
      // The instants straddle UTC days differently in each zone; their local days are what the range speaks of.
      expect([before, firstIn, lastIn, after].map((o) => localDateOf(o.placedAt, zone))).toEqual([
        addDays(START, -1),
        START,
        END,
        addDays(END, 1),
      ]);

      const id = await submitSync(system, { businessId, channel: 'pos', startDate: START, endDate: END });
      const done = await system.temporal.client.workflow.getHandle(id).result();
      expect(done.counts).toEqual({ found: 4, synced: 2, failed: 2, skipped: 0 });
      const references = async () =>
        (await simInvoices(system.xero.baseUrl, tenantId)).map((i) => i.Reference).sort();
      expect(await references()).toEqual([firstOk.id, lastOk.id].sort());

      // The mapping is fixed; the retry covers the local days of the failed orders, and only those orders.
      await upsertBusiness(system.database.db, {
        id: businessId,
        name: zone,
        timeZone: zone,
        xeroTenantId: tenantId,
        settings: {
          taxTypes: { GST9: { taxType: 'OUTPUTY24', rate: '9' }, GST9X: { taxType: 'OUTPUTY24', rate: '9' } },
        },
      });
      const api = await system.api(businessId);
      const retry = await api.post(`/api/sync-requests/${id}/retry-failed`);
      expect(retry.status).toBe(202);
      const retryId = String(retry.body.id);
      const retried = await system.temporal.client.workflow.getHandle(retryId).result();
      expect(retried).toMatchObject({ counts: { found: 2, synced: 2, failed: 0, skipped: 0 } });
      expect((await api.get(`/api/sync-requests/${retryId}`)).body).toMatchObject({
        startDate: START,
        endDate: END,
      });
      expect(await references()).toEqual([firstIn.id, firstOk.id, lastOk.id, lastIn.id].sort());

      // The Web UI filter on the range attributes finds the request and its retry, in local dates.
      const found = async (first: string, last: string) => {
        const ids: string[] = [];
        for await (const w of system.temporal.client.workflow.list({
          query: rangeFilter(businessId, first, last),
        }))
          ids.push(w.workflowId);
        return [...new Set(ids)].sort();
      };
      expect(
        await eventually(async () => ((await found(END, END)).length === 2 ? found(END, END) : null)),
      ).toEqual([id, retryId].sort());
      expect(await found(START, START)).toEqual([id, retryId].sort());
      expect(await found(addDays(START, -1), addDays(START, -1))).toEqual([]);
      expect(await found(addDays(END, 1), addDays(END, 2))).toEqual([]);
    },
  );
});
