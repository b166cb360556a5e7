import type { ManualSyncInput } from '../src/definitions';
import type { Dependencies } from '../src/runtime';
import type { Batch } from '../src/sync/planning';
import { syncBatch } from './sync-batch';

/** The activities, built with their clients injected (the worker passes real ones, tests their own). */
export function createActivities(deps: Dependencies) {
  return {
    syncBatch: (input: ManualSyncInput, batch: Batch) => syncBatch(deps, input, batch),
  };
}

export type Activities = ReturnType<typeof createActivities>;
