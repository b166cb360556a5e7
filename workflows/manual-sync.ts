import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  cancelSignal,
  NEEDS_RECONNECT_FAILURE,
  newProgress,
  pauseSignal,
  progressQuery,
  reconnectedSignal,
  resumeSignal,
  SearchAttributes,
} from '../src/definitions';
import type {
  BatchOutcome,
  ManualSyncInput,
  ManualSyncResult,
  SyncProgress,
  SyncState,
} from '../src/definitions';
import { etaSeconds } from '../src/sync/estimate';
import { batchAt, planBatches } from '../src/sync/planning';

const { syncBatch } = proxyActivities<Activities>({
  // A batch is one local day by default; even a very busy day paced at Xero's minute limit fits.
  startToCloseTimeout: '2 hours',
  // Activities heartbeat after every page and while they wait for the limiter, so a dead worker shows fast.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const { recordRequestState } = proxyActivities<Activities>({
  // One small UPDATE; retried until PostgreSQL is back, so the history log never misses a state.
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const { xeroConnectionActive } = proxyActivities<Activities>({
  // One small SELECT.
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// A request waiting for a reconnect is resumed by the reconnected signal; this check covers a signal that never
// came (the API finds waiting requests through visibility, which lags a little).
const RECONNECT_CHECK_INTERVAL = '15 minutes';

// Continue-as-new long before Temporal's limits: each batch costs about 6 events, so a run stays near 1,200.
const BATCHES_PER_RUN = 200;

/** Carried across continue-as-new: progress and the control state. */
export interface Carried {
  progress: SyncProgress;
  paused: boolean;
  maxDayRemainingSeen: number;
}

/** One manual sync request: walks the date range batch by batch. Progress is a query; pause/resume/cancel signals. */
export async function manualSync(input: ManualSyncInput, carried?: Carried): Promise<ManualSyncResult> {
  const plan = planBatches(input);
  const state: Carried = carried ?? {
    progress: newProgress(input.requestId, plan.batchCount),
    paused: false,
    maxDayRemainingSeen: 0,
  };
  const { progress } = state;
  let cancelRequested = false;
  setHandler(progressQuery, () => progress);
  setHandler(pauseSignal, () => void (state.paused = true));
  setHandler(resumeSignal, () => void (state.paused = false));
  setHandler(cancelSignal, () => void (cancelRequested = true));
  let reconnected = false;
  setHandler(reconnectedSignal, () => void (reconnected = true));

  const firstBatchOfRun = progress.batchesDone;
  try {
    while (progress.batchesDone < plan.batchCount) {
      await waitWhilePaused(state, () => cancelRequested);
      if (cancelRequested) return await finish(progress, 'cancelled');
      if (
        progress.batchesDone - firstBatchOfRun >= BATCHES_PER_RUN ||
        workflowInfo().continueAsNewSuggested
      ) {
        return await continueAsNew<typeof manualSync>(input, state);
      }
      const batch = batchAt(plan, progress.batchesDone);
      progress.currentBatch = { index: batch.index, fromDate: batch.fromDate, toDate: batch.toDate };
      await setState(progress, 'running');
      let outcome: BatchOutcome;
      try {
        outcome = await syncBatch(input, batch);
      } catch (err) {
        if (!needsReconnect(err)) throw err;
        // The Xero connection is revoked or expired: not a failure of the request. Wait for the business to
        // reconnect (or for cancel), then run this batch again; the ledger makes that harmless.
        await waitForReconnect(input, progress, reasonOf(err), {
          reconnected: () => reconnected,
          consume: () => void (reconnected = false),
          cancelled: () => cancelRequested,
        });
        continue;
      }
      record(state, input, outcome, plan.batchCount);
      // Xero's daily quota ran out: wait durably (a timer the Web UI shows), then run this batch again.
      if (outcome.resumeAt !== null) await waitForQuota(progress, outcome.resumeAt, () => cancelRequested);
    }
  } catch (err) {
    if (isCancellation(err) || err instanceof ContinueAsNew) throw err;
    progress.lastError =
      err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    await finish(progress, 'failed');
    throw ApplicationFailure.create({ type: 'SyncFailed', message: progress.lastError, nonRetryable: true });
  }
  progress.currentBatch = null;
  progress.etaSeconds = 0;
  return await finish(progress, progress.counts.failed > 0 ? 'completed_with_errors' : 'completed');
}

function record(state: Carried, input: ManualSyncInput, outcome: BatchOutcome, batchesTotal: number): void {
  const { progress } = state;
  progress.counts = outcome.counts;
  progress.xeroCalls += outcome.xeroCalls;
  if (outcome.resumeAt === null) progress.batchesDone += 1;
  if (outcome.dayRemaining !== null)
    state.maxDayRemainingSeen = Math.max(state.maxDayRemainingSeen, outcome.dayRemaining);
  const remainingBatches = batchesTotal - progress.batchesDone;
  const callsPerBatch = progress.batchesDone > 0 ? progress.xeroCalls / progress.batchesDone : 1;
  const remainingCalls = Math.ceil(callsPerBatch * remainingBatches);
  progress.etaSeconds = etaSeconds({
    remainingCalls,
    perMinute: input.callsPerMinute,
    dayRemaining: outcome.dayRemaining ?? remainingCalls + input.dailyReserve,
    reserve: input.dailyReserve,
    secondsUntilDayReset: outcome.secondsUntilDayReset ?? 86_400,
    dayLimit: Math.max(state.maxDayRemainingSeen, input.dailyReserve + 1),
  });
}

async function waitWhilePaused(state: Carried, cancelled: () => boolean): Promise<void> {
  if (!state.paused) return;
  await setState(state.progress, 'paused');
  setCurrentDetails('Paused by the user; send the resume signal to continue.');
  await condition(() => !state.paused || cancelled());
  setCurrentDetails('');
}

async function waitForQuota(
  progress: SyncProgress,
  resumeAt: string,
  cancelled: () => boolean,
): Promise<void> {
  progress.resumeAt = resumeAt;
  progress.quotaWaits += 1;
  await setState(progress, 'waiting_for_quota');
  const ms = Math.max(1, new Date(resumeAt).getTime() - Date.now());
  const why = `Waiting for Xero's daily API quota to reset; resuming at ${resumeAt}`;
  setCurrentDetails(why);
  await condition(cancelled, ms, { summary: why });
  setCurrentDetails('');
  progress.resumeAt = null;
}

function needsReconnect(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === NEEDS_RECONNECT_FAILURE
  );
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
}

async function waitForReconnect(
  input: ManualSyncInput,
  progress: SyncProgress,
  reason: string,
  signals: { reconnected: () => boolean; consume: () => void; cancelled: () => boolean },
): Promise<void> {
  progress.lastError = reason;
  await setState(progress, 'needs_reconnect');
  setCurrentDetails(
    `${reason}. Reconnect it (GET /xero/connect?business=${input.businessId}, or ` +
      `npm run cli -- business connect-custom --business ${input.businessId} …); this request then carries on ` +
      'by itself. Cancel it with the cancel signal.',
  );
  for (;;) {
    await condition(() => signals.reconnected() || signals.cancelled(), RECONNECT_CHECK_INTERVAL, {
      summary: 'Waiting for the business to reconnect Xero; looking at the connection again after this',
    });
    if (signals.cancelled()) break;
    if (signals.reconnected()) {
      signals.consume();
      break;
    }
    if (await xeroConnectionActive(input.businessId)) break;
  }
  setCurrentDetails('');
  progress.lastError = null;
}

/** Every state change shows in three places: the query, the Web UI's search attribute and the history log. */
async function setState(progress: SyncProgress, state: SyncState): Promise<void> {
  if (progress.state === state) return;
  progress.state = state;
  upsertSearchAttributes([{ key: SearchAttributes.state, value: state }]);
  log.info('Sync state', { requestId: progress.requestId, state });
  await recordRequestState(progress);
}

async function finish(progress: SyncProgress, state: SyncState): Promise<ManualSyncResult> {
  await setState(progress, state);
  return progress;
}
