import { Context } from '@temporalio/activity';
import { KEEPALIVE_EVERY_MS } from '../src/definitions';
import type { Dependencies } from '../src/runtime';
import { emitConnectionEvents } from '../src/webhooks/emit';
import type { KeepAliveReport } from '../src/xero/keep-alive';
import { startDelivery } from './request-state';

/**
 * The keep-alive's steps (workflows/xero-keep-alive.ts): refresh the idle OAuth connections, then tell the
 * webhook endpoints about every connection that turned needs_reconnect lately. The look back covers two runs, so
 * a change made just after a run, or a run that failed, is still told; telling one twice is a no-op (its
 * event id is the change's).
 */
export function createKeepAliveActivities(deps: Dependencies) {
  return {
    keepXeroConnectionsAlive: (): Promise<KeepAliveReport> =>
      deps.connections.keepAlive(deps.cfg.XERO_KEEPALIVE_AFTER_DAYS),
    notifyConnectionsNeedingReconnect: async (): Promise<number> => {
      const { client } = Context.current();
      const changes = await deps.connections.store.recentlyNeedingReconnect(2 * KEEPALIVE_EVERY_MS);
      return emitConnectionEvents(deps, changes, (d) => startDelivery(deps, client, d));
    },
  };
}
