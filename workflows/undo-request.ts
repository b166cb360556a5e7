import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { cancelUndoUpdate, undoProgressQuery } from '../src/definitions';
import type {
  UndoInput,
  UndoProgressState,
  UndoRequestWorkflow,
  UndoState,
  UndoStepOutcome,
} from '../src/definitions';
import { RECORD_OPTIONS, runIsLong, stepOptions } from './steps';

/**
 * The undo of a request (docs/undo.md): steps of take-backs until none is left, paced by the organisation's
 * limiter like the sync's. A spent daily quota is waited out on a durable timer (then the step runs again); a
 * crashed worker's step is retried after its heartbeat timeout, and the undo's ledger makes that harmless; a cancel
 * (an Update, after the API recorded it where the step reads it) ends it `cancelled` once the step stops at its next
 * take-back. Only a failed activity fails it.
 */
function stepActivities(input: UndoInput) {
  return proxyActivities<Activities>(stepOptions(input.stepHeartbeatMs));
}

const { recordUndoState } = proxyActivities<Activities>(RECORD_OPTIONS);

export async function undoRequest(input: UndoInput, carried?: UndoProgressState): Promise<UndoProgressState> {
  const progress: UndoProgressState = carried ?? {
    requestId: input.requestId,
    state: 'queued',
    resumeAt: null,
    lastError: null,
  };
  const control = { cancel: false };
  setHandler(undoProgressQuery, () => progress);
  setHandler(
    cancelUndoUpdate,
    () => {
      control.cancel = true;
      return { state: progress.state, pending: true };
    },
    {
      validator: () => {
        if (control.cancel) throw new Error(`The undo of ${input.requestId} is being cancelled.`);
      },
    },
  );
  const { undoStep } = stepActivities(input);
  let steps = 0;
  try {
    for (;;) {
      if (control.cancel) return await setState(progress, 'cancelled');
      if (runIsLong(steps)) {
        await condition(allHandlersFinished);
        return await continueAsNew<typeof undoRequest>(input, progress);
      }
      await setState(progress, 'running');
      steps += 1;
      const outcome = await undoStep(input);
      if (outcome.cancelled) return await setState(progress, 'cancelled');
      if (outcome.resumeAt !== null) await waitForQuota(progress, outcome, control);
      else if (outcome.done) return await setState(progress, 'completed');
    }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    progress.lastError = err.cause instanceof Error ? err.cause.message : err.message;
    await setState(progress, 'failed');
    throw ApplicationFailure.create({ type: 'UndoFailed', message: progress.lastError, nonRetryable: true });
  }
}

/** Xero's daily quota ran out: wait durably until it resets (or a cancel), then run the step again. */
async function waitForQuota(
  progress: UndoProgressState,
  outcome: UndoStepOutcome,
  control: { cancel: boolean },
): Promise<void> {
  progress.resumeAt = outcome.resumeAt;
  await setState(progress, 'waiting_for_quota', true);
  const why = outcome.resetKnown
    ? `Waiting for Xero's daily API quota to reset at ${outcome.resumeAt}`
    : `Xero's daily API quota is used up; looking again at ${outcome.resumeAt}`;
  setCurrentDetails(why);
  const ms = Math.max(1, new Date(outcome.resumeAt!).getTime() - Date.now());
  await condition(() => control.cancel, ms, { summary: why });
  setCurrentDetails('');
  progress.resumeAt = null;
}

async function setState(
  progress: UndoProgressState,
  state: UndoState,
  always = false,
): Promise<UndoProgressState> {
  if (progress.state === state && !always) return progress;
  progress.state = state;
  log.info('Undo state', { requestId: progress.requestId, state });
  await recordUndoState(progress);
  return progress;
}

// The workflow keeps the signature clients start it with (src/definitions.ts).
const _startsAs: UndoRequestWorkflow = undoRequest;
