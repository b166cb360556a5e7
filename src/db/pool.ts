import { createHash } from 'node:crypto';
import { Client, Pool, types } from 'pg';
import type { PoolClient } from 'pg';

// NUMERIC and BIGINT come back as strings, never floats: money and counters stay exact.
types.setTypeParser(types.builtins.NUMERIC, (v) => v);

export type Db = Pool;

/**
 * A client that prepares each parameterised statement once per connection, named after its text: PostgreSQL
 * then parses and plans the engine's hot statements (the limiter's, the ledger's) once per connection instead of
 * at every call, which took about a quarter of its CPU in the P4 benchmark. Statements without parameters
 * (migrations, DDL, BEGIN) go as they are.
 */
class PreparingClient extends Client {}
const plainQuery = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;
const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `xms_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

PreparingClient.prototype.query = function (this: Client, ...args: unknown[]) {
  const [text, values, callback] = args;
  if (typeof text === 'string' && Array.isArray(values))
    return plainQuery.call(this, { name: statementName(text), text, values }, callback);
  return plainQuery.apply(this, args);
} as Client['query'];

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
    Client: PreparingClient,
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
