import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities';
import {
  cancelUpdate,
  MANUAL_SYNC_WORKFLOW,
  NEEDS_RECONNECT_FAILURE,
  NO_COUNTS,
  pauseUpdate,
  PLAN_VERSION,
  progressQuery,
  reconnectedSignal,
  resumeUpdate,
} from '../../src/definitions';
import type { ManualSyncInput, ManualSyncResult, StepOutcome, SyncState } from '../../src/definitions';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import { quietTemporalRuntime, requireEnv, uniqueTaskQueue } from '../support/harness';
import { eventually } from '../support/system';
import { startTimeSkippingEnvironment } from '../support/time-skipping';

/**
 * The workflow alone, with its activities mocked: quota waits, reconnects, pause, resume and cancel (Updates),
 * continue-as-new, and a bug in workflow code failing the task but not the request. The tests that wait on the
 * workflow's durable timers (a quota reset hours away, the reconnect check every 15 minutes) run on the
 * time-skipping test server, which jumps its clock to the next timer; the others on the real dev server.
 */
let devServer: TestWorkflowEnvironment;
let skipping: TestWorkflowEnvironment;
const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();
const bundle = (path: string) => {
  if (!bundles.has(path))
    bundles.set(path, bundleWorkflowCode({ workflowsPath: path, logger: new DefaultLogger('WARN') }));
  return bundles.get(path)!;
};
const REAL = require.resolve('../../workflows');
const WITH_BUG = require.resolve('../fixtures/workflows/with-bug');

beforeAll(async () => {
  quietTemporalRuntime();
  [devServer, skipping] = await Promise.all([
    TestWorkflowEnvironment.createFromExistingServer({ address: requireEnv('TEST_TEMPORAL_ADDRESS') }),
    startTimeSkippingEnvironment(),
  ]);
  await ensureSearchAttributes(devServer.connection, 'default');
});
afterAll(async () => {
  await Promise.all([devServer?.teardown(), skipping?.teardown()]);
});

function inputFor(name: string, mode: 'auto' | 'manual' = 'manual'): ManualSyncInput {
  return {
    requestId: `sr_${name}${Date.now().toString(36)}`,
    businessId: 'biz_wf',
    channel: 'pos',
    locationId: null,
    startDate: '2026-01-01',
    endDate: '2026-01-31',
    timeZone: 'UTC',
    contactMapping: mode === 'auto' ? { mode: 'auto' } : { mode: 'manual', contactId: 'c1' },
    options: { invoiceStatus: 'AUTHORISED', recordPayments: true, resyncPolicy: 'skip' },
    planVersion: PLAN_VERSION,
    stepHeartbeatMs: 10_000,
  };
}

function outcome(o: Partial<StepOutcome> = {}): StepOutcome {
  return {
    done: false,
    cursor: { after: null, walked: false },
    resumeAt: null,
    resetKnown: false,
    progressed: true,
    counts: { ...NO_COUNTS },
    ...o,
  };
}

const MINUTE = 60_000;
/** `minutes` after `now`: on the time-skipping server, `now` is its clock (ahead of the real one), not Date.now(). */
const inMinutes = (now: number, minutes: number) => new Date(now + minutes * MINUTE).toISOString();

/** Typed fakes: a changed activity signature breaks this file at compile time. */
function fakes(overrides: Partial<Activities>): { activities: Activities; states: SyncState[] } {
  const states: SyncState[] = [];
  const activities: Activities = {
    prepareSync: async () => undefined,
    resolveContacts: async () => outcome({ done: true }),
    syncOrders: async () => outcome({ done: true }),
    recordRequestState: async (p) => void states.push(p.state),
    recordPauseRequest: async () => undefined,
    xeroConnectionActive: async () => false,
    keepXeroConnectionsAlive: async () => ({ idle: 0, refreshed: 0, needsReconnect: 0, failed: 0 }),
    notifyConnectionsNeedingReconnect: async () => 0,
    undoStep: async () => ({ done: true, resumeAt: null, resetKnown: false, cancelled: false }),
    recordUndoState: async () => undefined,
    ...overrides,
  };
  return { activities, states };
}

