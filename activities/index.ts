import type { ManualSyncInput, OrdersCursor, SyncProgress } from '../src/definitions';
import type { Dependencies } from '../src/runtime';
import { resolveContacts } from '../src/engine/contacts-step';
import { createKeepAliveActivities } from './keep-alive';
import { syncOrders } from '../src/engine/orders-walk';
import { prepareSync } from '../src/engine/prepare';
import { recordState } from './request-state';

/** The activities, built with their clients injected (the worker passes real ones, tests their own). */
export function createActivities(deps: Dependencies) {
  return {
    /** Records the request's plan (orders and expected calls) before its first Xero call. */
    prepareSync: (input: ManualSyncInput) => prepareSync(deps, input),
    /** Auto-match by name: finds or creates every contact the request's orders name. */
    resolveContacts: (input: ManualSyncInput) => resolveContacts(deps, input),
    /** One step of the orders walk: invoices, then their payments and credit notes, packed into batches. */
    syncOrders: (input: ManualSyncInput, cursor: OrdersCursor) => syncOrders(deps, input, cursor),
    /** Keeps the history log's row current (it outlives Temporal's retention), and emits the state's webhook event. */
    recordRequestState: (progress: SyncProgress) => recordState(deps, progress),
    /** Whether the business's Xero connection is active again (a request waiting in needs_reconnect asks). */
    xeroConnectionActive: async (businessId: string) =>
      (await deps.connections.summary(businessId))?.status === 'active',
    /** The Xero keep-alive's steps: refresh idle OAuth connections; tell endpoints of needs_reconnect. */
    ...createKeepAliveActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

export { createWebhookActivities } from './webhooks';
export type { WebhookActivities } from './webhooks';
