import { createHash } from 'node:crypto';
import type { CreditNote, Invoice, Payment } from 'xero-node';
import { localDateOf } from '../calendar';
import { decimalFromNumber, parseDecimal } from '../money';
import type { Decimal4 } from '../money';
import { money2 } from '../xero/amounts';
import { elementErrors, toXeroCreditNote } from '../xero/wire';
import type { OpenChange, XeroHolding } from './change-ledger';
import { lockedProblem } from './organisation-rules';
import type { Step } from './step';

/**
 * The writes of a change of an order in Xero (src/engine/order-changes.ts): a later payment, a later refund (its own
 * credit note, then an allocation or a refund payment), and the pieces a void shares with them.
 */

export type ChangeResult = { done: XeroHolding; says?: string } | { failed: string };

/** An Idempotency-Key per write of a change: Xero replays a write the gateway sends again after a lost answer. */
export function changeKey(step: Step, change: OpenChange, what: string): string {
  return createHash('sha256')
    .update(`${step.input.requestId}|${step.who.attempt}|${change.orderId}|${change.key}|${what}`)
    .digest('hex');
}

/** Xero's amounts are JSON numbers with at most 4 decimals: exact decimals here. */
export const decimalOf = (n: number | undefined): Decimal4 => decimalFromNumber(n ?? 0);

export function isVoided(doc: { status?: unknown }): boolean {
  return String(doc.status) === 'VOIDED' || String(doc.status) === 'DELETED';
}

/** Why a document of this change dated `day` would be refused by the organisation's lock date, or null. */
export function lockedDay(step: Step, change: OpenChange, what: string, day: string): string | null {
  const label = `Order ${change.base.number} (${change.orderId}), a change in Xero (${change.key})`;
  return lockedProblem(label, [{ what, day }], step.facts);
}

/** The Xero account a payment method pays into, from the business's settings. */
function accountOf(step: Step, method: string | undefined): string | undefined {
  if (method === undefined) return undefined;
  return Object.hasOwn(step.settings.paymentAccounts, method)
    ? step.settings.paymentAccounts[method]
    : undefined;
}

/** A later payment: a payment on the invoice, found again by its Reference. */
export async function applyPayment(step: Step, change: OpenChange, invoice: Invoice): Promise<ChangeResult> {
  const p = change.detail as { key: string; method: string; amount: string; paidAt: string };
  const reference = `Order ${change.base.number} payment ${p.key}`.slice(0, 255);
  const found = invoice.payments?.find((x) => x.reference === reference);
  if (found) return { done: { paymentId: found.paymentID, amount: money2(decimalOf(found.amount)) } };
  if (isVoided(invoice))
    return {
      failed: `invoice ${change.invoiceNumber} was voided in Xero; the payment ${p.key} is not recorded`,
    };
  const account = accountOf(step, p.method);
  if (!account)
    return {
      failed: `payment method "${p.method}" has no Xero account: add it to the business's payment account mapping`,
    };
  const day = localDateOf(p.paidAt, step.settings.timeZone);
  const locked = lockedDay(step, change, 'its payment', day);
  if (locked) return { failed: locked };
  const amount = parseDecimal(p.amount);
  const due = decimalOf(invoice.amountDue);
  if (amount > due)
    return {
      failed: `invoice ${change.invoiceNumber} owes ${money2(due)} in Xero, less than the payment ${p.key} of ${p.amount}; nothing was recorded`,
    };
  const payment: Payment = {
    invoice: { invoiceID: invoice.invoiceID },
    account: { code: account },
    date: day,
    amount: Number(money2(amount)),
    reference,
  };
  const [answer] = await step.xero.createPayments(step.ctx, [payment], {
    idempotencyKey: changeKey(step, change, 'payment'),
  });
  const errors = answer ? elementErrors(answer) : ['Xero answered no payment'];
  if (errors.length > 0) return { failed: `Xero refused the payment: ${errors.join('; ')}` };
  return { done: { paymentId: answer!.paymentID, amount: money2(decimalOf(answer!.amount)) } };
}

/** The tax type of most of the invoice's amount, as Xero holds its lines: a refund's line takes it. */
function dominantTaxType(invoice: Invoice): string {
  const byType = new Map<string, Decimal4>();
  for (const line of invoice.lineItems ?? [])
    byType.set(line.taxType ?? '', (byType.get(line.taxType ?? '') ?? 0n) + decimalOf(line.lineAmount));
  let best: [string, Decimal4] | undefined;
  for (const entry of byType) if (!best || entry[1] > best[1]) best = entry;
  return best?.[0] ?? '';
}

