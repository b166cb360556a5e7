import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/definitions';
import { quietTemporalRuntime } from './harness';

/**
 * Temporal's time-skipping test server, for the workflow tests with mocked activities that wait on durable
 * timers (a quota reset hours away, the reconnect check every 15 minutes, an activity's retry backoff): while a
 * test awaits a workflow's result, the server jumps its clock to the next timer instead of sleeping. It has no
 * visibility (list, count) and no Web UI, so everything else runs on the real dev server.
 *
 * The server is the Java SDK's, fetched once through Maven by scripts/temporal-test-server.sh (the SDK's own route
 * downloads a native build at run time, which this repository does not rely on); each environment starts its own.
 */
export async function startTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: await testServerPath() } },
  });
  await registerSearchAttributes(env.connection);
  return env;
}

let resolved: Promise<string> | undefined;

/** The launcher the provisioning script prints (from its cache after the first time). */
function testServerPath(): Promise<string> {
  resolved ??= new Promise((resolve, reject) => {
    const script = path.resolve(__dirname, '../../scripts/temporal-test-server.sh');
    execFile('bash', [script], { timeout: 10 * 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${script} failed:\n${stderr}`));
      else resolve(stdout.trim().split('\n').pop() ?? '');
    });
  });
  return resolved;
}

/**
 * The workflow upserts the project's search attributes, which a server refuses unless they are registered. The
 * test server cannot list them (so src/temporal/search-attributes.ts, which skips known ones, does not fit); it
 * starts empty, so adding them all once is right.
 */
async function registerSearchAttributes(connection: Connection): Promise<void> {
  const { IndexedValueType } = temporal.api.enums.v1;
  const types = {
    Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  };
  await connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_REGISTRATIONS.map((a) => [a.name, types[a.type]])),
  });
}
