import type { ManualSyncInput, SyncProgress } from '../src/definitions';
import type { Dependencies } from '../src/runtime';
import type { Batch } from '../src/sync/planning';
import { recordRequestState } from '../src/sync-requests/store';
import { syncBatch } from './sync-batch';

/** The activities, built with their clients injected (the worker passes real ones, tests their own). */
export function createActivities(deps: Dependencies) {
  return {
    syncBatch: (input: ManualSyncInput, batch: Batch) => syncBatch(deps, input, batch),
    /** Keeps the history log's row current, so it outlives Temporal's retention. */
    recordRequestState: (progress: SyncProgress) => recordRequestState(deps.db, progress),
    /** Whether the business's Xero connection is active again (a request waiting in needs_reconnect asks). */
    xeroConnectionActive: async (businessId: string) =>
      (await deps.connections.summary(businessId))?.status === 'active',
  };
}

export type Activities = ReturnType<typeof createActivities>;
