import { inputDecimal } from './amounts';
import {
  batchItems,
  batchResult,
  envelope,
  isRecord,
  newId,
  paginate,
  str,
  today,
  type ApiContext,
  type BatchElement,
} from './context';
import { parseDay } from './documents';
import { notFound, type ApiResult } from './errors';
import { lockedDate } from './organisation';
import { amountDue, paymentJson } from './render';
import type { SeedAccount } from './seed';
import type { StoredCreditNote, StoredInvoice, StoredPayment, TenantState } from './state';

export const NOT_AUTHORISED = 'Payments can only be made against Authorised documents.';
export const OVERPAYMENT = 'Payment amount exceeds the amount outstanding on this document.';
export const TWO_DOCUMENTS = 'A payment can be applied to an invoice or a credit note, not both.';

/** The document a payment settles: an invoice, or a credit note refunded to the contact. */
type Payable = { invoice: StoredInvoice } | { note: StoredCreditNote };

function findInvoice(tenant: TenantState, raw: Record<string, unknown>): StoredInvoice | undefined {
  const ref = isRecord(raw.Invoice) ? raw.Invoice : {};
  const id = str(ref.InvoiceID);
  if (id) return tenant.invoices.get(id.toLowerCase());
  const number = str(ref.InvoiceNumber) ?? str(raw.InvoiceNumber);
  return number ? tenant.invoices.get(tenant.invoiceIdByNumber(number) ?? '') : undefined;
}

function findCreditNote(tenant: TenantState, raw: Record<string, unknown>): StoredCreditNote | undefined {
  const ref = isRecord(raw.CreditNote) ? raw.CreditNote : {};
  const id = str(ref.CreditNoteID);
  if (id) return tenant.creditNotes.get(id.toLowerCase());
  const number = str(ref.CreditNoteNumber) ?? str(raw.CreditNoteNumber);
  return number ? tenant.creditNoteByNumber(number) : undefined;
}

/** A Payment element names its document by `Invoice`/`InvoiceNumber` or by `CreditNote`/`CreditNoteNumber`. */
function findPayable(
  tenant: TenantState,
  raw: Record<string, unknown>,
  errors: string[],
): Payable | undefined {
  const namesNote = isRecord(raw.CreditNote) || str(raw.CreditNoteNumber) !== undefined;
  const namesInvoice = isRecord(raw.Invoice) || str(raw.InvoiceNumber) !== undefined;
  if (namesNote && namesInvoice) {
    errors.push(TWO_DOCUMENTS);
    return undefined;
  }
  if (namesNote) {
    const note = findCreditNote(tenant, raw);
    if (!note) errors.push('Credit note could not be found.');
    return note && { note };
  }
  const invoice = findInvoice(tenant, raw);
  if (!invoice) errors.push('Invoice could not be found.');
  return invoice && { invoice };
}

/** Invoices owe their amount due; a credit note can refund only the credit not yet allocated or refunded. */
function outstanding(doc: Payable): bigint {
  return 'invoice' in doc ? amountDue(doc.invoice) : doc.note.RemainingCredit;
}

/** `Account: { AccountID | Code }`, or the top-level "Code of account you are using to make the payment". */
function findAccount(tenant: TenantState, raw: Record<string, unknown>): SeedAccount | undefined {
  const ref = isRecord(raw.Account) ? raw.Account : {};
  const id = str(ref.AccountID)?.toLowerCase();
  const code = str(ref.Code) ?? (id ? undefined : str(raw.Code));
  return tenant.accounts.find((a) => (id && a.AccountID === id) || (code !== undefined && a.Code === code));
}

