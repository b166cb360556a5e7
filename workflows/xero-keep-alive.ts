import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { KeepAliveResult } from '../src/definitions';

/**
 * One run of the Xero keep-alive, started by its Temporal Schedule (src/temporal/keep-alive-schedule.ts): the
 * idle OAuth connections are refreshed, then the connections Xero refused lately are told to the business's
 * webhook endpoints. Each activity is idempotent (an idle connection refreshed is no longer idle; an event's id
 * comes from the change it tells), so a retry or an overlapping run does no harm; a run that fails is followed
 * by the next scheduled one, hours before any refresh token is near its 60 days.
 */
export async function xeroKeepAlive(): Promise<KeepAliveResult> {
  const { keepXeroConnectionsAlive, notifyConnectionsNeedingReconnect } = proxyActivities<Activities>({
    startToCloseTimeout: '1 hour',
    retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
  });
  const refreshed = await keepXeroConnectionsAlive();
  const events = await notifyConnectionsNeedingReconnect();
  return { ...refreshed, events };
}
