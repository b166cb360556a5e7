import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  cancelUpdate,
  NEEDS_RECONNECT_FAILURE,
  newProgress,
  pauseUpdate,
  PLAN_VERSION,
  progressQuery,
  quotaSettingsChangedSignal,
  reconnectedSignal,
  resumeUpdate,
  SearchAttributes,
} from '../src/definitions';
import type {
  ControlAnswer,
  ManualSyncInput,
  ManualSyncResult,
  ManualSyncWorkflow,
  StepOutcome,
  SyncPhase,
  SyncProgress,
  SyncState,
} from '../src/definitions';
import { RECORD_OPTIONS, runIsLong, stepOptions } from './steps';

/** The steps that call Xero (prepareSync too: it reads the organisation's facts). */
function stepActivities(input: ManualSyncInput) {
  return proxyActivities<Activities>(stepOptions(input.stepHeartbeatMs));
}

const { recordRequestState, recordPauseRequest, xeroConnectionActive } =
  proxyActivities<Activities>(RECORD_OPTIONS);

// A request waiting for a reconnect is resumed by the reconnected signal; this check covers a signal that never
// came (the API finds waiting requests through visibility, which lags a little).
const RECONNECT_CHECK_INTERVAL = '15 minutes';

/**
 * Pause at the next page (issue 24): the pause handler records the pause where the step in flight reads it (before
 * each page and each Xero call) before it answers, a quota wait wakes on it, and resume clears it before the next
 * step. Without it a pause waited for the step in flight (up to a minute) or the quota timer (hours). A quota wait
 * also wakes when the business changes its reserve or daily limit (quotaSettingsChangedSignal).
 */
export const PAUSE_AT_PAGE = 'pause-at-page';

/** Carried across continue-as-new. */
export interface Carried {
  progress: SyncProgress;
  paused: boolean;
  /** Set while waiting out one daily window, so its several looks count as one wait. */
  inQuotaWait: boolean;
}

interface Control {
  cancel: boolean;
  reconnected: boolean;
  /** The business changed its reserve or daily limit: a quota wait looks again at once. */
  quotaSettingsChanged: boolean;
  /** The scope of the step in flight, so cancel stops it at once. */
  step: CancellationScope | null;
}

/**
 * One manual sync request. Phases: prepare (its plan), contacts (auto-match), orders (the walk and its follow-up
 * writes), each as steps of bounded length; between steps it pauses, waits for Xero's daily quota or for a
 * reconnect. Only a failed activity fails the request: a bug in this code fails the workflow task, so a fixed
 * worker carries on.
 */
export async function manualSync(input: ManualSyncInput, carried?: Carried): Promise<ManualSyncResult> {
  if (input.planVersion !== PLAN_VERSION) {
    throw ApplicationFailure.create({
      type: 'UnknownPlanVersion',
      message: `This worker walks plan ${PLAN_VERSION}, not plan ${input.planVersion}; run a worker that knows it.`,
      nonRetryable: true,
    });
  }
  const state: Carried = carried ?? {
    progress: newProgress(input.requestId),
    paused: false,
    inQuotaWait: false,
  };
  const { progress } = state;
  const control: Control = { cancel: false, reconnected: false, quotaSettingsChanged: false, step: null };
  installHandlers(state, control);

  let steps = 0;
  try {
    if (progress.phase === 'queued') {
      await stepActivities(input).prepareSync(input);
      progress.phase = nextPhase(input, 'queued');
    }
    while (progress.phase !== 'done') {
      await waitWhilePaused(state, control);
      if (control.cancel) return await finish(progress, 'cancelled');
      if (runIsLong(steps)) {
        await condition(allHandlersFinished);
        return await continueAsNew<typeof manualSync>(input, state);
      }
      await setState(progress, 'running');
      steps += 1;
      const outcome = await runStep(input, progress, control);
      if (outcome === 'cancelled') return await finish(progress, 'cancelled');
      if (outcome !== 'reconnected') await afterStep(input, state, outcome, control);
    }
  } catch (err) {
    if (isCancellation(err) && !control.cancel) {
      // Cancelled from Temporal itself (the Web UI, the CLI): the history log still hears of it.
      await CancellationScope.nonCancellable(() => setState(progress, 'cancelled'));
      throw err;
    }
    if (!(err instanceof ActivityFailure)) throw err;
    progress.lastError = reasonOf(err);
    await finish(progress, 'failed');
    throw ApplicationFailure.create({ type: 'SyncFailed', message: progress.lastError, nonRetryable: true });
  }
  return await finish(progress, progress.counts.failed > 0 ? 'completed_with_errors' : 'completed');
}

