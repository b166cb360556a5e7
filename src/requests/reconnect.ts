import type { Client } from '@temporalio/client';
import type { Db } from '../db/pool';
import { quotaSettingsChangedSignal, reconnectedSignal, SearchAttributes } from '../definitions';

/**
 * After a business reconnects Xero: signals its requests waiting in `needs_reconnect`, which then carry on.
 * Visibility lags a little, so a request that entered that state a moment ago may be missed here; its own
 * periodic check of the connection picks it up. Returns the ids signalled.
 */
export async function resumeWaitingRequests(temporal: Client, businessId: string): Promise<string[]> {
  // Business ids are platform ids; one with a quote cannot be put in a visibility query safely.
  if (/["'\\]/.test(businessId)) return [];
  const query =
    `${SearchAttributes.businessId.name} = "${businessId}" AND ` +
    `${SearchAttributes.state.name} = "needs_reconnect" AND ExecutionStatus = "Running"`;
  const signalled: string[] = [];
  for await (const wf of temporal.workflow.list({ query })) {
    try {
      await temporal.workflow.getHandle(wf.workflowId).signal(reconnectedSignal);
      signalled.push(wf.workflowId);
    } catch {
      // Closed meanwhile: nothing to resume.
    }
  }
  return signalled;
}

/**
 * After a business changes its daily reserve or daily call limit: signals its requests waiting for the daily
 * quota (found in the history log's rows, which the workflow records before it waits), which look again at once.
 * Returns the ids signalled.
 */
export async function wakeQuotaWaits(db: Db, temporal: Client, businessId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM sync_requests WHERE business_id = $1 AND state = 'waiting_for_quota'",
    [businessId],
  );
  const signalled: string[] = [];
  for (const { id } of rows) {
    try {
      await temporal.workflow.getHandle(id).signal(quotaSettingsChangedSignal);
      signalled.push(id);
    } catch {
      // Closed meanwhile: nothing to wake.
    }
  }
  return signalled;
}
