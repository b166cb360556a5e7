import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { cancelUndoUpdate, UNDO_REQUEST_WORKFLOW } from '../../src/definitions';
import type { UndoInput, UndoProgressState, UndoState, UndoStepOutcome } from '../../src/definitions';
import { quietTemporalRuntime, requireEnv, uniqueTaskQueue } from '../support/harness';
import { eventually } from '../support/system';
import { startTimeSkippingEnvironment } from '../support/time-skipping';

/**
 * The undo workflow alone (workflows/undo-request.ts), its activities mocked: steps until done, a daily-quota wait
 * on a durable timer (time-skipping server), cancel at the next step (an Update), and a failed step failing it.
 */
let devServer: TestWorkflowEnvironment;
let skipping: TestWorkflowEnvironment;
let bundled: ReturnType<typeof bundleWorkflowCode> | undefined;

beforeAll(async () => {
  quietTemporalRuntime();
  [devServer, skipping] = await Promise.all([
    TestWorkflowEnvironment.createFromExistingServer({ address: requireEnv('TEST_TEMPORAL_ADDRESS') }),
    startTimeSkippingEnvironment(),
  ]);
});
afterAll(async () => {
  await Promise.all([devServer?.teardown(), skipping?.teardown()]);
});

const step = (o: Partial<UndoStepOutcome> = {}): UndoStepOutcome => ({
  done: false,
  resumeAt: null,
  resetKnown: false,
  cancelled: false,
  ...o,
});

/** The undo's activities faked; every other activity refuses to run (the undo must call none of them). */
function fakes(undoStep: Activities['undoStep']) {
  const states: UndoState[] = [];
  const recorded: UndoProgressState[] = [];
  const activities: Partial<Activities> = {
    undoStep,
    recordUndoState: async (p) => {
      states.push(p.state);
      recorded.push({ ...p });
    },
  };
  return { activities, states, recorded };
}

async function start(name: string, activities: Partial<Activities>, env: TestWorkflowEnvironment) {
  bundled ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const taskQueue = uniqueTaskQueue(`undo-${name}`);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundled,
    activities,
  });
  const input: UndoInput = {
    requestId: `sr_${name}${Date.now().toString(36)}`,
    businessId: 'biz_wf',
    run: 1,
    stepHeartbeatMs: 10_000,
  };
  const handle = await env.client.workflow.start(UNDO_REQUEST_WORKFLOW, {
    taskQueue,
    workflowId: `undo-${input.requestId}`,
    args: [input],
  });
  return { worker, handle };
}

describe('undoRequest with mocked activities', () => {
  it('runs steps until done, waiting out a spent daily quota on a durable timer', async () => {
    const ran: number[] = [];
    let resumeAt = 0;
    const answers = [
      (now: number) =>
        step({ resumeAt: new Date((resumeAt = now + 5 * 3_600_000)).toISOString(), resetKnown: true }),
      () => step(),
      () => step({ done: true }),
    ];
    const { activities, states } = fakes(async () => {
      const now = await skipping.currentTimeMs();
      ran.push(now);
      return answers.shift()!(now);
    });
    const { worker, handle } = await start('quota', activities, skipping);
    const result = (await worker.runUntil(handle.result())) as UndoProgressState;
    expect(result).toMatchObject({ state: 'completed', resumeAt: null, lastError: null });
    expect(ran).toHaveLength(3);
    expect(ran[1]).toBeGreaterThanOrEqual(resumeAt);
    expect(states).toEqual(['running', 'waiting_for_quota', 'running', 'completed']);
  });

  it('stops at the next step once cancelled, and a step that saw the cancel ends it cancelled', async () => {
    let steps = 0;
    const { activities, states } = fakes(async () => {
      steps += 1;
      await new Promise((r) => setTimeout(r, 1000));
      return step();
    });
    const { worker, handle } = await start('cancel', activities, devServer);
    const result = (await worker.runUntil(async () => {
      await eventually(async () => steps >= 2);
      const answer = await handle.executeUpdate(cancelUndoUpdate);
      expect(answer).toEqual({ state: 'running', pending: true });
      // A second cancel is refused by the workflow's validator while the step in flight finishes.
      const second = await handle.executeUpdate(cancelUndoUpdate).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((second as WorkflowUpdateFailedError).cause?.message).toMatch(/being cancelled/);
      return handle.result();
    })) as UndoProgressState;
    expect(result.state).toBe('cancelled');
    expect(states.at(-1)).toBe('cancelled');

    const seen = fakes(async () => step({ cancelled: true }));
    const other = await start('cancel-step', seen.activities, devServer);
    const ended = (await other.worker.runUntil(other.handle.result())) as UndoProgressState;
    expect(ended.state).toBe('cancelled');
    expect(seen.states).toEqual(['running', 'cancelled']);
  });

  it('fails with the step’s reason when a step fails for good', async () => {
    const { activities, states, recorded } = fakes(async () => {
      throw ApplicationFailure.create({
        type: 'NotConnected',
        message: 'Business biz_wf does not exist',
        nonRetryable: true,
      });
    });
    const { worker, handle } = await start('fail', activities, devServer);
    await expect(worker.runUntil(handle.result())).rejects.toThrow();
    expect(states).toEqual(['running', 'failed']);
    expect(recorded.at(-1)).toMatchObject({ state: 'failed', lastError: 'Business biz_wf does not exist' });
  });
});
