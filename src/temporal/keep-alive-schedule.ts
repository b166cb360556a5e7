import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Client, ScheduleOptionsAction, ScheduleSpec } from '@temporalio/client';
import { KEEPALIVE_EVERY_MS, keepAliveScheduleId, XERO_KEEPALIVE_WORKFLOW } from '../definitions';

/**
 * The Temporal Schedule that runs the Xero keep-alive (workflows/xero-keep-alive.ts) every KEEPALIVE_EVERY_MS on
 * the task queue. A Schedule rather than a timer in each worker: one run per interval however many workers
 * there are, kept by Temporal across restarts, visible (and triggerable) in the Web UI, and a run still going
 * is never overlapped. Every worker makes sure of it at start (create, or update to this shape), so a changed
 * interval or task queue takes effect on the next deploy; with the keep-alive off it is deleted.
 */
export async function ensureKeepAliveSchedule(
  client: Client,
  options: { taskQueue: string; enabled: boolean },
): Promise<'created' | 'updated' | 'deleted' | 'absent'> {
  const scheduleId = keepAliveScheduleId(options.taskQueue);
  if (!options.enabled) {
    try {
      await client.schedule.getHandle(scheduleId).delete();
      return 'deleted';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return 'absent';
      throw err;
    }
  }
  const spec: ScheduleSpec = { intervals: [{ every: KEEPALIVE_EVERY_MS }] };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: XERO_KEEPALIVE_WORKFLOW,
    taskQueue: options.taskQueue,
    workflowId: scheduleId,
    args: [],
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: KEEPALIVE_EVERY_MS };
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action,
      policies,
      state: {
        note: 'Refreshes Xero OAuth connections before their refresh tokens reach 60 unused days (docs/connecting-xero.md).',
      },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule
      .getHandle(scheduleId)
      .update((previous) => ({ ...previous, spec, action, policies }));
    return 'updated';
  }
}
