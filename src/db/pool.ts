import { Pool, types } from 'pg';
import type { PoolClient } from 'pg';

// NUMERIC and BIGINT come back as strings, never floats: money and counters stay exact.
types.setTypeParser(types.builtins.NUMERIC, (v) => v);

export type Db = Pool;

/** Deadlines for a pool whose callers must answer quickly (the API): a connection, then each statement. */
export interface PoolDeadlines {
  connectMs: number;
  queryMs: number;
}

/**
 * A pool of at most `max` connections. `applicationName` labels them in `pg_stat_activity`, so an operator sees
 * which process holds which connections.
 */
export function createPool(
  databaseUrl: string,
  max = 10,
  deadlines?: PoolDeadlines,
  applicationName = 'xero-manual-sync',
): Db {
  const pool = new Pool({
    connectionString: databaseUrl,
    max,
    application_name: applicationName,
    idleTimeoutMillis: 10_000,
    ...(deadlines ? { connectionTimeoutMillis: deadlines.connectMs, query_timeout: deadlines.queryMs } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `fn` in one transaction, rolled back if it throws. */
export async function inTransaction<T>(db: Db, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
