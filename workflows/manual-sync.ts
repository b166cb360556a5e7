import {
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { cancelSignal, pauseSignal, progressQuery, resumeSignal, SearchAttributes } from '../src/definitions';
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
    progress.counts = outcome.counts;
    progress.xeroCalls += outcome.xeroCalls;
    if (outcome.resumeAt === null) {
      progress.batchesDone += 1;
      continue;
    }
    // Xero's daily quota ran out: wait durably (a timer the Web UI shows), then run this batch again.
    await waitForQuota(progress, outcome.resumeAt, () => cancelRequested);
  }
  progress.currentBatch = null;
  return finish(progress, progress.counts.failed > 0 ? 'completed_with_errors' : 'completed');
}

async function waitForQuota(
  progress: SyncProgress,
  resumeAt: string,
  cancelled: () => boolean,
): Promise<void> {
  progress.resumeAt = resumeAt;
  setState(progress, 'waiting_for_quota');
  const ms = Math.max(1, new Date(resumeAt).getTime() - Date.now());
  const why = `Waiting for Xero's daily API quota to reset; resuming at ${resumeAt}`;
  setCurrentDetails(why);
  await condition(cancelled, ms, { summary: why });
  setCurrentDetails('');
  progress.resumeAt = null;
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
