import { batchItems, batchResult, str, unitdp, type ApiContext, type BatchElement } from './context';
import { notFound, type ApiResult } from './errors';
import { HAS_PAYMENTS } from './invoices';
import { lockedDate } from './organisation';
import { allocationJson, creditNoteJson, paymentJson } from './render';
import type { DocStatus, StoredAllocation, StoredCreditNote, StoredPayment, TenantState } from './state';

/**
 * Undoing what was booked: deleting a payment (or refund), removing a credit note's allocation, voiding a credit
 * note, and a document voided in Xero by someone else (a test hook). Voiding an invoice is a status change of
 * POST /Invoices/{InvoiceID} (invoices.ts), refused there while payments or allocations remain.
 *
 * Sources: OpenAPI `deletePayment` (POST /Payments/{PaymentID}, body PaymentDelete `{ Status: "DELETED" }`) and
 * `deleteCreditNoteAllocations` (DELETE /CreditNotes/{CreditNoteID}/Allocations/{AllocationID}, answering the
 * Allocation with `IsDeleted: true`); "This document cannot be edited as it has a payment or credit note allocated
 * to it." for a document with payments or allocations (XeroAPI/Xero-NetStandard#84, waynerobinson/xeroizer#211 for a
 * credit note); "Payment not of valid status for modification" for a payment already deleted (bill.com's help on
 * that Xero sync error: the payment "was already manually voided in Xero").
 */

export const PAYMENT_NOT_MODIFIABLE = 'Payment not of valid status for modification';
/**
 * A payment matched to a bank statement line (IsReconciled) cannot be deleted until it is unreconciled. The rule is
 * public (Loft47's help on reversing payouts in Xero: "you must first un reconcile it prior to voiding or removing
 * the payment"; OpenAPI Payment.IsReconciled); Xero's exact words over the API are a guess.
 */
export const PAYMENT_RECONCILED =
  'This payment has been reconciled to a bank statement line and cannot be deleted; unreconcile it first';
export const CREDIT_NOTE_NOT_MODIFIABLE = 'Credit note not of valid status for modification';

/** Status changes allowed on an existing credit note (by analogy with invoices; only the status is modelled). */
const NOTE_TRANSITIONS: Record<DocStatus, DocStatus[]> = {
  DRAFT: ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED'],
  SUBMITTED: ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED'],
  AUTHORISED: ['AUTHORISED', 'VOIDED'],
  PAID: [],
  VOIDED: [],
  DELETED: [],
};

/** A document with nothing left outstanding is PAID; one that owes again goes back to AUTHORISED. */
function reopen(doc: { Status: DocStatus; fullyPaidOn?: string; updatedMs: number }, nowMs: number): void {
  if (doc.Status === 'PAID') {
    doc.Status = 'AUTHORISED';
    doc.fullyPaidOn = undefined;
  }
  doc.updatedMs = nowMs;
}

/** Takes a payment off its invoice (or a refund off its credit note), as if it had never been made. */
function unbookPayment(tenant: TenantState, payment: StoredPayment, nowMs: number): void {
  payment.deleted = true;
  payment.updatedMs = nowMs;
  if ('InvoiceID' in payment.target) {
    const invoice = tenant.invoices.get(payment.target.InvoiceID);
    if (!invoice) return;
    invoice.paymentIds = invoice.paymentIds.filter((id) => id !== payment.PaymentID);
    invoice.AmountPaid -= payment.Amount;
    reopen(invoice, nowMs);
  } else {
    const note = tenant.creditNotes.get(payment.target.CreditNoteID);
    if (!note) return;
    note.paymentIds = note.paymentIds.filter((id) => id !== payment.PaymentID);
    note.RemainingCredit += payment.Amount;
    reopen(note, nowMs);
  }
}

/** Gives an allocation's amount back to its credit note and takes it off the invoice. */
function unbookAllocation(tenant: TenantState, allocation: StoredAllocation, nowMs: number): void {
  tenant.allocations.delete(allocation.AllocationID);
  const note = tenant.creditNotes.get(allocation.CreditNoteID);
  if (note) {
    note.allocationIds = note.allocationIds.filter((id) => id !== allocation.AllocationID);
    note.RemainingCredit += allocation.Amount;
    reopen(note, nowMs);
  }
  const invoice = tenant.invoices.get(allocation.InvoiceID);
  if (invoice) {
    invoice.allocationIds = invoice.allocationIds.filter((id) => id !== allocation.AllocationID);
    invoice.AmountCredited -= allocation.Amount;
    reopen(invoice, nowMs);
  }
}

/** POST /Payments/{PaymentID} with `{ Status: "DELETED" }` (or `{ Payments: [{ Status: "DELETED" }] }`). */
export function deletePayment(ctx: ApiContext): ApiResult {
  const payment = ctx.tenant.payments.get((ctx.params.id ?? '').toLowerCase());
  if (!payment) return notFound();
  const raw = batchItems(ctx.body, 'Payments')[0] ?? {};
  const errors: string[] = [];
  if (str(raw.Status) !== 'DELETED' || payment.deleted) errors.push(PAYMENT_NOT_MODIFIABLE);
  else if (payment.IsReconciled) errors.push(PAYMENT_RECONCILED);
  const locked = lockedDate(ctx.tenant.organisation, payment.Date, 'payment');
  if (locked) errors.push(locked);
  if (errors.length === 0) unbookPayment(ctx.tenant, payment, ctx.nowMs);
  const element: BatchElement = { element: paymentJson(ctx.tenant, payment), errors };
  return batchResult(ctx, 'Payments', [element], 'HasValidationErrors');
}