function nextPhase(input: ManualSyncInput, phase: SyncPhase): SyncPhase {
  if (phase === 'queued') return input.contactMapping.mode === 'auto' ? 'contacts' : 'orders';
  return phase === 'contacts' ? 'orders' : 'done';
}

/** Pause, resume and cancel are Updates: the validator refuses what cannot be done, with the reason. */
function installHandlers(state: Carried, control: Control): void {
  const { progress } = state;
  const answer = (pending: boolean): ControlAnswer => ({ state: progress.state, pending });
  const refuseIfCancelling = () => {
    if (control.cancel) throw new Error(`Sync request ${progress.requestId} is being cancelled.`);
  };
  setHandler(progressQuery, () => progress);
  setHandler(
    pauseUpdate,
    async () => {
      if (!patched(PAUSE_AT_PAGE)) {
        state.paused = true;
        progress.pausing = progress.state !== 'paused';
        return answer(progress.pausing);
      }
      // Recorded first, so no page or Xero call of the step in flight starts after the answer.
      await recordPauseRequest(progress.requestId, true);
      state.paused = true;
      progress.pausing = progress.state !== 'paused';
      // No step in flight (a quota wait, or between steps): paused at once, and the answer says so. A reconnect
      // wait keeps its step's scope: the pause takes effect once the connection is back.
      if (control.step === null)
        await condition(() => recorded.get(progress) === 'paused' || !state.paused || control.cancel);
      return answer(recorded.get(progress) !== 'paused');
    },
    {
      validator: () => {
        refuseIfCancelling();
        if (state.paused) throw new Error(`Sync request ${progress.requestId} is already paused.`);
      },
    },
  );
  setHandler(
    resumeUpdate,
    async () => {
      // Cleared before the next step can start, so it does not stop at once.
      if (patched(PAUSE_AT_PAGE)) await recordPauseRequest(progress.requestId, false);
      state.paused = false;
      progress.pausing = false;
      return answer(false);
    },
    {
      validator: () => {
        refuseIfCancelling();
        if (!state.paused) throw new Error(`Sync request ${progress.requestId} is not paused.`);
      },
    },
  );
  setHandler(
    cancelUpdate,
    () => {
      control.cancel = true;
      control.step?.cancel();
      return answer(true);
    },
    { validator: refuseIfCancelling },
  );
  setHandler(reconnectedSignal, () => void (control.reconnected = true));
  setHandler(quotaSettingsChangedSignal, () => void (control.quotaSettingsChanged = true));
}

/** One step of the current phase; a revoked connection is waited out (the step then runs again). */
async function runStep(
  input: ManualSyncInput,
  progress: SyncProgress,
  control: Control,
): Promise<StepOutcome | 'reconnected' | 'cancelled'> {
  const { resolveContacts, syncOrders } = stepActivities(input);
  try {
    return await CancellationScope.cancellable(async () => {
      control.step = CancellationScope.current();
      return progress.phase === 'contacts'
        ? await resolveContacts(input)
        : await syncOrders(input, progress.cursor);
    });
  } catch (err) {
    if (control.cancel && isCancellation(err)) return 'cancelled';
    if (!needsReconnect(err)) throw err;
    // The Xero connection is revoked or expired: not a failure of the request. Wait for the business to
    // reconnect (or for cancel), then run the step again; the ledger makes that harmless.
    await waitForReconnect(input, progress, reasonOf(err), control);
    return control.cancel ? 'cancelled' : 'reconnected';
  } finally {
    control.step = null;
  }
}

