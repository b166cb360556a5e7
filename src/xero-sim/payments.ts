import { inputDecimal } from './amounts';
import {
  batchItems,
  batchResult,
  envelope,
  isRecord,
  newId,
  str,
  today,
  type ApiContext,
  type BatchElement,
} from './context';
import { parseDay } from './documents';
import { notFound, type ApiResult } from './errors';
import { amountDue, paymentJson } from './render';
import type { SeedAccount } from './seed';
import type { StoredInvoice, StoredPayment, TenantState } from './state';

export const NOT_AUTHORISED = 'Payments can only be made against Authorised documents.';
export const OVERPAYMENT = 'Payment amount exceeds the amount outstanding on this document.';

function findInvoice(tenant: TenantState, raw: Record<string, unknown>): StoredInvoice | undefined {
  const ref = isRecord(raw.Invoice) ? raw.Invoice : {};
  const id = str(ref.InvoiceID);
  if (id) return tenant.invoices.get(id.toLowerCase());
  const number = str(ref.InvoiceNumber) ?? str(raw.InvoiceNumber);
  return number ? tenant.invoices.get(tenant.invoiceIdByNumber(number) ?? '') : undefined;
}

function findAccount(tenant: TenantState, raw: Record<string, unknown>): SeedAccount | undefined {
  const ref = isRecord(raw.Account) ? raw.Account : {};
  const id = str(ref.AccountID)?.toLowerCase();
  const code = str(ref.Code);
  return tenant.accounts.find((a) => (id && a.AccountID === id) || (code !== undefined && a.Code === code));
}

/** Xero's payment rules (xero-facts.md): an AUTHORISED invoice, a payable account, at most the amount due. */
function validate(ctx: ApiContext, raw: Record<string, unknown>, errors: string[]) {
  const invoice = findInvoice(ctx.tenant, raw);
  const account = findAccount(ctx.tenant, raw);
  const amount = inputDecimal(raw.Amount, 2);
  if (!invoice) errors.push('Invoice could not be found.');
  if (!account) errors.push('Account could not be found.');
  else if (account.Type !== 'BANK' && !account.EnablePaymentsToAccount) {
    errors.push('Account type is invalid for making a payment to/from.');
  }
  if (amount === null || amount <= 0n) errors.push('Payment amount must be greater than zero.');
  if (invoice && invoice.Status !== 'AUTHORISED') errors.push(NOT_AUTHORISED);
  else if (invoice && amount !== null && amount > amountDue(invoice)) errors.push(OVERPAYMENT);
  const date = parseDay(raw.Date, 'Date', errors) ?? today(ctx);
  return { invoice, account, amount, date };
}

function createOne(ctx: ApiContext, raw: Record<string, unknown>): BatchElement {
  const errors: string[] = [];
  const { invoice, account, amount, date } = validate(ctx, raw, errors);
  if (errors.length > 0 || !invoice || !account || amount === null) {
    return { element: { ...raw, PaymentID: '00000000-0000-0000-0000-000000000000' }, errors };
  }
  const payment: StoredPayment = {
    PaymentID: newId(),
    InvoiceID: invoice.InvoiceID,
    AccountID: account.AccountID,
    Date: date,
    Amount: amount,
    Reference: str(raw.Reference),
    updatedMs: ctx.nowMs,
  };
  ctx.tenant.payments.set(payment.PaymentID, payment);
  invoice.paymentIds.push(payment.PaymentID);
  invoice.AmountPaid += amount;
  invoice.updatedMs = ctx.nowMs;
  settleIfPaid(invoice, date);
  return { element: paymentJson(ctx.tenant, payment), errors: [] };
}

/** A fully paid (or credited) invoice becomes PAID. */
export function settleIfPaid(invoice: StoredInvoice, day: string): void {
  if (amountDue(invoice) === 0n) {
    invoice.Status = 'PAID';
    invoice.fullyPaidOn = day;
  }
}

/** PUT (or POST) /Payments: many payments in one call. */
export function putPayments(ctx: ApiContext): ApiResult {
  const elements = batchItems(ctx.body, 'Payments').map((raw) => createOne(ctx, raw));
  return batchResult(ctx, 'Payments', elements, 'HasValidationErrors');
}

export function getPayments(ctx: ApiContext): ApiResult {
  const payments = [...ctx.tenant.payments.values()].map((p) => paymentJson(ctx.tenant, p));
  return { status: 200, body: envelope(ctx, 'Payments', payments) };
}

export function getPayment(ctx: ApiContext): ApiResult {
  const payment = ctx.tenant.payments.get((ctx.params.id ?? '').toLowerCase());
  if (!payment) return notFound();
  return { status: 200, body: envelope(ctx, 'Payments', [paymentJson(ctx.tenant, payment)]) };
}