/** DELETE /CreditNotes/{CreditNoteID}/Allocations/{AllocationID}: refused when its date is locked. */
export function deleteAllocation(ctx: ApiContext): ApiResult {
  const note = ctx.tenant.creditNotes.get((ctx.params.id ?? '').toLowerCase());
  const allocation = ctx.tenant.allocations.get((ctx.params.allocationId ?? '').toLowerCase());
  if (!note || !allocation || allocation.CreditNoteID !== note.CreditNoteID) return notFound();
  const locked = lockedDate(ctx.tenant.organisation, allocation.Date);
  if (locked) {
    const element = { element: allocationJson(ctx.tenant, allocation), errors: [locked] };
    return batchResult(ctx, 'Allocations', [element], 'HasErrors');
  }
  unbookAllocation(ctx.tenant, allocation, ctx.nowMs);
  return { status: 200, body: allocationJson(ctx.tenant, allocation, true) };
}

const APPROVED: DocStatus[] = ['AUTHORISED', 'PAID', 'VOIDED'];

function checkNoteChange(ctx: ApiContext, note: StoredCreditNote, next: DocStatus): string[] {
  const errors: string[] = [];
  if (!NOTE_TRANSITIONS[note.Status].includes(next)) errors.push(CREDIT_NOTE_NOT_MODIFIABLE);
  if (note.allocationIds.length + note.paymentIds.length > 0) errors.push(HAS_PAYMENTS);
  const locked = APPROVED.includes(note.Status) ? lockedDate(ctx.tenant.organisation, note.Date) : null;
  if (locked) errors.push(locked);
  return errors;
}

/** POST /CreditNotes/{CreditNoteID}: a status change (VOIDED, or DELETED for a draft); other fields are kept. */
export function postCreditNoteById(ctx: ApiContext): ApiResult {
  const note = ctx.tenant.creditNotes.get((ctx.params.id ?? '').toLowerCase());
  if (!note) return notFound();
  const raw = batchItems(ctx.body, 'CreditNotes')[0] ?? {};
  const next = (str(raw.Status) ?? note.Status) as DocStatus;
  const errors = checkNoteChange(ctx, note, next);
  if (errors.length === 0 && next !== note.Status) {
    note.Status = next;
    note.updatedMs = ctx.nowMs;
  }
  const element: BatchElement = { element: creditNoteJson(ctx.tenant, note, unitdp(ctx)), errors };
  return batchResult(ctx, 'CreditNotes', [element], 'HasErrors');
}

/**
 * Someone voids a document in Xero's own screens (a test hook, `/__sim/`): Xero makes them remove its payments and
 * allocations first, so those go too. Lock dates are not checked (an adviser may pass the period lock).
 */
export function voidAsUser(
  tenant: TenantState,
  kind: 'invoice' | 'credit-note',
  id: string,
  nowMs: number,
): boolean {
  const doc =
    kind === 'invoice' ? tenant.invoices.get(id.toLowerCase()) : tenant.creditNotes.get(id.toLowerCase());
  if (!doc) return false;
  for (const paymentId of [...doc.paymentIds]) {
    const payment = tenant.payments.get(paymentId);
    if (payment) unbookPayment(tenant, payment, nowMs);
  }
  for (const allocationId of [...doc.allocationIds]) {
    const allocation = tenant.allocations.get(allocationId);
    if (allocation) unbookAllocation(tenant, allocation, nowMs);
  }
  doc.Status = doc.Status === 'DRAFT' || doc.Status === 'SUBMITTED' ? 'DELETED' : 'VOIDED';
  doc.updatedMs = nowMs;
  return true;
}

/** Someone reconciles a payment to a bank statement line in Xero's own screens (a test hook, `/__sim/`). */
export function reconcileAsUser(tenant: TenantState, paymentId: string, nowMs: number): boolean {
  const payment = tenant.payments.get(paymentId.toLowerCase());
  if (!payment || payment.deleted) return false;
  payment.IsReconciled = true;
  payment.updatedMs = nowMs;
  return true;
}

/**
 * Someone edits a document in Xero's own screens (a test hook, `/__sim/`): its Reference is changed, and its
 * UpdatedDateUTC moves, as any edit moves it. Its lines and amounts are left as they are.
 */
export function editAsUser(
  tenant: TenantState,
  kind: 'invoice' | 'credit-note',
  id: string,
  reference: string,
  nowMs: number,
): boolean {
  if (kind === 'credit-note') {
    const note = tenant.creditNotes.get(id.toLowerCase());
    if (!note) return false;
    note.Reference = reference;
    note.updatedMs = nowMs;
    return true;
  }
  const invoice = tenant.invoices.get(id.toLowerCase());
  if (!invoice) return false;
  const previous = { ...invoice };
  invoice.Reference = reference;
  invoice.updatedMs = nowMs;
  tenant.putInvoice(invoice, previous);
  return true;
}
