import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WEBHOOK_DELIVERY_WORKFLOW } from '../src/definitions';
import type { ManualSyncInput, SyncProgress, WebhookDeliveryInput } from '../src/definitions';
import type { Dependencies } from '../src/runtime';
import { recordRequestState } from '../src/requests/store';
import { emitRequestEvent } from '../src/webhooks/emit';
import { eventIdOf } from '../src/webhooks/events';
import type { RequestSnapshot } from '../src/webhooks/events';

/**
 * The history log's row, then the business's webhooks: every state the workflow records is also an event to
 * the endpoints subscribed to it. The event's id comes from this activity, so Temporal's retries of it make the
 * same event, and delivery workflows are started (never awaited) under ids derived from it.
 */
export async function recordState(deps: Dependencies, progress: SyncProgress): Promise<void> {
  const request = await recordRequestState(deps.db, progress);
  if (!request) return;
  await emit(deps, {
    ...snapshotOf(request.input, progress),
    expected: request.expected,
    retryOf: request.input.retryOf ?? null,
  });
}

/** `sync_request.submitted`, once the request's plan is recorded (so it says how many orders it expects). */
export async function emitSubmitted(
  deps: Dependencies,
  input: ManualSyncInput,
  expected: number,
): Promise<void> {
  await emit(deps, {
    ...snapshotOf(input, null),
    state: 'queued',
    expected,
    retryOf: input.retryOf ?? null,
  });
}

function snapshotOf(
  input: ManualSyncInput,
  progress: SyncProgress | null,
): Omit<RequestSnapshot, 'expected' | 'retryOf'> {
  return {
    requestId: input.requestId,
    businessId: input.businessId,
    state: progress?.state ?? 'queued',
    channel: input.channel,
    locationId: input.locationId,
    startDate: input.startDate,
    endDate: input.endDate,
    counts: progress?.counts ?? { found: 0, synced: 0, failed: 0, skipped: 0 },
    resumeAt: progress?.resumeAt ?? null,
    resumeAtIsReset: progress?.resumeAtIsReset ?? false,
    lastError: progress?.lastError ?? null,
  };
}

async function emit(deps: Dependencies, snapshot: RequestSnapshot): Promise<void> {
  const { info, client } = Context.current();
  // Always set for an activity of a workflow (these are the sync workflow's).
  const { workflowId, runId } = info.workflowExecution!;
  const eventId = eventIdOf(workflowId, runId, info.activityId);
  await emitRequestEvent(deps, eventId, snapshot, (delivery) => startDelivery(deps, client, delivery));
}

/** Starts a webhook delivery's workflow once (its id is the delivery id); one already started is left be. */
export async function startDelivery(
  deps: Dependencies,
  client: Context['client'],
  input: WebhookDeliveryInput,
): Promise<void> {
  try {
    await client.workflow.start(WEBHOOK_DELIVERY_WORKFLOW, {
      taskQueue: deps.cfg.TEMPORAL_TASK_QUEUE,
      workflowId: input.deliveryId,
      args: [input],
      // Started once: a retried recording finds it running (or finished) and leaves it be.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `Webhook event ${input.eventId} to endpoint ${input.endpointId}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
