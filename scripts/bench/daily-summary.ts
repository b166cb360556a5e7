/**
 * DS (issue 23): a year of POS orders at three locations posted as daily summaries. Its Xero calls against the
 * summary minimum, against the per-order run of the same orders (side by side, on another organisation), and the
 * preview's estimates of both modes against the calls each run made.
 */
import { generateDemoOrders } from '../../src/orders/seed';
import type { Order } from '../../src/orders/schema';
import { DEMO_SETTINGS } from '../../src/demo/seed';
import { DEFAULT_SETTINGS } from '../../src/businesses/store';
import type { MappingSettings } from '../../src/engine/invoice-mapping';
import { buildDailySummaries, buildRefundSummaries } from '../../src/engine/summary';
import { planCalls } from '../../src/engine/packing';
import type { PreviewResult } from '../../src/contract';
import type { TestSystem } from '../../test/support/system';
import { forBusiness, load, minimumCalls, newOrg, ratio, result, submit, tenantStats } from './support';
import type { Org, SyncBody } from './support';
import type { Row } from './report';

const YEAR = { startDate: '2025-01-01', endDate: '2025-12-31' };
/** About 13,000 orders a year over three locations, as the example. */
const ORDERS_PER_DAY = 36;

function yearOfPos(businessId: string, prefix: string): Order[] {
  return forBusiness(
    generateDemoOrders({
      businessId,
      from: YEAR.startDate,
      to: YEAR.endDate,
      ordersPerDay: ORDERS_PER_DAY,
      channel: 'pos',
      seed: 31,
    }),
    businessId,
    prefix,
  );
}

/** The business settings the bench's organisations run with, as the engine maps orders with them. */
const SETTINGS: MappingSettings = {
  ...DEFAULT_SETTINGS,
  ...DEMO_SETTINGS,
  timeZone: 'Asia/Singapore',
  invoiceStatus: 'AUTHORISED',
} as MappingSettings;

/**
 * The fewest calls that carry these orders as daily summaries: the summaries, payments, credit notes, refund
 * payments and allocations the builder (src/engine/summary.ts) makes, packed under Xero's batch limits like
 * invoices (50 elements a write, refunds in the payment batches, an allocation a call), plus the contacts and the
 * organisation's facts as for the per-order minimum (support.ts, minimumCalls).
 */
export function summaryMinimum(orders: Order[], existingContacts: number) {
  const live = orders.filter((o) => o.status !== 'voided');
  const { summaries } = buildDailySummaries(live, SETTINGS, { name: 'counting only' });
  const notes = buildRefundSummaries(live, SETTINGS, { name: 'counting only' }, summaries);
  const documents = planCalls({
    invoices: summaries.length,
    payments: summaries.reduce((n, s) => n + s.payments.length, 0),
    creditNotes: notes.length,
    refunds: notes.reduce((n, s) => n + s.refundPayments.length, 0),
    allocations: notes.reduce((n, s) => n + s.allocations.length, 0),
    contactReads: 0,
    newContacts: 0,
    organisationReads: 0,
  });
  const rest = minimumCalls(live, { auto: true, walkIn: 'Walk-in Customer', existingContacts });
  return { summaries: summaries.length, total: documents.total + rest.contacts + rest.organisation };
}

async function previewOf(system: TestSystem, org: Org, body: SyncBody): Promise<PreviewResult> {
  const api = await system.api(org.businessId);
  const res = await api.post<PreviewResult>('/api/sync-requests/preview', {
    locationId: 'all',
    contactMapping: { mode: 'auto' },
    ...body,
  });
  if (res.status !== 200) throw new Error(`preview answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Runs a request to its end; the calls the simulator counted for the organisation meanwhile. */
async function callsOf(system: TestSystem, org: Org, body: SyncBody): Promise<number> {
  const before = await tenantStats(system, org);
  await result(system, await submit(system, org, body));
  return (await tenantStats(system, org)).calls.total - before.calls.total;
}

const estimateError = (estimate: number, calls: number) =>
  Math.round((Math.abs(estimate - calls) / calls) * 1000) / 1000;

function modeEstimate(preview: PreviewResult, mode: 'per-order' | 'daily-summary') {
  const found = preview.posting.modes.find((m) => m.mode === mode)?.estimate;
  if (!found) throw new Error(`the preview has no ${mode} estimate: ${JSON.stringify(preview.posting)}`);
  return found;
}

export async function runDailySummary(system: TestSystem): Promise<Row[]> {
  const summaryOrg = await newOrg(system, 'DS year summary');
  const perOrderOrg = await newOrg(system, 'DS year per order');
  const orders = yearOfPos(summaryOrg.businessId, 'ds');
  await load(system, orders);
  await load(system, yearOfPos(perOrderOrg.businessId, 'dp'));
  const body: SyncBody = { channel: 'pos', ...YEAR, options: { posting: 'daily-summary' } };
  const preview = await previewOf(system, summaryOrg, body);
  const existing = (await tenantStats(system, summaryOrg)).stored.contacts;
  const summaryCalls = await callsOf(system, summaryOrg, body);
  const minimum = summaryMinimum(orders, existing);
  const perOrderBody: SyncBody = { channel: 'pos', ...YEAR, options: { posting: 'per-order' } };
  const perOrderPreview = await previewOf(system, perOrderOrg, perOrderBody);
  const perOrderCalls = await callsOf(system, perOrderOrg, perOrderBody);
  const summary = modeEstimate(preview, 'daily-summary');
  const perOrder = modeEstimate(perOrderPreview, 'per-order');
  // What the summary request's own preview said per order, side by side, against the per-order run.
  const sideBySide = modeEstimate(preview, 'per-order');
  const scenario = `POS year, 3 locations (${orders.length} orders), daily summary`;
  const summaryError = estimateError(preview.estimate.calls.total, summaryCalls);
  const sideError = estimateError(sideBySide.calls, perOrderCalls);
  return [
    {
      id: 'DS',
      scenario,
      metric: `calls / summary minimum (${summaryCalls} / ${minimum.total}, ${minimum.summaries} summaries)`,
      value: ratio(summaryCalls, minimum.total),
      target: '≤ 1.10',
      pass: summaryCalls <= 1.1 * minimum.total,
    },
    {
      id: 'DS',
      scenario,
      metric: `summary calls / per-order calls of the same orders (${summaryCalls} / ${perOrderCalls}; ${summary.invoices} summaries / ${perOrder.invoices} invoices)`,
      value: ratio(summaryCalls, perOrderCalls),
      target: 'reported',
      pass: true,
    },
    {
      id: 'DS',
      scenario,
      metric: `preview estimate error, daily summary (${preview.estimate.calls.total} estimated)`,
      value: summaryError,
      target: '≤ 0.10',
      pass: summaryError <= 0.1,
    },
    {
      id: 'DS',
      scenario,
      metric: `preview estimate error, per order side by side (${sideBySide.calls} estimated, ${perOrderCalls} made)`,
      value: sideError,
      target: '≤ 0.10',
      pass: sideError <= 0.1,
    },
  ];
}
