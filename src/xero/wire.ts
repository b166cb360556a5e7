import type { Contact, CreditNote, Invoice, LineItem, Payment } from 'xero-node';
import type {
  CreditNoteDraft,
  CreditNoteLineDraft,
  InvoiceDraft,
  LineItemDraft,
  PaymentDraft,
} from './documents';

/**
 * Drafts (money as decimal strings) -> xero-node models. This is the edge where amounts become JSON numbers,
 * because Xero's wire format has them so; every amount has at most 4 decimals, which a double carries exactly
 * enough for Xero to read back the same decimal.
 */
const amount = (text: string): number => Number(text);

function creditNoteLine(line: CreditNoteLineDraft): LineItem {
  const item: LineItem = {
    description: line.Description,
    quantity: amount(line.Quantity),
    unitAmount: amount(line.UnitAmount),
    accountCode: line.AccountCode,
    taxType: line.TaxType,
  };
  if (line.TaxAmount !== undefined) item.taxAmount = amount(line.TaxAmount);
  if (line.ItemCode !== undefined) item.itemCode = line.ItemCode;
  if (line.Tracking?.length)
    item.tracking = line.Tracking.map((t) => ({
      trackingCategoryID: t.TrackingCategoryID,
      trackingOptionID: t.TrackingOptionID,
    }));
  return item;
}

/** Line discounts exist only on sales invoices ("ACCPAY invoices and credit notes in Xero do not support discounts"). */
function invoiceLine(line: LineItemDraft): LineItem {
  const item = creditNoteLine(line);
  if (line.DiscountAmount !== undefined) item.discountAmount = amount(line.DiscountAmount);
  return item;
}

function contactOf(ref: InvoiceDraft['contact']): Contact {
  return 'contactId' in ref ? { contactID: ref.contactId } : { name: ref.name };
}

export function toXeroInvoice(draft: InvoiceDraft): Invoice {
  return {
    type: 'ACCREC' as unknown as Invoice.TypeEnum,
    invoiceNumber: draft.InvoiceNumber,
    reference: draft.Reference,
    contact: contactOf(draft.contact),
    date: draft.Date,
    dueDate: draft.DueDate,
    currencyCode: draft.CurrencyCode as unknown as Invoice['currencyCode'],
    lineAmountTypes: draft.LineAmountTypes as unknown as Invoice['lineAmountTypes'],
    status: draft.Status as unknown as Invoice.StatusEnum,
    lineItems: draft.LineItems.map(invoiceLine),
  };
}

export function toXeroCreditNote(draft: CreditNoteDraft): CreditNote {
  return {
    type: 'ACCRECCREDIT' as unknown as CreditNote.TypeEnum,
    creditNoteNumber: draft.CreditNoteNumber,
    reference: draft.Reference,
    contact: contactOf(draft.contact),
    date: draft.Date,
    currencyCode: draft.CurrencyCode as unknown as CreditNote['currencyCode'],
    lineAmountTypes: draft.LineAmountTypes as unknown as CreditNote['lineAmountTypes'],
    status: draft.Status as unknown as CreditNote.StatusEnum,
    // Built field by field: a discount on a line object that reached here by accident is never sent.
    lineItems: draft.LineItems.map(creditNoteLine),
  };
}

export function toXeroPayment(draft: PaymentDraft, invoiceId: string): Payment {
  return {
    invoice: { invoiceID: invoiceId },
    account: { code: draft.accountCode },
    date: draft.date,
    amount: amount(draft.amount),
  };
}

/**
 * Xero's messages for one element of a summarizeErrors=false response. Invoices flag errors with HasErrors,
 * contacts and payments with HasValidationErrors; every kind says StatusAttributeString "ERROR".
 */
export function elementErrors(element: {
  hasErrors?: boolean;
  hasValidationErrors?: boolean;
  statusAttributeString?: string;
  validationErrors?: Array<{ message?: string }>;
}): string[] {
  const messages = (element.validationErrors ?? []).map((v) => v.message ?? '').filter(Boolean);
  const failed =
    element.hasErrors || element.hasValidationErrors || element.statusAttributeString === 'ERROR';
  if (!failed && messages.length === 0) return [];
  return messages.length ? messages : ['Xero refused this element without a message'];
}
