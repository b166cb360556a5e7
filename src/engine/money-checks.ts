/**
 * Money checks: every invoice, credit note, allocation and payment Xero answers carries its amounts, so each answer
 * is compared with what the order says at no extra call. A difference is a message naming both amounts ("Xero's
 * total 11.90 differs from the order's 11.00"), recorded on the order's ledger row (src/engine/ledger.ts,
 * `recordMoneyChecks`) and shown with its per-order result; nothing is silently accepted.
 *
 * Typical causes: a tax rate in the business's mapping that differs from Xero's (Xero computes tax with its own
 * rate), an organisation setting that changes rounding, or a rule of Xero's the mapping does not know yet.
 */
import type { Allocation, CreditNote, Invoice, Payment } from 'xero-node';
import { decimalFromNumber, parseDecimal, type Decimal4 } from '../money';
import type { Order } from '../orders/schema';
import { combinedRefund } from '../orders/revisions';
import { expectedTotals, type CreditNotePlan, type MappingSettings } from './invoice-mapping';
import { type InvoiceDraft } from '../xero/documents';
import { money2 } from '../xero/amounts';

/** What was checked; one message per kind is kept on the ledger row. */
export type MoneyCheckKind = 'invoice' | 'payments' | 'credit_note' | 'allocation' | 'refund';
export const MONEY_CHECK_KINDS: readonly MoneyCheckKind[] = [
  'invoice',
  'payments',
  'credit_note',
  'allocation',
  'refund',
];

/** One order's result for one kind: null when Xero's amounts agree with the order's. */
export interface MoneyCheck {
  orderId: string;
  mismatch: string | null;
}

/** A JSON number from Xero as an exact decimal (through its shortest decimal text), or null if absent. */
function xeroAmount(value: number | undefined): Decimal4 | null {
  if (value === undefined || value === null) return null;
  try {
    return decimalFromNumber(Number(value));
  } catch {
    return null;
  }
}

/** "Xero's total 11.90 differs from the order's 11.00", or null when they are equal. */
function compare(
  what: string,
  answered: number | undefined,
  expected: Decimal4,
  whose: string,
  hint = '',
): string | null {
  const xero = xeroAmount(answered);
  if (xero === expected) return null;
  if (xero === null) return `Xero's answer has no ${what}; ${whose} is ${money2(expected)}${hint}`;
  return `Xero's ${what} ${money2(xero)} differs from ${whose} ${money2(expected)}${hint}`;
}

const TAX_HINT =
  " at the business's tax rates (check the tax mapping's rates against the organisation's in Xero)";

function joined(messages: Array<string | null>): string | null {
  const found = messages.filter((m): m is string => m !== null);
  return found.length > 0 ? found.join('; ') : null;
}

/** Tax as the business's tax mapping computes it; null if the mapping cannot (then the mapping already failed). */
function expectedTax(
  draft: Parameters<typeof expectedTotals>[0],
  settings: MappingSettings,
): Decimal4 | null {
  const totals = expectedTotals(draft, settings);
  return 'TotalTax' in totals ? parseDecimal(totals.TotalTax) : null;
}

const NO_ID = '00000000-0000-0000-0000-000000000000';

/** True when Xero saved this element (a refused one echoes the request with an all-zero id and its errors). */
export function accepted(
  answer:
    | {
        hasErrors?: boolean;
        hasValidationErrors?: boolean;
        statusAttributeString?: string;
        validationErrors?: unknown[];
      }
    | undefined,
  id: string | undefined,
): boolean {
  if (!answer || !id || id === NO_ID) return false;
  if (answer.hasErrors || answer.hasValidationErrors || answer.statusAttributeString === 'ERROR')
    return false;
  return (answer.validationErrors ?? []).length === 0;
}

/** The invoice Xero created: its Total against the order's, its TotalTax against the mapping's tax rates. */
export function checkInvoiceTotals(
  order: Order,
  draft: InvoiceDraft,
  settings: MappingSettings,
  answer: Invoice,
): string | null {
  const tax = expectedTax(draft, settings);
  return joined([
    compare('total', answer.total, parseDecimal(order.total), "the order's"),
    tax === null ? null : compare('tax', answer.totalTax, tax, 'the expected', TAX_HINT),
  ]);
}

/** Invoice answers of one batch write, in the order sent; refused elements are not checked (they fail the order). */
export function checkInvoiceAnswers(
  sent: Array<{ order: Order; invoice: InvoiceDraft }>,
  answers: Array<Invoice | undefined>,
  settings: MappingSettings,
): MoneyCheck[] {
  return sent.flatMap((s, i) => {
    const answer = answers[i];
    if (!answer || !accepted(answer, answer.invoiceID)) return [];
    return [{ orderId: s.order.id, mismatch: checkInvoiceTotals(s.order, s.invoice, settings, answer) }];
  });
}

/** An invoice found in Xero by its number (an earlier attempt's): its Total against the order's. */
export function checkFoundInvoice(order: Order, found: Invoice): MoneyCheck {
  return {
    orderId: order.id,
    mismatch: compare('total', found.total, parseDecimal(order.total), "the order's"),
  };
}

/** The refund amount of a refunded order: money returned, tax included (default: the order total). */
function refundOf(order: Order): Decimal4 {
  return parseDecimal(combinedRefund(order)?.amount ?? order.total);
}

/** The credit note Xero created: its Total against the refund, its TotalTax against the mapping's tax rates. */
export function checkCreditNoteTotals(
  order: Order,
  plan: CreditNotePlan,
  settings: MappingSettings,
  answer: CreditNote,
): string | null {
  const tax = expectedTax(plan.creditNote, settings);
  return joined([
    compare('credit note total', answer.total, refundOf(order), "the order's refund"),
    tax === null ? null : compare('credit note tax', answer.totalTax, tax, 'the expected', TAX_HINT),
  ]);
}

/** The allocation Xero made against the amount planned (what was still due on the invoice). */
export function checkAllocation(plan: CreditNotePlan, answer: Allocation): string | null {
  return compare('allocation', answer.amount, parseDecimal(plan.allocationAmount), 'the planned');
}

/** The refund paid back out of the credit note against the planned amount. */
export function checkRefundPayment(plan: CreditNotePlan, answer: Payment): string | null {
  const planned = plan.refundPayment?.amount;
  return planned === undefined
    ? null
    : compare('refund', answer.amount, parseDecimal(planned), 'the planned');
}

/**
 * Payments, per order: each answered payment against the order's payment it was made for (same position).
 * Failed elements are not checked here: they fail the order with Xero's message instead.
 */
export function checkPayments(
  sent: Array<{ orderId: string; amount: string }>,
  answers: Array<Payment | undefined>,
): MoneyCheck[] {
  const byOrder = new Map<string, Array<string | null>>();
  sent.forEach((payment, i) => {
    const answer = answers[i];
    const messages = byOrder.get(payment.orderId) ?? [];
    if (answer && accepted(answer, answer.paymentID))
      messages.push(compare('payment', answer.amount, parseDecimal(payment.amount), "the order's payment"));
    byOrder.set(payment.orderId, messages);
  });
  return [...byOrder].map(([orderId, messages]) => ({ orderId, mismatch: joined(messages) }));
}