/** A `where` value may not hold a double quote: such a number is refused, not sent. */
const quotable = (text: string) => !/["\\]/.test(text);

/** A credit note of this change, looked up by its number first (a write whose answer was lost is found). */
export async function creditNoteFor(
  step: Step,
  change: OpenChange,
  invoice: Invoice,
  note: { number: string; day: string; amount: Decimal4; description: string },
): Promise<CreditNote | { failed: string }> {
  if (note.number.length > 255 || !quotable(note.number))
    return { failed: `the credit note number ${note.number} is too long or holds a quote` };
  const [found] = await step.xero.getCreditNotesWhere(step.ctx, `CreditNoteNumber=="${note.number}"`);
  if (found) return found;
  const draft = toXeroCreditNote({
    Type: 'ACCRECCREDIT',
    CreditNoteNumber: note.number,
    Reference: change.orderId,
    contact: { contactId: change.xeroContactId ?? invoice.contact?.contactID ?? '' },
    Date: note.day,
    CurrencyCode: change.base.currency,
    LineAmountTypes: 'Inclusive',
    Status: 'AUTHORISED',
    LineItems: [
      {
        Description: note.description.slice(0, 4000),
        Quantity: '1',
        UnitAmount: money2(note.amount),
        AccountCode: step.settings.salesAccountCode,
        TaxType: dominantTaxType(invoice),
      },
    ],
  });
  const [answer] = await step.xero.createCreditNotes(step.ctx, [draft], {
    idempotencyKey: changeKey(step, change, `credit note ${note.number}`),
  });
  const errors = answer ? elementErrors(answer) : ['Xero answered no credit note'];
  if (errors.length > 0) return { failed: `Xero refused the credit note: ${errors.join('; ')}` };
  return answer!;
}

/**
 * The existing credit-note policy, from what Xero holds: the credit goes first to what the invoice still owes (an
 * allocation), and the rest is paid back to the customer (a refund payment into the account of the order's last
 * payment). Each step is skipped when Xero already shows it, so a retry finishes what a crash left.
 */
export async function settleCredit(
  step: Step,
  change: OpenChange,
  invoice: Invoice,
  note: CreditNote,
  day: string,
): Promise<ChangeResult> {
  let remaining = decimalOf(note.remainingCredit);
  const due = decimalOf(invoice.amountDue);
  const allocated = (note.allocations ?? []).some((a) => a.invoice?.invoiceID === invoice.invoiceID);
  let allocation = 0n;
  if (!allocated && due > 0n && remaining > 0n) {
    allocation = remaining < due ? remaining : due;
    await step.xero.allocateCreditNote(
      step.ctx,
      note.creditNoteID!,
      { invoice: { invoiceID: invoice.invoiceID }, amount: Number(money2(allocation)), date: day },
      { idempotencyKey: changeKey(step, change, `allocation ${note.creditNoteNumber}`) },
    );
    remaining -= allocation;
  }
  const holding: XeroHolding = {
    creditNoteId: note.creditNoteID,
    creditNoteNumber: note.creditNoteNumber,
    total: money2(decimalOf(note.total)),
    allocated: money2(allocation),
  };
  if (remaining === 0n) return { done: holding };
  const last = change.latest.payments[change.latest.payments.length - 1];
  const account = accountOf(step, last?.method);
  if (!account) return { done: { ...holding, creditLeft: money2(remaining) } };
  const [paid] = await step.xero.createPayments(
    step.ctx,
    [
      {
        creditNote: { creditNoteID: note.creditNoteID },
        account: { code: account },
        date: day,
        amount: Number(money2(remaining)),
        reference: `${note.creditNoteNumber} refund`.slice(0, 255),
      },
    ],
    { idempotencyKey: changeKey(step, change, `refund ${note.creditNoteNumber}`) },
  );
  const errors = paid ? elementErrors(paid) : ['Xero answered no refund'];
  if (errors.length > 0) return { failed: `Xero refused the refund payment: ${errors.join('; ')}` };
  return { done: { ...holding, refunded: money2(remaining), refundPaymentId: paid!.paymentID } };
}

/** A later refund: its own credit note, dated on the refund's day, then an allocation or a refund payment. */
export async function applyRefund(step: Step, change: OpenChange, invoice: Invoice): Promise<ChangeResult> {
  const r = change.detail as { id: string; amount: string; refundedAt: string; reason?: string };
  const number = `${change.invoiceNumber}-CN-${r.id}`;
  const day = localDateOf(r.refundedAt, step.settings.timeZone);
  const [existing] = quotable(number)
    ? await step.xero.getCreditNotesWhere(step.ctx, `CreditNoteNumber=="${number}"`)
    : [];
  if (!existing) {
    if (isVoided(invoice))
      return {
        failed: `invoice ${change.invoiceNumber} was voided in Xero; the refund ${r.id} is not recorded`,
      };
    const locked = lockedDay(step, change, `its refund ${r.id}`, day);
    if (locked) return { failed: locked };
  }
  const reason = r.reason?.trim();
  const note =
    existing ??
    (await creditNoteFor(step, change, invoice, {
      number,
      day,
      amount: parseDecimal(r.amount),
      description: `Refund ${r.id} of order ${change.base.number}${reason ? `: ${reason}` : ''}`,
    }));
  if ('failed' in note) return note;
  return settleCredit(step, change, invoice, note, day);
}