/** What a step's outcome leads to: its counts and cursor kept, then a quota wait, the next phase, or another step. */
async function afterStep(
  input: ManualSyncInput,
  state: Carried,
  outcome: StepOutcome,
  control: Control,
): Promise<void> {
  const { progress } = state;
  progress.counts = outcome.counts;
  if (progress.phase === 'orders') progress.cursor = outcome.cursor;
  if (outcome.progressed) state.inQuotaWait = false;
  if (outcome.resumeAt !== null) {
    // Xero's daily quota ran out: wait durably (a timer the Web UI shows), then run the step again.
    await waitForQuota(state, outcome, control);
    return;
  }
  if (outcome.done) progress.phase = nextPhase(input, progress.phase);
}

async function waitWhilePaused(state: Carried, control: Control): Promise<void> {
  if (!state.paused) return;
  state.progress.pausing = false;
  await setState(state.progress, 'paused');
  setCurrentDetails('Paused; resume it (POST /api/sync-requests/{id}/resume) to continue.');
  await condition(() => !state.paused || control.cancel);
  setCurrentDetails('');
}

async function waitForQuota(state: Carried, outcome: StepOutcome, control: Control): Promise<void> {
  const cancelled = () => control.cancel;
  const { progress } = state;
  const resumeAt = outcome.resumeAt!;
  if (!state.inQuotaWait) progress.quotaWaits += 1;
  state.inQuotaWait = true;
  progress.resumeAt = resumeAt;
  progress.resumeAtIsReset = outcome.resetKnown;
  await setState(progress, 'waiting_for_quota', true);
  const ms = Math.max(1, new Date(resumeAt).getTime() - Date.now());
  const why = outcome.resetKnown
    ? `Waiting for Xero's daily API quota to reset at ${resumeAt}`
    : `Xero's daily API quota is used up and its reset time is not known yet; looking again at ${resumeAt}`;
  setCurrentDetails(why);
  // A pause ends the wait at once (the request is paused now, not when the quota resets); resumed, it looks again.
  // So does a change of the business's reserve or daily limit: the step looks at the budget again at once.
  control.quotaSettingsChanged = false;
  const wakes = patched(PAUSE_AT_PAGE)
    ? () => cancelled() || state.paused || control.quotaSettingsChanged
    : cancelled;
  await condition(wakes, ms, { summary: why });
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
  control: Control,
): Promise<void> {
  progress.lastError = reason;
  await setState(progress, 'needs_reconnect');
  setCurrentDetails(
    `${reason}. Reconnect it (GET /xero/connect?business=${input.businessId}, or ` +
      `npm run cli -- business connect-custom --business ${input.businessId} …); this request then carries on ` +
      'by itself. Cancel it with POST /api/sync-requests/{id}/cancel.',
  );
  for (;;) {
    await condition(() => control.reconnected || control.cancel, RECONNECT_CHECK_INTERVAL, {
      summary: 'Waiting for the business to reconnect Xero; looking at the connection again after this',
    });
    if (control.cancel) break;
    if (control.reconnected) {
      control.reconnected = false;
      break;
    }
    if (await xeroConnectionActive(input.businessId)) break;
  }
  setCurrentDetails('');
  progress.lastError = null;
}

// The state the history log (the API's record) last has, per request run: a pause answers once it is there.
const recorded = new WeakMap<SyncProgress, SyncState>();

/** Every state change shows in three places: the query, the Web UI's search attribute and the history log. */
async function setState(progress: SyncProgress, state: SyncState, always = false): Promise<void> {
  if (progress.state === state && !always) return;
  progress.state = state;
  upsertSearchAttributes([{ key: SearchAttributes.state, value: state }]);
  log.info('Sync state', { requestId: progress.requestId, state });
  await recordRequestState(progress);
  recorded.set(progress, state);
}

async function finish(progress: SyncProgress, state: SyncState): Promise<ManualSyncResult> {
  progress.pausing = false;
  await setState(progress, state);
  return progress;
}

// The workflow keeps the signature clients start it with (src/definitions.ts): a change there or here fails to compile.
const _startsAs: ManualSyncWorkflow = manualSync;
