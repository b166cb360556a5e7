import type { Client } from '@temporalio/client';
import { reconnectedSignal, SearchAttributes } from '../definitions';

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
