import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { createLogger } from '../logger';
import { resumeWaitingRequests } from '../requests/reconnect';

/** After a reconnect: signals the business's requests waiting for it; they also look by themselves. */
export async function resumeAfterReconnect(cfg: Config, businessId: string): Promise<void> {
  const address = cfg.TEMPORAL_ADDRESS ?? `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5 seconds' });
    const client = new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE });
    const resumed = await resumeWaitingRequests(client, businessId);
    if (resumed.length)
      console.log(`Resumed ${resumed.length} request(s) waiting for the reconnect: ${resumed.join(', ')}`);
  } catch (err) {
    createLogger('cli', cfg.LOG_LEVEL, cfg.LOG_FILE).warn(
      'Could not reach Temporal to resume waiting requests',
      {
        error: err instanceof Error ? err.message : String(err),
      },
    );
    console.log('Requests waiting for this reconnect resume by themselves within 15 minutes.');
  } finally {
    await connection?.close();
  }
}
