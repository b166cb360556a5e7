import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import { createLogger } from '../logger';
import { resumeWaitingRequests } from '../sync-requests/reconnect';
import { ConnectionError, XeroConnections } from './connections';
import { ConnectionStore } from './connection-store';
import { requireTokenCipher } from './token-crypto';

/**
 * The CLI's Xero connection commands (src/cli.ts routes to them). They print their own messages and return the
 * exit code: 0 done, 1 failed, 2 bad usage.
 */

export const CONNECTION_USAGE = `  business connect-custom --business ID --client-id ID [--client-secret SECRET | --client-secret-stdin]
                                    Connect a business through a Xero Custom Connection (client_credentials).
                                    The secret can also come from XERO_CUSTOM_CLIENT_SECRET, or stdin, so it stays
                                    out of shell history. Checked against Xero before it is stored (encrypted).
  tokens reencrypt                  After a key rotation, rewrite every stored token with TOKEN_ENCRYPTION_KEY.`;

/** `business connect-custom`: verifies the credentials, stores them sealed, and resumes waiting requests. */
export async function connectCustomCommand(cfg: Config, db: Db, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      business: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'client-secret-stdin': { type: 'boolean' },
    },
  });
  const clientSecret =
    values['client-secret'] ??
    (values['client-secret-stdin'] ? readFileSync(0, 'utf8').split('\n')[0]?.trim() : undefined) ??
    process.env.XERO_CUSTOM_CLIENT_SECRET;
  if (!values.business || !values['client-id'] || !clientSecret) {
    console.error(
      'business connect-custom needs --business ID --client-id ID and the client secret ' +
        '(--client-secret, --client-secret-stdin, or XERO_CUSTOM_CLIENT_SECRET)',
    );
    return 2;
  }
  const connections = XeroConnections.fromConfig(cfg, db, requireTokenCipher(cfg));
  try {
    const connected = await connections.connectCustom(values.business, {
      clientId: values['client-id'],
      clientSecret,
    });
    console.log(
      `Connected ${connected.businessId} to Xero organisation ${connected.tenantName ?? ''} (${connected.tenantId}) through a Custom Connection.`,
    );
  } catch (err) {
    if (!(err instanceof ConnectionError)) throw err;
    console.error(err.message);
    return 1;
  }
  await signalWaiting(cfg, values.business);
  return 0;
}

/** `tokens reencrypt`: every value sealed with an old key is sealed again with TOKEN_ENCRYPTION_KEY. */
export async function reencryptCommand(cfg: Config, db: Db): Promise<number> {
  const store = new ConnectionStore(db, requireTokenCipher(cfg));
  const done = await store.reencryptAll();
  console.log(
    `Re-encrypted ${done.connections} connection(s) with the current key; dropped ${done.states} consent(s) in progress.`,
  );
  console.log('Once this reports 0 connections, the old keys can be removed from TOKEN_ENCRYPTION_OLD_KEYS.');
  return 0;
}

async function signalWaiting(cfg: Config, businessId: string): Promise<void> {
  const address = cfg.TEMPORAL_ADDRESS ?? `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5 seconds' });
    const client = new Client({ connection, namespace: cfg.TEMPORAL_NAMESPACE });
    const resumed = await resumeWaitingRequests(client, businessId);
    if (resumed.length)
      console.log(`Resumed ${resumed.length} request(s) waiting for the reconnect: ${resumed.join(', ')}`);
  } catch (err) {
    createLogger('cli', cfg.LOG_LEVEL).warn('Could not reach Temporal to resume waiting requests', {
      error: err instanceof Error ? err.message : String(err),
    });
    console.log('Requests waiting for this reconnect resume by themselves within 15 minutes.');
  } finally {
    await connection?.close();
  }
}
