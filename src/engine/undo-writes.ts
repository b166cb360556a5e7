import type { LeftInPlaceReason } from '../contract';
import { XeroApiError } from '../xero/errors';
import { DailyQuotaExhausted } from '../xero/limiter';
import { elementErrors } from '../xero/wire';
import { claimItem, finishItem, leaveItem, releaseItem } from './undo-ledger';
import type { UndoItem } from './undo-ledger';
import { UndoCancelRequested } from './undo-context';
import type { UndoStep } from './undo-context';

/**
 * One take-back, exactly once (docs/undo.md "Exactly once"): claimed in the undo's ledger before its Xero write,
 * sent under its own Idempotency-Key (the same on every attempt, so Xero replays a write that landed), and finished
 * with what Xero answered. A claim found pending (a crash, a lost answer, a 5xx the gateway's retries did not get
 * past) is settled by reading Xero back first: what is already taken back is marked done and not written again.
 * Xero's refusals leave the take-back, and the rest of its group, in place with Xero's words.
 */

type Written = { done: string | null } | { left: LeftInPlaceReason; detail: string };

export async function takeBack(step: UndoStep, item: UndoItem): Promise<void> {
  const { db } = step.deps;
  const { requestId } = step.input;
  const claim = await claimItem(db, requestId, item.key, step.attempt);
  if (!claim) return;
  let result: Written;
  try {
    if (claim === 'stale' && (await alreadyTakenBack(step, item)))
      result = { done: 'found taken back in Xero (a write whose answer was lost)' };
    else result = await write(step, item);
  } catch (err) {
    if (err instanceof DailyQuotaExhausted || err instanceof UndoCancelRequested) {
      // Stopped before the call went (the limiter or beforeSend): a fresh claim is due again.
      await releaseItem(db, requestId, item.key, claim === 'fresh');
      throw err;
    }
    const refused = refusal(err, item);
    if (!refused) {
      // A 5xx or no answer past the gateway's retries: the write may have landed. Pending, to be read back.
      await releaseItem(db, requestId, item.key, false);
      throw err;
    }
    result = refused;
  }
  // Refused: a write whose earlier attempt landed (its answer lost) is refused as not valid now; read it back.
  if ('left' in result && result.left === 'refused_by_xero' && (await alreadyTakenBack(step, item)))
    result = { done: 'found taken back in Xero (a write whose answer was lost)' };
  if ('done' in result) await finishItem(db, requestId, item.key, result.done);
  else await leaveItem(db, requestId, item, result.left, result.detail);
}

/** The write of one take-back; its answer's element errors are Xero's refusal. */
async function write(step: UndoStep, item: UndoItem): Promise<Written> {
  const keyed = { idempotencyKey: item.idempotencyKey };
  const status = item.action === 'delete' ? 'DELETED' : 'VOIDED';
  switch (item.kind) {
    case 'payment':
    case 'refund':
      return answered(await step.xero.deletePayment(step.ctx, item.xeroId, keyed), item);
    case 'allocation':
      await step.xero.deleteAllocation(step.ctx, item.parentId!, item.xeroId);
      return { done: null };
    case 'credit_note':
      return answered(await step.xero.setCreditNoteStatus(step.ctx, item.xeroId, status, keyed), item);
    case 'invoice':
      return answered(await step.xero.setInvoiceStatus(step.ctx, item.xeroId, status, keyed), item);
  }
}

function answered(elements: Array<Parameters<typeof elementErrors>[0]>, item: UndoItem): Written {
  const errors = elements[0] ? elementErrors(elements[0]) : ['Xero answered nothing'];
  return errors.length === 0 ? { done: null } : classify(errors, item);
}

/** Xero's 4xx for this take-back as a refusal, or null (anything else is thrown on). */
function refusal(err: unknown, item: UndoItem): Written | null {
  if (!(err instanceof XeroApiError)) return null;
  // Removing an allocation Xero no longer has: it was removed (by an earlier attempt, or in Xero).
  if (err.kind === 'not-found' && item.kind === 'allocation') return { done: 'already removed in Xero' };
  if (err.kind === 'not-found') return { done: 'no longer in Xero' };
  if (err.kind !== 'validation' && err.kind !== 'client-error') return null;
  return classify([err.xeroMessage, ...err.validationErrors].filter(Boolean), item);
}

/** What Xero's words mean for the take-back: already done, reconciled, locked, or refused. */
function classify(messages: string[], item: UndoItem): Written {
  const words = messages.join('; ');
  const kind = item.kind === 'refund' ? 'refund' : item.kind === 'payment' ? 'payment' : null;
  // Deleting a payment that is already deleted (an earlier attempt's write landed): done.
  if (kind && /not of valid status for modification/i.test(words)) return { done: 'already deleted in Xero' };
  if (kind && /reconcil/i.test(words)) return { left: 'payment_reconciled', detail: `Xero: ${words}` };
  if (/lock date|locked period|period lock/i.test(words))
    return { left: 'locked_period', detail: `Xero: ${words}` };
  return { left: 'refused_by_xero', detail: `Xero: ${words}` };
}

/** Reads Xero back for a take-back whose write may have landed: true when it is already taken back. */
async function alreadyTakenBack(step: UndoStep, item: UndoItem): Promise<boolean> {
  const gone = (status: unknown) => ['VOIDED', 'DELETED'].includes(String(status));
  switch (item.kind) {
    case 'payment':
    case 'refund': {
      const payment = await step.xero.getPayment(step.ctx, item.xeroId).catch(notFound);
      return !payment || gone(payment.status);
    }
    case 'allocation': {
      const note = await step.xero.getCreditNote(step.ctx, item.parentId!).catch(notFound);
      return !note || !(note.allocations ?? []).some((a) => a.allocationID === item.xeroId);
    }
    case 'credit_note': {
      const note = await step.xero.getCreditNote(step.ctx, item.xeroId).catch(notFound);
      return !note || gone(note.status);
    }
    case 'invoice': {
      const [invoice] = await step.xero.getInvoicesByIds(step.ctx, [item.xeroId], { summaryOnly: true });
      return !invoice || gone(invoice.status);
    }
  }
}

/** A 404 when reading back: the document is not there any more. */
function notFound(err: unknown): undefined {
  if (err instanceof XeroApiError && err.kind === 'not-found') return undefined;
  throw err;
}
