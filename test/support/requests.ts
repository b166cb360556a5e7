import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { SyncRequestDetail } from '../../src/contract';
import { PLAN_VERSION } from '../../src/definitions';
import type { ManualSyncInput, ManualSyncResult } from '../../src/definitions';
import { getBusiness } from '../../src/businesses/store';
import { summaryEstimate } from '../../src/engine/summary-estimate';
import { createBusiness, loadDemoOrders } from './orders';
import { DEMO_TENANT_ID } from '../../src/xero-sim';
import { eventually } from './system';
import type { TestSystem, TestSystemOptions } from './system';

/**
 * A sync request as the platform sees it: submitted over the real HTTP API, followed through its progress there,
 * and its workflow's result once it has ended.
 */

export interface SyncRequestBody {
  businessId: string;
  channel: string;
  startDate: string;
  endDate: string;
  /** Default "all". */
  locationId?: string;
  /** Default auto-match by name. */
  contactMapping?: { mode: 'auto' } | { mode: 'manual'; contactId: string };
  /** Default: the API's defaults. */
  options?: Record<string, unknown>;
}

/** Submits a sync request over the real HTTP API (with the business's key) and returns its id; anything but 202 fails the test. */
export async function submitSync(system: TestSystem, request: SyncRequestBody): Promise<string> {
  const api = await system.api(request.businessId);
  const res = await api.post('/api/sync-requests', {
    locationId: 'all',
    contactMapping: { mode: 'auto' },
    ...request,
  });
  if (res.status !== 202)
    throw new Error(`POST /api/sync-requests answered ${res.status}: ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

/**
 * A request's workflow input as the API builds it, for a test that records a request row or calls the engine
 * itself: POS at every location, July 2025 in Singapore, contacts auto-matched, authorised invoices with their
 * payments, orders already in Xero skipped. `fields` override it (its options one by one).
 */
export function syncInput(
  fields: Pick<ManualSyncInput, 'requestId' | 'businessId'> &
    Partial<Omit<ManualSyncInput, 'options'>> & { options?: Partial<ManualSyncInput['options']> },
): ManualSyncInput {
  const { options, ...rest } = fields;
  return {
    channel: 'pos',
    locationId: null,
    startDate: '2025-07-01',
    endDate: '2025-07-31',
    timeZone: 'Asia/Singapore',
    contactMapping: { mode: 'auto' },
    planVersion: PLAN_VERSION,
    stepHeartbeatMs: 60_000,
    ...rest,
    options: { invoiceStatus: 'AUTHORISED', recordPayments: true, resyncPolicy: 'skip', ...options },
  };
}

/** Waits for the request's workflow to end and answers its result (a workflow that failed rejects). */
export async function syncResult(system: TestSystem, id: string): Promise<ManualSyncResult> {
  return (await system.temporal.client.workflow.getHandle(id).result()) as ManualSyncResult;
}

/** Submits a sync request and waits for it to end. */
export async function syncToEnd(
  system: TestSystem,
  request: SyncRequestBody,
): Promise<{ id: string; result: ManualSyncResult }> {
  const id = await submitSync(system, request);
  return { id, result: await syncResult(system, id) };
}

export type RequestDetail = z.infer<typeof SyncRequestDetail>;

/** The request's progress as the API serves it (GET /api/sync-requests/{id}, with the business's key). */
export async function requestDetail(
  system: TestSystem,
  businessId: string,
  id: string,
): Promise<RequestDetail> {
  const res = await (await system.api(businessId)).get<RequestDetail>(`/api/sync-requests/${id}`);
  if (res.status !== 200)
    throw new Error(`GET /api/sync-requests/${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls the request's progress over the API until `until` holds, and answers that progress. */
export function waitForRequest(
  system: TestSystem,
  businessId: string,
  id: string,
  until: (detail: RequestDetail) => boolean,
  timeoutMs?: number,
): Promise<RequestDetail> {
  return eventually(async () => {
    const detail = await requestDetail(system, businessId, id);
    return until(detail) ? detail : null;
  }, timeoutMs);
}

/**
 * The system `requestInQuotaWait` needs: the demo organisation allows 20 calls a day, so a request keeping 15 in
 * reserve gets 5 calls and then waits for the next daily window; 1 s minutes and 1 s steps.
 */
export const SMALL_DAILY_QUOTA: TestSystemOptions = {
  sim: {
    timeScale: 60,
    tenants: [
      { tenantId: DEMO_TENANT_ID, name: 'Small Co', limits: { perDay: 20, perMinute: 60, concurrent: 5 } },
    ],
  },
  env: { XERO_WINDOW_MS: '1000', SYNC_STEP_SECONDS: '1' },
};

/**
 * A request held by Xero's daily limit: a business keeping 15 calls of the day in reserve, 25 POS orders a day
 * over `from`..`to`, submitted, and followed until it waits for quota (and `until` holds). Needs a simulated
 * organisation of 20 calls a day (SMALL_DAILY_QUOTA). Answers its id and that progress.
 */
export async function requestInQuotaWait(
  system: TestSystem,
  businessId: string,
  range: { from: string; to: string },
  until: (detail: RequestDetail) => boolean = () => true,
): Promise<{ id: string; waiting: RequestDetail }> {
  await createBusiness(system.database.db, businessId, { dailyQuotaReserve: 15 });
  await loadDemoOrders(system.database.db, { businessId, ...range, ordersPerDay: 25, channel: 'pos' });
  const id = await submitSync(system, {
    businessId,
    channel: 'pos',
    startDate: range.from,
    endDate: range.to,
  });
  const waiting = await waitForRequest(
    system,
    businessId,
    id,
    (p) => p.state === 'waiting_for_quota' && until(p),
    60_000,
  );
  return { id, waiting };
}

/**
 * What a daily-summary request of the business's POS orders (all locations, the API's default options) would
 * write over `range`, and its document calls: the estimate its preview and its plan show
 * (src/engine/summary-estimate.ts), asked directly.
 */
export async function summaryEstimateOf(
  system: TestSystem,
  businessId: string,
  range: { startDate: string; endDate: string },
): ReturnType<typeof summaryEstimate> {
  const business = await getBusiness(system.database.db, businessId);
  if (!business) throw new Error(`no business ${businessId}`);
  const input: ManualSyncInput = {
    requestId: 'sr_estimate',
    businessId,
    channel: 'pos',
    locationId: null,
    ...range,
    timeZone: business.timeZone,
    contactMapping: { mode: 'auto' },
    options: {
      invoiceStatus: 'AUTHORISED',
      recordPayments: true,
      resyncPolicy: 'skip',
      posting: 'daily-summary',
    },
    planVersion: PLAN_VERSION,
    stepHeartbeatMs: 30_000,
  };
  return summaryEstimate(system.database.db, input, business.settings.paymentAccounts);
}

/** The ids of the workflows a visibility query lists now (visibility lags: poll it with `eventually`). */
export async function listedWorkflowIds(client: Client, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
  return ids;
}

/**
 * Saves the request's workflow history as the fixture the replay test guards determinism with, when RECORD_HISTORY
 * asks for this shape: `1` for a new plan (`shape` undefined), a patch id for a patched() change
 * (docs/changing-the-workflow.md). Does nothing otherwise.
 */
export async function recordHistoryFixture(workflowId: string, shape?: string): Promise<void> {
  const wanted = process.env.RECORD_HISTORY;
  if (!wanted || wanted !== (shape ?? '1')) return;
  if (shape !== undefined && !/^[a-z0-9-]+$/.test(shape))
    throw new Error('RECORD_HISTORY: 1, or a patch id (a-z, 0-9, -)');
  const dir = path.resolve(__dirname, '../fixtures/histories');
  mkdirSync(dir, { recursive: true });
  const { stdout } = await promisify(execFile)(
    process.env.TEST_TEMPORAL_CLI!,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--address',
      process.env.TEST_TEMPORAL_ADDRESS!,
      '--output',
      'json',
    ],
    { maxBuffer: 64 << 20 },
  );
  const name = `manual-sync-plan${PLAN_VERSION}${shape ? `-${shape}` : ''}.json`;
  writeFileSync(path.join(dir, name), stdout);
}
