import { Context, log } from '@temporalio/activity';
import type { StepHooks } from '../src/engine/step';
import { toActivityFailure } from './xero-failures';

/** What the engine needs of the running activity (src/engine/step.ts): its heartbeat, cancellation and attempt. */
export function stepHooks(): StepHooks {
  const activity = Context.current();
  const { info } = activity;
  return {
    resumed: info.heartbeatDetails,
    signal: activity.cancellationSignal,
    attempt: `${info.activityId}#${info.attempt}`,
    heartbeat: (details?: unknown) => activity.heartbeat(details),
    log,
  };
}

/** Runs one engine function as this activity: its failures become the Temporal failures that retry or stop. */
export async function asActivity<T>(run: (hooks: StepHooks) => Promise<T>): Promise<T> {
  try {
    return await run(stepHooks());
  } catch (err) {
    throw toActivityFailure(err);
  }
}
