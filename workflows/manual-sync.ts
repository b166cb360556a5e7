import {
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  cancelSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
  SearchAttributes,
} from '../src/definitions';
import type { ManualSyncInput, ManualSyncResult, SyncProgress, SyncState } from '../src/definitions';
import { batchAt, planBatches } from '../src/sync/planning';

const { syncBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

// Continue-as-new long before Temporal's 51,200-event limit: each batch costs about 6 events.
const BATCHES_PER_RUN = 200;

/** One manual sync request: walks the date range batch by batch; progress is a query. */
export async function manualSync(input: ManualSyncInput, carried?: SyncProgress): Promise<ManualSyncResult> {
  const plan = planBatches(input);
  const progress: SyncProgress = carried ?? newProgress(input.requestId, plan.batchCount);
  let paused = false;
  let cancelRequested = false;
  setHandler(progressQuery, () => progress);
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  setHandler(cancelSignal, () => void (cancelRequested = true));

  const startedAt = progress.batchesDone;
  while (progress.batchesDone < plan.batchCount) {
    if (paused) {
      setState(progress, 'paused');
      await condition(() => !paused || cancelRequested);
    }
    if (cancelRequested) return finish(progress, 'cancelled');
    if (progress.batchesDone - startedAt >= BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof manualSync>(input, progress);
    }
    const batch = batchAt(plan, progress.batchesDone);
    progress.currentBatch = { index: batch.index, fromDate: batch.fromDate, toDate: batch.toDate };
    setState(progress, 'running');
    const outcome = await syncBatch(input, batch);
    progress.counts.found += outcome.counts.found;
    progress.counts.synced += outcome.counts.synced;
    progress.counts.failed += outcome.counts.failed;
    progress.counts.skipped += outcome.counts.skipped;
    progress.xeroCalls += outcome.xeroCalls;
    progress.batchesDone += 1;
  }
  progress.currentBatch = null;
  return finish(progress, progress.counts.failed > 0 ? 'completed_with_errors' : 'completed');
}

function newProgress(requestId: string, batchesTotal: number): SyncProgress {
  return {
    requestId,
    state: 'queued',
    counts: { found: 0, synced: 0, failed: 0, skipped: 0 },
    batchesDone: 0,
    batchesTotal,
    currentBatch: null,
    xeroCalls: 0,
    resumeAt: null,
    etaSeconds: null,
    lastError: null,
  };
}

function setState(progress: SyncProgress, state: SyncState): void {
  if (progress.state === state) return;
  progress.state = state;
  upsertSearchAttributes([{ key: SearchAttributes.state, value: state }]);
  log.info('Sync state', { requestId: progress.requestId, state });
}

function finish(progress: SyncProgress, state: SyncState): ManualSyncResult {
  setState(progress, state);
  return progress;
}

