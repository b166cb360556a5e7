import type { Dependencies } from '../src/runtime';
import type { ManualSyncInput } from '../src/definitions';
import { getBusiness } from '../src/businesses/store';
import { planRequest } from '../src/sync-requests/plan';
import { setProgress } from '../src/sync-requests/progress';
import { emitSubmitted } from './request-state';

/**
 * The request's plan, recorded before its first Xero call: how many orders it covers and the calls it expects
 * (the same plan the preview shows), so progress and the ETA have something true to go on from the start. Then
 * the request's `sync_request.submitted` webhook event.
 */
export async function prepareSync(deps: Dependencies, input: ManualSyncInput): Promise<void> {
  const business = await getBusiness(deps.db, input.businessId);
  const walkIn = business?.settings.walkInContactName ?? 'Walk-in Customer';
  const tenant = business?.xeroTenantId;
  const quota = tenant ? await deps.limiter.dailyQuota(tenant) : null;
  const plan = await planRequest(deps.db, input, walkIn, {
    size: () => Promise.resolve(quota?.contactsCount ?? null),
    where: quota?.contactWhere ?? { refused: null, answered: null },
  });
  await setProgress(deps.db, input.requestId, {
    phase: input.contactMapping.mode === 'auto' ? 'contacts' : 'orders',
    expected: plan.stats.total,
    plannedCalls: plan.calls.total,
  });
  await emitSubmitted(deps, input, plan.stats.total);
}
