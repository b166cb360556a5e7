import type { SyncProgress } from '../src/definitions';
import type { Dependencies } from '../src/runtime';
import { createKeepAliveActivities } from './keep-alive';
import { recordState } from './request-state';
import { createSyncActivities } from './sync';
import { createUndoActivities } from './undo';
import { setPauseRequested } from '../src/requests/store';

/** The activities, built with their clients injected (the worker passes real ones, tests their own). */
export function createActivities(deps: Dependencies) {
  return {
    /** The sync's steps: prepare, resolve contacts, walk the orders (each one engine function). */
    ...createSyncActivities(deps),
    /** Keeps the history log's row current (it outlives Temporal's retention), and emits the state's webhook event. */
    recordRequestState: (progress: SyncProgress) => recordState(deps, progress),
    /** The pause the step in flight stops for at its next page or Xero call (set on pause, cleared on resume). */
    recordPauseRequest: (requestId: string, requested: boolean) =>
      setPauseRequested(deps.db, requestId, requested),
    /** Whether the business's Xero connection is active again (a request waiting in needs_reconnect asks). */
    xeroConnectionActive: async (businessId: string) =>
      (await deps.connections.summary(businessId))?.status === 'active',
    /** The undo of a request: its steps and its recorded state. */
    ...createUndoActivities(deps),
    /** The Xero keep-alive's steps: refresh idle OAuth connections; tell endpoints of needs_reconnect. */
    ...createKeepAliveActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

export { createWebhookActivities } from './webhooks';
export type { WebhookActivities } from './webhooks';