/** Xero's payment rules (xero-facts.md): an AUTHORISED document, a payable account, at most what is outstanding. */
function validate(ctx: ApiContext, raw: Record<string, unknown>, errors: string[]) {
  const doc = findPayable(ctx.tenant, raw, errors);
  const account = findAccount(ctx.tenant, raw);
  const amount = inputDecimal(raw.Amount, 2);
  if (!account) errors.push('Account could not be found.');
  else if (account.Type !== 'BANK' && !account.EnablePaymentsToAccount) {
    errors.push('Account type is invalid for making a payment to/from.');
  }
  if (amount === null || amount <= 0n) errors.push('Payment amount must be greater than zero.');
  const status = doc && ('invoice' in doc ? doc.invoice.Status : doc.note.Status);
  if (doc && status !== 'AUTHORISED') errors.push(NOT_AUTHORISED);
  else if (doc && amount !== null && amount > outstanding(doc)) errors.push(OVERPAYMENT);
  const date = parseDay(raw.Date, 'Date', errors) ?? today(ctx);
  const locked = lockedDate(ctx.tenant.organisation, date, 'payment');
  if (locked) errors.push(locked);
  return { doc, account, amount, date };
}

/** Books the payment on its document; the document settles once nothing is outstanding. */
function apply(ctx: ApiContext, doc: Payable, payment: StoredPayment): void {
  if ('invoice' in doc) {
    doc.invoice.paymentIds.push(payment.PaymentID);
    doc.invoice.AmountPaid += payment.Amount;
    doc.invoice.updatedMs = ctx.nowMs;
    settleIfPaid(doc.invoice, payment.Date);
  } else {
    doc.note.paymentIds.push(payment.PaymentID);
    spendCredit(doc.note, payment.Amount, payment.Date, ctx.nowMs);
  }
}

function createOne(ctx: ApiContext, raw: Record<string, unknown>): BatchElement {
  const errors: string[] = [];
  const { doc, account, amount, date } = validate(ctx, raw, errors);
  if (errors.length > 0 || !doc || !account || amount === null) {
    return { element: { ...raw, PaymentID: '00000000-0000-0000-0000-000000000000' }, errors };
  }
  const payment: StoredPayment = {
    PaymentID: newId(),
    target: 'invoice' in doc ? { InvoiceID: doc.invoice.InvoiceID } : { CreditNoteID: doc.note.CreditNoteID },
    AccountID: account.AccountID,
    Date: date,
    Amount: amount,
    Reference: str(raw.Reference),
    // "whether you would like the payment to be created as reconciled when using PUT" (OpenAPI Payment.IsReconciled)
    IsReconciled: raw.IsReconciled === true,
    updatedMs: ctx.nowMs,
  };
  ctx.tenant.payments.set(payment.PaymentID, payment);
  apply(ctx, doc, payment);
  return { element: paymentJson(ctx.tenant, payment), errors: [] };
}

/** A fully paid (or credited) invoice becomes PAID. */
export function settleIfPaid(invoice: StoredInvoice, day: string): void {
  if (amountDue(invoice) === 0n) {
    invoice.Status = 'PAID';
    invoice.fullyPaidOn = day;
  }
}

/** Allocations and refunds both use up credit; a credit note with none left is PAID, as in Xero. */
export function spendCredit(note: StoredCreditNote, amount: bigint, day: string, nowMs: number): void {
  note.RemainingCredit -= amount;
  note.updatedMs = nowMs;
  if (note.RemainingCredit === 0n) {
    note.Status = 'PAID';
    note.fullyPaidOn = day;
  }
}

/** PUT (or POST) /Payments: many payments in one call. */
export function putPayments(ctx: ApiContext): ApiResult {
  const elements = batchItems(ctx.body, 'Payments').map((raw) => createOne(ctx, raw));
  return batchResult(ctx, 'Payments', elements, 'HasValidationErrors');
}

/** GET /Payments: "Up to 100 payments will be returned in a single API call" with `page` (and `pageSize`). */
export function getPayments(ctx: ApiContext): ApiResult {
  const { items, extra } = paginate(ctx, [...ctx.tenant.payments.values()]);
  const payments = items.map((p) => paymentJson(ctx.tenant, p));
  return { status: 200, body: envelope(ctx, 'Payments', payments, extra) };
}

export function getPayment(ctx: ApiContext): ApiResult {
  const payment = ctx.tenant.payments.get((ctx.params.id ?? '').toLowerCase());
  if (!payment) return notFound();
  return { status: 200, body: envelope(ctx, 'Payments', [paymentJson(ctx.tenant, payment)]) };
}
