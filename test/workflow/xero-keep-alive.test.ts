import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { XERO_KEEPALIVE_WORKFLOW } from '../../src/definitions';
import type { KeepAliveResult } from '../../src/definitions';
import { uniqueTaskQueue, workflowBundle } from '../support/harness';
import { startTimeSkippingEnvironment } from '../support/time-skipping';

/**
 * The keep-alive workflow alone, with its activities mocked: refresh first, then the webhook sweep; a step that
 * fails is retried, and the run's result says what it did. On the time-skipping test server: the retry waits
 * out its backoff (10 s and more) in server time, not real time.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingEnvironment();
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
    workflowBundle: await workflowBundle(),
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
