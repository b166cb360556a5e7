import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { XERO_KEEPALIVE_WORKFLOW } from '../../src/definitions';
import type { KeepAliveResult } from '../../src/definitions';
import { quietTemporalRuntime, requireEnv, uniqueTaskQueue } from '../support/harness';

/**
 * The keep-alive workflow alone, on the real dev server, with its activities mocked: refresh first, then the
 * webhook sweep; a step that fails is retried, and the run's result says what it did.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  quietTemporalRuntime();
  env = await TestWorkflowEnvironment.createFromExistingServer({
    address: requireEnv('TEST_TEMPORAL_ADDRESS'),
  });
});
afterAll(async () => {
  await env?.teardown();
});

async function run(
  activities: Pick<Activities, 'keepXeroConnectionsAlive' | 'notifyConnectionsNeedingReconnect'>,
) {
  const taskQueue = uniqueTaskQueue('wf-keep-alive');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: new DefaultLogger('WARN'),
    }),
    activities,
  });
  const handle = await env.client.workflow.start(XERO_KEEPALIVE_WORKFLOW, {
    taskQueue,
    workflowId: taskQueue,
    args: [],
  });
  return (await worker.runUntil(handle.result())) as KeepAliveResult;
}

describe('xeroKeepAlive with mocked activities', () => {
  it('refreshes, then tells the endpoints, retrying a step that failed; the result adds both up', async () => {
    const calls: string[] = [];
    let notifyTries = 0;
    const result = await run({
      keepXeroConnectionsAlive: async () => {
        calls.push('refresh');
        return { idle: 3, refreshed: 2, needsReconnect: 1, failed: 0 };
      },
      notifyConnectionsNeedingReconnect: async () => {
        calls.push('notify');
        notifyTries += 1;
        if (notifyTries === 1) throw new Error('PostgreSQL went away');
        return 1;
      },
    });
    expect(calls).toEqual(['refresh', 'notify', 'notify']);
    expect(result).toEqual({ idle: 3, refreshed: 2, needsReconnect: 1, failed: 0, events: 1 });
  }, 120_000);
});
