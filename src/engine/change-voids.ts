import type { CreditNote, Invoice } from 'xero-node';
import { localDateOf } from '../calendar';
import { money2 } from '../xero/amounts';
import { XeroApiError } from '../xero/errors';
import { dayOfXeroDate, xeroDay } from '../xero/organisation';
import type { OpenChange } from './change-ledger';
import { changeKey, creditNoteFor, decimalOf, isVoided, lockedDay, settleCredit } from './change-writes';
import type { ChangeResult } from './change-writes';
import type { Step } from './step';

/**
 * A void of an order already in Xero (docs/revisions.md). Xero voids an invoice only once nothing is paid or
 * credited on it, so its payments are deleted first (POST /Payments/{id}, Status DELETED), and the order's credit
 * notes follow the same rule: their allocations are removed, their refunds deleted, then they are voided; the
 * invoice last. Each step works from what Xero holds, so a retry finishes what a crash left.
 *
 * When the invoice, one of its payments or a credit note lies in the organisation's locked period, nothing of it
 * can be undone: the void becomes a credit note for what the invoice still counts, dated on the void's own day
 * (if that day is open), settled by the credit-note policy; the merchant is told in the order's result.
 */
export async function applyVoid(step: Step, change: OpenChange, invoice: Invoice): Promise<ChangeResult> {
  if (isVoided(invoice)) return { done: { voided: true }, says: 'its invoice was already voided in Xero' };
  const notes = await orderCreditNotes(step, change);
  const locked = lockedDocument(step, change, invoice, notes);
  if (locked) return voidAsCreditNote(step, change, invoice, notes, locked);
  const deleted: string[] = [];
  for (const payment of invoice.payments ?? []) {
    await deletePayment(step, change, payment.paymentID!);
    deleted.push(payment.paymentID!);
  }
  const voidedNotes: string[] = [];
  for (const note of notes.filter((n) => !isVoided(n))) {
    await undoCreditNote(step, change, note, deleted);
    voidedNotes.push(note.creditNoteNumber ?? '');
  }
  const [answer] = await step.xero.voidInvoice(step.ctx, invoice.invoiceID!, {
    idempotencyKey: changeKey(step, change, 'void invoice'),
  });
  if (!answer || !isVoided(answer)) return { failed: `Xero did not void invoice ${change.invoiceNumber}` };
  return { done: { voided: true, deletedPayments: deleted, voidedCreditNotes: voidedNotes } };
}

/** The order's credit notes in Xero: those whose Reference is the order id (the product's notes carry it). */
async function orderCreditNotes(step: Step, change: OpenChange): Promise<CreditNote[]> {
  if (/["\\]/.test(change.orderId)) return [];
  const listed = await step.xero.getCreditNotesWhere(step.ctx, `Reference=="${change.orderId}"`);
  return listed.filter((n) => n.creditNoteID);
}

/** The first of the order's documents in the locked period (which Xero would refuse to undo), or null. */
function lockedDocument(
  step: Step,
  change: OpenChange,
  invoice: Invoice,
  notes: CreditNote[],
): string | null {
  const days = [
    { what: 'its invoice', day: localDateOf(change.base.placedAt, step.settings.timeZone) },
    // Xero's dates come as Microsoft JSON dates or ISO text: their day (an unreadable one is not guessed locked).
    ...(invoice.payments ?? []).map((p) => ({ what: 'a payment', day: dayOfXeroDate(p.date) })),
    ...notes.map((n) => ({ what: 'a credit note', day: dayOfXeroDate(n.date) })),
  ];
  for (const d of days)
    if (d.day && lockedDay(step, change, d.what, d.day)) return `${d.what} of ${xeroDay(d.day)}`;
  return null;
}

/** Deletes a payment; one Xero says is no longer there to delete (deleted by an earlier attempt) is fine. */
async function deletePayment(step: Step, change: OpenChange, paymentId: string): Promise<void> {
  try {
    await step.xero.deletePayment(step.ctx, paymentId, {
      idempotencyKey: changeKey(step, change, `delete ${paymentId}`),
    });
  } catch (err) {
    const gone =
      err instanceof XeroApiError &&
      err.validationErrors.some((m) => /not of valid status for modification/i.test(m));
    if (!gone) throw err;
  }
}

/** A credit note of the order undone: its allocations removed, its refunds deleted, then voided. */
async function undoCreditNote(
  step: Step,
  change: OpenChange,
  listed: CreditNote,
  deleted: string[],
): Promise<void> {
  const note = (await step.xero.getCreditNote(step.ctx, listed.creditNoteID!)) ?? listed;
  for (const allocation of note.allocations ?? [])
    if (allocation.allocationID)
      await step.xero.deleteAllocation(step.ctx, note.creditNoteID!, allocation.allocationID);
  for (const refund of note.payments ?? []) {
    await deletePayment(step, change, refund.paymentID!);
    deleted.push(refund.paymentID!);
  }
  await step.xero.voidCreditNote(step.ctx, note.creditNoteID!, {
    idempotencyKey: changeKey(step, change, `void ${note.creditNoteID}`),
  });
}

/**
 * A void that cannot undo a locked document: a credit note for what the invoice still counts (its total less
 * what the order's credit notes already credit), dated on the void's day, settled like a refund.
 */
async function voidAsCreditNote(
  step: Step,
  change: OpenChange,
  invoice: Invoice,
  notes: CreditNote[],
  locked: string,
): Promise<ChangeResult> {
  const day = localDateOf(String(change.detail.at), step.settings.timeZone);
  const number = `${change.invoiceNumber}-VOID`;
  const existing = notes.find((n) => n.creditNoteNumber === number);
  const dayLocked = existing ? null : lockedDay(step, change, 'its void', day);
  if (dayLocked)
    return {
      failed: `${locked} lies in the locked period and the void's own day is locked too: ${dayLocked}`,
    };
  const credited = notes
    .filter((n) => n !== existing && !isVoided(n))
    .reduce((sum, n) => sum + decimalOf(n.total), 0n);
  const amount = decimalOf(invoice.total) - credited;
  if (!existing && amount <= 0n)
    return { done: { voided: false, credit: '0.00' }, says: 'nothing left to credit' };
  const note =
    existing ??
    (await creditNoteFor(step, change, invoice, {
      number,
      day,
      amount,
      description: `Void of order ${change.base.number} (its invoice lies in a locked period)`,
    }));
  if ('failed' in note) return note;
  const settled = await settleCredit(step, change, invoice, note, day);
  if ('failed' in settled) return settled;
  return {
    done: { ...settled.done, voidedAsCreditNote: true, credit: money2(decimalOf(note.total)) },
    says: `voided as credit note ${number} dated ${xeroDay(day)}: ${locked} lies in Xero's locked period, so the invoice stays and is credited in full`,
  };
}
