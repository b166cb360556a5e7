import { workflowInfo } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';

/**
 * What the step-by-step workflows (the sync, the undo) share: how their activities are timed and retried, and when
 * a run is long enough to continue as new. Options only: each workflow still proxies its own activities, so its
 * commands are its own.
 */

/**
 * A step that calls Xero: it heartbeats around every call and while it waits, so a dead worker's step is retried
 * after the heartbeat timeout (longer than one call plus one pacing interval), not after 30 minutes. A step stops
 * starting work after SYNC_STEP_SECONDS; the 30 minutes bound one that could not finish its calls.
 */
export function stepOptions(heartbeatMs: number): ActivityOptions {
  return {
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: heartbeatMs,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  };
}

/** PostgreSQL only (a state recorded): retried until it answers, so the history log never misses a state. */
export const RECORD_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

// Continue-as-new long before Temporal's limits: a step costs about 6 events, so a run stays near 1,200.
const STEPS_PER_RUN = 200;

/** After this many steps in this run (or when Temporal suggests it), the run continues as new. */
export function runIsLong(steps: number): boolean {
  return steps >= STEPS_PER_RUN || workflowInfo().continueAsNewSuggested;
}
