import type { Logger } from '../logger';
import type { ConnectionStore } from './connection-store';
import type { StoredTokenProvider } from './tokens';

const DAY_MS = 86_400_000;

export interface KeepAliveReport {
  idle: number;
  refreshed: number;
  needsReconnect: number;
  failed: number;
}

/**
 * Xero expires a refresh token that goes unused for 60 days (xero-facts.md, Tokens), and a business that syncs
 * rarely would only find out when it next syncs. This refreshes every active OAuth connection whose refresh
 * token was last used more than `afterDays` ago, through the same single-flight refresh a sync uses, so none
 * reaches 60 days. One whose refresh Xero refuses becomes needs_reconnect (the page's banner shows it); one
 * Xero does not answer for is counted as failed and tried again on the next run.
 */
export async function keepConnectionsAlive(
  deps: { store: ConnectionStore; tokens: StoredTokenProvider; log?: Logger },
  afterDays: number,
): Promise<KeepAliveReport> {
  const report: KeepAliveReport = { idle: 0, refreshed: 0, needsReconnect: 0, failed: 0 };
  if (afterDays <= 0) return report;
  const idleBefore = new Date(deps.tokens.now() - afterDays * DAY_MS);
  const idle = await deps.store.idleOAuthConnections(idleBefore);
  report.idle = idle.length;
  for (const businessId of idle) {
    try {
      const done = await deps.tokens.keepAlive(businessId, idleBefore);
      if (done.outcome === 'refreshed') report.refreshed += 1;
      if (done.outcome === 'needs_reconnect') {
        report.needsReconnect += 1;
        deps.log?.warn('Xero keep-alive: the connection needs reconnecting', {
          businessId,
          reason: done.reason,
        });
      }
    } catch (err) {
      report.failed += 1;
      deps.log?.warn('Xero keep-alive: refresh failed; the next run tries again', {
        businessId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  deps.log?.info('Xero keep-alive done', { ...report, afterDays });
  return report;
}
