import { XeroApiError } from '../xero/errors';
import { claimChange, finishChange, openChanges } from './change-ledger';
import type { OpenChange } from './change-ledger';
import { applyVoid } from './change-voids';
import { applyPayment, applyRefund } from './change-writes';
import type { ChangeResult } from './change-writes';
import { recordOrders } from './ledger';
import { orderRangeOf } from './plan';
import type { Step } from './step';

/**
 * A sync brings orders already in Xero to their latest revision (docs/revisions.md): after the range's invoices
 * and their follow-ups, each open change of the range's orders is applied once, in the order the orders were
 * placed. Every change reads its invoice from Xero first and works from what Xero holds, so a change whose
 * write landed before a crash or a lost answer is found (by its payment's Reference, its credit note's number)
 * and not written again. Xero's refusals and the rules below fail the change with the reason; a transient failure
 * throws, and the activity's retry takes the claim over.
 */

/** Applies the range's open changes until the deadline; true when none is left that this step could apply. */
export async function applyChanges(step: Step): Promise<boolean> {
  const { db } = step.deps;
  const { businessId, requestId } = step.input;
  const changes = await openChanges(db, orderRangeOf(step.input));
  let left = false;
  for (const change of changes) {
    if (Date.now() >= step.deadline || step.signal.aborted) return false;
    const claim = await claimChange(db, businessId, change, step.who);
    if (!claim) {
      left = true;
      continue;
    }
    const result = await applyOne(step, change).catch(refusedByXero);
    await finishChange(db, businessId, change, result);
    await recordOrders(db, businessId, requestId, {
      outcomes: [
        {
          orderId: change.orderId,
          outcome: 'done' in result ? 'synced' : 'failed',
          error: 'done' in result ? (result.says ?? null) : result.failed,
          xeroInvoiceId: change.xeroInvoiceId,
          invoiceNumber: change.invoiceNumber,
        },
      ],
    });
    step.ctx.heartbeat?.();
  }
  return !left;
}

/** A 400 of Xero's fails the change with its words; anything else (5xx, no answer, limits) is thrown. */
function refusedByXero(err: unknown): ChangeResult {
  if (err instanceof XeroApiError && (err.kind === 'validation' || err.kind === 'client-error'))
    return { failed: `Xero refused it: ${[err.xeroMessage, ...err.validationErrors].join('; ')}` };
  throw err;
}

async function applyOne(step: Step, change: OpenChange): Promise<ChangeResult> {
  const [invoice] = await step.xero.getInvoicesByNumbers(step.ctx, [change.invoiceNumber]);
  if (!invoice?.invoiceID)
    return { failed: `its invoice ${change.invoiceNumber} is no longer in Xero; nothing was changed` };
  if (change.kind === 'payment') return applyPayment(step, change, invoice);
  if (change.kind === 'refund') return applyRefund(step, change, invoice);
  if (change.kind === 'void') return applyVoid(step, change, invoice);
  return {
    failed: `the order's lines or total changed, and updating an invoice in Xero is not done by a sync yet: correct invoice ${change.invoiceNumber} in Xero`,
  };
}
