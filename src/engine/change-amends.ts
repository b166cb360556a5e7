import type { Invoice } from 'xero-node';
import { localDateOf } from '../calendar';
import { parseDecimal } from '../money';
import { money2 } from '../xero/amounts';
import type { InvoiceDraft } from '../xero/documents';
import { dayOfXeroDate } from '../xero/organisation';
import { elementErrors, toXeroInvoice } from '../xero/wire';
import type { OpenChange } from './change-ledger';
import { changeKey, decimalOf, isVoided } from './change-writes';
import type { ChangeResult } from './change-writes';
import { mapOrder } from './invoice-mapping';
import { checkFoundInvoice } from './money-checks';
import { lockedProblem } from './organisation-rules';
import type { Step } from './step';

/**
 * A change of lines, total or date of an unpaid order already in Xero (`amend:<revision>`, docs/revisions.md): its
 * invoice is updated to the order's latest revision (POST /Invoices/{InvoiceID}; the lines sent replace the
 * invoice's). Xero edits an invoice only while nothing is paid or credited on it, and an approved one only outside
 * the locked period: those fail the change with the reason and what to do, before any write.
 *
 * Exactly once: the update sets the invoice to a content, so it is read first and not sent again when Xero already
 * holds the latest revision (a write whose answer was lost, or a second amend of the same order applied by the
 * first). The invoice keeps its number, its contact and its status (a draft stays a draft).
 */
export async function applyAmend(step: Step, change: OpenChange, invoice: Invoice): Promise<ChangeResult> {
  const number = change.invoiceNumber;
  if (isVoided(invoice))
    return { failed: `invoice ${number} was voided in Xero; the order's new lines are not written` };
  const draft = latestDraft(step, change, invoice);
  if ('failed' in draft) return draft;
  const says = keptContact(change);
  if (holdsDraft(invoice, draft)) return { done: holdingOf(invoice), ...says };
  if (decimalOf(invoice.amountPaid) > 0n || decimalOf(invoice.amountCredited) > 0n)
    return {
      failed: `invoice ${number} has a payment or credit in Xero, and Xero does not edit a paid invoice: record money given back as a refund (refunds[]), or void the order and import the sale as a new order with another id`,
    };
  const locked = lockedInvoice(step, change, invoice, draft);
  if (locked) return { failed: locked };
  // The invoice keeps Xero's status: a draft is not approved by an amend, an approved one stays approved.
  const body: Invoice = { ...toXeroInvoice(draft), status: undefined };
  const [answer] = await step.xero.updateInvoice(step.ctx, invoice.invoiceID!, body, {
    idempotencyKey: changeKey(step, change, 'amend'),
  });
  const errors = answer ? elementErrors(answer) : ['Xero answered no invoice'];
  if (errors.length > 0)
    return { failed: `Xero refused the update of invoice ${number}: ${errors.join('; ')}` };
  const mismatch = checkFoundInvoice(change.latest, answer!).mismatch;
  const notes = [says.says, mismatch].filter(Boolean).join('; ');
  return { done: holdingOf(answer!), ...(notes ? { says: notes } : {}) };
}

/** The latest revision's invoice, under the number and contact Xero holds. */
function latestDraft(step: Step, change: OpenChange, invoice: Invoice): InvoiceDraft | { failed: string } {
  const contactId = invoice.contact?.contactID ?? change.xeroContactId ?? '';
  const mapping = mapOrder(change.latest, step.settings, { contactId });
  if (mapping.kind === 'error') return { failed: mapping.message };
  if (mapping.kind !== 'invoice') return { failed: 'the order is voided: nothing to update' };
  return { ...mapping.invoice, InvoiceNumber: change.invoiceNumber };
}

/** A change of customer keeps the invoice's contact in Xero: the merchant is told. */
function keptContact(change: OpenChange): { says?: string } {
  const fields = (change.detail.fields as string[] | undefined) ?? [];
  return fields.includes('customer')
    ? {
        says: `its customer changed: invoice ${change.invoiceNumber} keeps its contact in Xero; change it there`,
      }
    : {};
}

const amountOf = (n: number | string | undefined) => decimalOf(n === undefined ? undefined : Number(n));

/** Whether Xero's invoice already holds the draft: its date, and each line's description, quantity and price. */
function holdsDraft(invoice: Invoice, draft: InvoiceDraft): boolean {
  const lines = invoice.lineItems ?? [];
  if (dayOfXeroDate(invoice.date) !== draft.Date || lines.length !== draft.LineItems.length) return false;
  if (String(invoice.lineAmountTypes) !== draft.LineAmountTypes) return false;
  return draft.LineItems.every((want, i) => {
    const got = lines[i]!;
    return (
      (got.description ?? '') === want.Description &&
      amountOf(got.quantity) === parseDecimal(want.Quantity) &&
      amountOf(got.unitAmount) === parseDecimal(want.UnitAmount) &&
      amountOf(got.discountAmount) === parseDecimal(want.DiscountAmount ?? '0') &&
      (got.accountCode ?? '') === want.AccountCode &&
      (got.taxType ?? '') === want.TaxType
    );
  });
}

/** Why Xero would refuse to edit this approved invoice: its date, or its new date, in the locked period. */
function lockedInvoice(step: Step, change: OpenChange, invoice: Invoice, draft: InvoiceDraft): string | null {
  if (String(invoice.status) !== 'AUTHORISED') return null;
  const label = `Order ${change.base.number} (${change.orderId}), a change of its lines (${change.key})`;
  const days = [
    {
      what: 'its invoice',
      day: dayOfXeroDate(invoice.date) ?? localDateOf(change.base.placedAt, step.settings.timeZone),
    },
    { what: 'its new date', day: draft.Date },
  ];
  return lockedProblem(label, days, step.facts);
}

/** What Xero holds once updated: the invoice and its amounts as Xero answered them. */
function holdingOf(invoice: Invoice) {
  return {
    invoiceId: invoice.invoiceID,
    total: money2(decimalOf(invoice.total)),
    subTotal: money2(decimalOf(invoice.subTotal)),
    totalTax: money2(decimalOf(invoice.totalTax)),
    lines: invoice.lineItems?.length ?? 0,
  };
}
