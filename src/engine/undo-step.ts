import { readOrganisationFacts } from '../businesses/organisation-facts';
import type { UndoInput, UndoStepOutcome } from '../definitions';
import { NotConnected } from '../errors';
import type { Dependencies } from '../runtime';
import { DailyQuotaExhausted } from '../xero/limiter';
import type { StepHooks } from './step';
import { openUndoStep, UndoCancelRequested, undoRecord } from './undo-context';
import type { UndoRecord, UndoStep } from './undo-context';
import { insertItems, openItems, releaseUndoneOrders } from './undo-ledger';
import { groupItems, readHeld, undoGroups } from './undo-plan';
import { releaseUndoneSummaries } from './undo-summaries';
import { takeBack } from './undo-writes';

/**
 * One step of an undo (workflows/undo-request.ts): the first step lists the take-backs (undo-plan.ts), then each
 * step takes back what is left in Xero's order (payments and refunds → allocations → credit notes → invoices),
 * one Xero write each through the organisation's limiter, until its deadline, a spent daily quota (the workflow
 * waits and runs it again) or a cancel the API accepted (read before every take-back and every call).
 */
export async function runUndoStep(
  deps: Dependencies,
  input: UndoInput,
  hooks: StepHooks,
): Promise<UndoStepOutcome> {
  const step = await openUndoStep(deps, input, hooks);
  const outcome = (o: Partial<UndoStepOutcome>): UndoStepOutcome => ({
    done: false,
    resumeAt: null,
    resetKnown: false,
    cancelled: false,
    ...o,
  });
  try {
    const record = await undoRecord(deps.db, input.requestId);
    if (!record) throw new NotConnected(`Request ${input.requestId} has no undo recorded`);
    if (!record.planned) await planUndo(step, record.posting);
    const finished = await walk(step);
    await release(step, record.posting);
    return outcome({ done: finished === 'done', cancelled: finished === 'cancelled' });
  } catch (err) {
    if (err instanceof UndoCancelRequested) {
      await releaseAll(step);
      return outcome({ cancelled: true });
    }
    if (!(err instanceof DailyQuotaExhausted)) throw err;
    await releaseAll(step);
    return outcome({ resumeAt: err.resumeAt.toISOString(), resetKnown: err.resetKnown });
  }
}

/** Lists the take-backs: the groups from the ledger, read back from Xero with the organisation's lock dates. */
async function planUndo(step: UndoStep, posting: UndoRecord['posting']): Promise<void> {
  const { db } = step.deps;
  const { businessId, requestId } = step.input;
  const facts = await readOrganisationFacts(step.deps, step.business, {
    wantsCurrencies: () => false,
    extras: step.extras,
  });
  const groups = await undoGroups(db, businessId, requestId, posting);
  const held = await readHeld(step, groups);
  const items = groups.flatMap((g) => groupItems(g, held.get(g.group)!, facts));
  await insertItems(db, requestId, items);
  await db.query('UPDATE request_undos SET planned = true, updated_at = now() WHERE request_id = $1', [
    requestId,
  ]);
}

/** Takes back what is left, phase by phase, until the deadline or a cancel. */
async function walk(step: UndoStep): Promise<'done' | 'more' | 'cancelled'> {
  for (let phase = 1; phase <= 4; phase += 1) {
    for (const item of await openItems(step.deps.db, step.input.requestId, phase)) {
      if (step.signal.aborted || Date.now() >= step.deadline) return 'more';
      if (await step.cancelling()) return 'cancelled';
      await takeBack(step, item);
      step.checkpoint();
    }
  }
  return 'done';
}

/** What the ledger lets go of once a group is all taken back: its orders, or its summaries, can be synced again. */
async function release(step: UndoStep, posting: UndoRecord['posting']): Promise<void> {
  const { db } = step.deps;
  const { businessId, requestId } = step.input;
  if (posting === 'daily-summary') await releaseUndoneSummaries(db, requestId, businessId);
  else await releaseUndoneOrders(db, requestId, businessId);
}

async function releaseAll(step: UndoStep): Promise<void> {
  const record = await undoRecord(step.deps.db, step.input.requestId);
  if (record?.planned) await release(step, record.posting);
}