/** A worker with these activities on its own task queue, and the workflow started on it (by default on the dev server). */
async function start(
  name: string,
  activities: Activities,
  input: ManualSyncInput,
  { env = devServer, workflows = REAL }: { env?: TestWorkflowEnvironment; workflows?: string } = {},
) {
  const taskQueue = uniqueTaskQueue(`wf-${name}`);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundle(workflows),
    activities,
  });
  const handle = await env.client.workflow.start(MANUAL_SYNC_WORKFLOW, {
    taskQueue,
    workflowId: input.requestId,
    args: [input],
  });
  return { worker, handle, taskQueue };
}

describe('manualSync with mocked activities', () => {
  it('waits for the daily quota durably, counting one wait per daily window however many looks it takes', async () => {
    const answers: Array<(now: number) => StepOutcome> = [
      // Spent, reset unknown: look again in 10 minutes.
      (now) => outcome({ resumeAt: inMinutes(now, 10), resetKnown: false }),
      // The look found it still spent: same window.
      (now) => outcome({ resumeAt: inMinutes(now, 10), progressed: false }),
      () => outcome({ cursor: { after: { placedAt: '2026-01-10', id: 'o1' }, walked: false } }),
      // The next window spent too: a second wait, for a reset five hours away.
      (now) => outcome({ resumeAt: inMinutes(now, 300), resetKnown: true }),
      () => outcome({ done: true, counts: { found: 3, synced: 3, failed: 0, skipped: 0 } }),
    ];
    const cursors: unknown[] = [];
    // When each step ran (the test server's clock) and when it asked to be run again.
    const steps: Array<{ at: number; resumeAt: string | null }> = [];
    const { activities, states } = fakes({
      syncOrders: async (_input, cursor) => {
        cursors.push(cursor);
        const at = await skipping.currentTimeMs();
        const answer = answers.shift()!(at);
        steps.push({ at, resumeAt: answer.resumeAt });
        return answer;
      },
    });
    const { worker, handle } = await start('quota', activities, inputFor('quota'), { env: skipping });
    const result = (await worker.runUntil(handle.result())) as ManualSyncResult;
    expect(result).toMatchObject({ state: 'completed', quotaWaits: 2, phase: 'done' });
    // Each step after a wait ran once its timer fired, never earlier.
    const early = steps.filter((s, i) => i > 0 && s.at < Date.parse(steps[i - 1]!.resumeAt ?? '1970-01-01'));
    expect(steps.filter((s) => s.resumeAt !== null)).toHaveLength(3);
    expect(early).toEqual([]);
    expect(states.filter((s) => s === 'waiting_for_quota').length).toBeGreaterThanOrEqual(2);
    // The step after a wait resumes from the cursor the last step reported.
    expect(cursors[3]).toEqual({ after: { placedAt: '2026-01-10', id: 'o1' }, walked: false });
    expect(states.at(-1)).toBe('completed');
  });

  it('waits in needs_reconnect when the connection is revoked, and runs the step again after the reconnected signal', async () => {
    let contactSteps = 0;
    const { activities, states } = fakes({
      resolveContacts: async () => {
        contactSteps += 1;
        if (contactSteps === 1)
          throw ApplicationFailure.create({
            type: NEEDS_RECONNECT_FAILURE,
            message: 'the refresh token was revoked',
            nonRetryable: true,
          });
        return outcome({ done: true });
      },
    });
    const { worker, handle } = await start('reconnect', activities, inputFor('reconnect', 'auto'));
    const result = (await worker.runUntil(async () => {
      await eventually(async () => (await handle.query(progressQuery)).state === 'needs_reconnect');
      expect((await handle.query(progressQuery)).lastError).toContain('revoked');
      await handle.signal(reconnectedSignal);
      return handle.result();
    })) as ManualSyncResult;
    expect(contactSteps).toBe(2);
    expect(result).toMatchObject({ state: 'completed', lastError: null });
    expect(states).toContain('needs_reconnect');
  });

  it('without the reconnected signal, looks at the connection every 15 minutes and carries on once it is active', async () => {
    let contactSteps = 0;
    let revokedAt = 0;
    // When the workflow looked at the connection (the test server's clock).
    const looks: number[] = [];
    const { activities, states } = fakes({
      resolveContacts: async () => {
        contactSteps += 1;
        if (contactSteps === 1) {
          revokedAt = await skipping.currentTimeMs();
          throw ApplicationFailure.create({
            type: NEEDS_RECONNECT_FAILURE,
            message: 'the refresh token was revoked',
            nonRetryable: true,
          });
        }
        return outcome({ done: true });
      },
      // Reconnected in Xero before the third look, but the signal never came.
      xeroConnectionActive: async () => {
        looks.push(await skipping.currentTimeMs());
        return looks.length === 3;
      },
    });
    const input = inputFor('reconnect-check', 'auto');
    const { worker, handle } = await start('reconnect-check', activities, input, { env: skipping });
    const result = (await worker.runUntil(handle.result())) as ManualSyncResult;
    expect(looks).toHaveLength(3);
    const gaps = looks.map((at, i) => at - (i === 0 ? revokedAt : looks[i - 1]!));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(15 * MINUTE);
    expect(Math.max(...gaps)).toBeLessThan(16 * MINUTE);
    expect(contactSteps).toBe(2);
    expect(result).toMatchObject({ state: 'completed', lastError: null });
    expect(states).toContain('needs_reconnect');
  });

  it('records a pause for the step in flight before answering (it stops at its next page), and clears it on resume before the next step', async () => {
    let flag = false;
    let stepRunning = false;
    // What the step saw of the pause as each step started, and how long each ran.
    const steps: Array<{ flagAtStart: boolean; ms: number }> = [];
    const { activities } = fakes({
      recordPauseRequest: async (_id, requested) => void (flag = requested),
      // A long step that looks for the pause at each "page" (every 20 ms), as the orders walk does.
      syncOrders: async () => {
        const started = Date.now();
        const flagAtStart = flag;
        stepRunning = true;
        // The first step would run for 8 s (under the 10 s heartbeat timeout); the next one finishes.
        while (steps.length === 0 && !flag && Date.now() - started < 8000)
          await new Promise((r) => setTimeout(r, 20));
        stepRunning = false;
        steps.push({ flagAtStart, ms: Date.now() - started });
        return outcome({ done: steps.length > 1 });
      },
    });
    const { worker, handle } = await start('pause-page', activities, inputFor('pause-page'));
    const result = (await worker.runUntil(async () => {
      await eventually(async () => stepRunning);
      expect(await handle.executeUpdate(pauseUpdate)).toEqual({ state: 'running', pending: true });
      // Recorded before the answer: the step in flight can see it.
      expect(flag).toBe(true);
      await eventually(async () => (await handle.query(progressQuery)).state === 'paused');
      expect(steps).toHaveLength(1);
      expect(steps[0]!.ms).toBeLessThan(5000);
      expect(await handle.executeUpdate(resumeUpdate)).toMatchObject({ pending: false });
      expect(flag).toBe(false);
      return handle.result();
    })) as ManualSyncResult;
    expect(result.state).toBe('completed');
    // The step after the resume did not find the pause still recorded.
    expect(steps.map((s) => s.flagAtStart)).toEqual([false, false]);
  });

  it('pauses at once during a quota wait (the answer says paused), and looks at the quota again once resumed', async () => {
    const flags: boolean[] = [];
    let resumeAt = '';
    const answers: Array<(now: number) => StepOutcome> = [
      (now) => outcome({ resumeAt: (resumeAt = inMinutes(now, 300)), resetKnown: true }),
      () => outcome({ done: true }),
    ];
    const { activities, states } = fakes({
      recordPauseRequest: async (_id, requested) => void flags.push(requested),
      syncOrders: async () => answers.shift()!(await skipping.currentTimeMs()),
    });
    const { worker, handle } = await start('pause-quota', activities, inputFor('pause-quota'), {
      env: skipping,
    });
    const result = (await worker.runUntil(async () => {
      await eventually(async () => (await handle.query(progressQuery)).state === 'waiting_for_quota');
      expect(await handle.executeUpdate(pauseUpdate)).toEqual({ state: 'paused', pending: false });
      // Paused long before the reset it was waiting for.
      expect(await skipping.currentTimeMs()).toBeLessThan(Date.parse(resumeAt));
      expect(states.at(-1)).toBe('paused');
      expect(await handle.executeUpdate(resumeUpdate)).toMatchObject({ pending: false });
      return handle.result();
    })) as ManualSyncResult;
    expect(flags).toEqual([true, false]);
    expect(result).toMatchObject({ state: 'completed', quotaWaits: 1 });
  });

  it('pauses at the end of the step in flight, refuses a second pause and a resume while running, and cancels at once', async () => {
    let steps = 0;
    const { activities } = fakes({
      syncOrders: async () => {
        steps += 1;
        await new Promise((r) => setTimeout(r, 200));
        return outcome();
      },
    });
    const { worker, handle } = await start('control', activities, inputFor('control'));
    const result = (await worker.runUntil(async () => {
      await eventually(async () => steps >= 2);
      await expect(handle.executeUpdate(resumeUpdate)).rejects.toThrow(WorkflowUpdateFailedError);
      expect(await handle.executeUpdate(pauseUpdate)).toEqual({ state: 'running', pending: true });
      await expect(handle.executeUpdate(pauseUpdate)).rejects.toThrow(WorkflowUpdateFailedError);
      await eventually(async () => (await handle.query(progressQuery)).state === 'paused');
      const whilePaused = steps;
      await new Promise((r) => setTimeout(r, 800));
      expect(steps).toBe(whilePaused);
      expect(await handle.executeUpdate(resumeUpdate)).toMatchObject({ pending: false });
      await eventually(async () => steps > whilePaused);
      expect(await handle.executeUpdate(cancelUpdate)).toMatchObject({ pending: true });
      await expect(handle.executeUpdate(cancelUpdate)).rejects.toThrow(WorkflowUpdateFailedError);
      return handle.result();
    })) as ManualSyncResult;
    expect(result.state).toBe('cancelled');
  });

  it('continues as new after 200 steps, carrying its cursor and counts, and completes', async () => {
    let steps = 0;
    const { activities } = fakes({
      syncOrders: async (_input, cursor) => {
        steps += 1;
        const after = { placedAt: '2026-01-01', id: `o${steps}` };
        if (steps === 1) expect(cursor.after).toBeNull();
        return outcome({ done: steps >= 205, cursor: { after, walked: steps >= 205 } });
      },
    });
    const { worker, handle } = await start('can', activities, inputFor('can'));
    const result = (await worker.runUntil(handle.result())) as ManualSyncResult;
    expect(result).toMatchObject({ state: 'completed', cursor: { after: { id: 'o205' } } });
    const runs: string[] = [];
    for await (const wf of devServer.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` }))
      runs.push(wf.status.name);
    expect(runs.sort()).toEqual(['COMPLETED', 'CONTINUED_AS_NEW']);
  }, 120_000);

  it('fails the workflow task, not the request, on a TypeError in workflow code; a fixed worker carries on', async () => {
    const { activities, states } = fakes({});
    const input = inputFor('bug');
    const buggy = await start('bug', activities, input, { workflows: WITH_BUG });
    const failedTask = await buggy.worker.runUntil(
      eventually(async () => {
        const { events } = await buggy.handle.fetchHistory();
        return (events ?? []).find((e) => e.workflowTaskFailedEventAttributes)
          ?.workflowTaskFailedEventAttributes;
      }),
    );
    expect(failedTask.failure?.message).toMatch(/Cannot read properties of null/);
    expect((await buggy.handle.describe()).status.name).toBe('RUNNING');
    expect(states).not.toContain('failed');

    // The fixed code on the same task queue replays the history and finishes the request.
    const worker = await Worker.create({
      connection: devServer.nativeConnection,
      taskQueue: buggy.taskQueue,
      workflowBundle: await bundle(REAL),
      activities,
    });
    const result = (await worker.runUntil(buggy.handle.result())) as ManualSyncResult;
    expect(result.state).toBe('completed');
  });
});
