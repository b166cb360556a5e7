import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { temporalLogger } from '../../src/observability/temporal';
import type { Config } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import type { Db } from '../../src/db/pool';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';

let runtimeInstalled = false;

/**
 * The run's log file (global-setup.ts): every process of the test run appends its log lines there rather than to
 * the console, and global teardown scans it for secrets (log-scan.ts).
 */
export function testLogFile(): string | undefined {
  return process.env.TEST_LOG_FILE;
}

/**
 * The Temporal SDK's logging (workflow and activity `log` included) goes through the product's logger, into the
 * run's log file at info; without one (a test run outside jest's global setup) only warnings, on the console.
 */
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const file = testLogFile();
  try {
    Runtime.install({
      logger: file ? temporalLogger(createLogger('temporal', 'info', file)) : new DefaultLogger('WARN'),
    });
  } catch {
    // Already installed by another harness in this worker.
  }
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the tests through jest (its global setup starts the servers)`);
  return value;
}

export interface TestDatabase {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file, on the run's shared PostgreSQL. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = requireEnv('TEST_DATABASE_URL');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = createPool(adminUrl, 1);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const db = createPool(url, 10);
  await migrate(db);
  return {
    db,
    url,
    drop: async () => {
      await db.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** The token encryption key of every test (a fixed test value: tests read sealed rows back with it). */
export const TEST_TOKEN_ENCRYPTION_KEY = Buffer.alloc(32, 'xero-manual-sync test key').toString('base64');

/** A config as the product would parse it, pointed at the test servers. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({
    TEMPORAL_ADDRESS: requireEnv('TEST_TEMPORAL_ADDRESS'),
    XERO_CLIENT_ID: 'demo-client',
    XERO_CLIENT_SECRET: 'demo-secret',
    TOKEN_ENCRYPTION_KEY: TEST_TOKEN_ENCRYPTION_KEY,
    // Into the run's log file (scanned for secrets at the end), at info so the scan sees what a deployment logs.
    ...(testLogFile() ? { LOG_FILE: testLogFile()!, LOG_LEVEL: 'info' } : { LOG_LEVEL: 'warn' }),
    ...overrides,
  });
}

export function uniqueTaskQueue(testName: string): string {
  return `test-${testName.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${randomBytes(3).toString('hex')}`;
}

export interface TestTemporal {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

export async function connectTemporal(): Promise<TestTemporal> {
  quietTemporalRuntime();
  const address = requireEnv('TEST_TEMPORAL_ADDRESS');
  const connection = await Connection.connect({ address });
  await ensureSearchAttributes(connection, 'default');
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection, namespace: 'default' }),
    connection,
    nativeConnection,
    close: async () => {
      await nativeConnection.close();
      await connection.close();
    },
  };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle, built once per test file (webpack is the slow part of creating a worker). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}

export { Worker };
