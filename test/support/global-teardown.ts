import { rmSync } from 'node:fs';
import type { Config } from '@jest/types';
import type { DevServerHandle } from '../../src/temporal/dev-server';
import type { EmbeddedPostgresHandle } from '../../src/db/embedded';
import { checkWorkflowHistories } from './history-scan';
import { checkLogs } from './log-scan';

/**
 * Runs once after every test file has finished: first the history scan (no token, API key, webhook secret or
 * client secret in any workflow history the run produced; see history-scan.ts), then the same scan of every log
 * line the run wrote (log-scan.ts), then stops the servers. A scan failure is thrown,
 * which makes Jest print it and exit non-zero. A full run (no test path filter) must also have scanned at least
 * one history; a run of a few files may have started no workflow.
 */
export default async function globalTeardown(globalConfig: Config.GlobalConfig): Promise<void> {
  const servers = (globalThis as Record<string, unknown>).__xmsTestServers as
    { temporal: DevServerHandle; pg: EmbeddedPostgresHandle; scratch: string } | undefined;
  if (!servers) return;
  const fullRun = !globalConfig.testPathPattern && !globalConfig.testNamePattern;
  try {
    await checkWorkflowHistories(servers.temporal.address, { requireHistories: fullRun });
    if (process.env.TEST_LOG_FILE) checkLogs(process.env.TEST_LOG_FILE, { requireLines: fullRun });
  } finally {
    await Promise.allSettled([servers.temporal.stop(), servers.pg.stop()]);
    rmSync(servers.scratch, { recursive: true, force: true });
  }
}
