import type { InvoiceStatus } from '../contract';

/**
 * Xero documents as the engine drafts them (src/engine/invoice-mapping.ts): Xero's own field names, money as
 * decimal strings. src/xero/wire.ts turns them into xero-node models, the one place amounts become numbers.
 */
export type ContactRef = { contactId: string } | { name: string };

/** A line's tracking option, by ids (a rename in Xero does not move it). */
export interface LineTracking {
  TrackingCategoryID: string;
  TrackingOptionID: string;
}

export interface LineItemDraft {
  Description: string;
  Quantity: string;
  UnitAmount: string;
  DiscountAmount?: string;
  AccountCode: string;
  TaxType: string;
  TaxAmount?: string;
  ItemCode?: string;
  Tracking?: LineTracking[];
}

export interface InvoiceDraft {
  Type: 'ACCREC';
  InvoiceNumber: string;
  Reference: string;
  contact: ContactRef;
  Date: string;
  DueDate: string;
  CurrencyCode: string;
  LineAmountTypes: 'Inclusive' | 'Exclusive';
  Status: InvoiceStatus;
  LineItems: LineItemDraft[];
}

/** A credit-note line: Xero does not support discounts on credit notes, so the type has no discount field. */
export type CreditNoteLineDraft = Omit<LineItemDraft, 'DiscountAmount'>;

export interface CreditNoteDraft {
  Type: 'ACCRECCREDIT';
  CreditNoteNumber: string;
  Reference: string;
  contact: ContactRef;
  Date: string;
  CurrencyCode: string;
  LineAmountTypes: 'Inclusive' | 'Exclusive';
  Status: InvoiceStatus;
  LineItems: CreditNoteLineDraft[];
}

export interface PaymentDraft {
  invoiceNumber: string;
  accountCode: string;
  date: string;
  amount: string;
}

export interface RefundPaymentDraft {
  creditNoteNumber: string;
  accountCode: string;
  date: string;
  amount: string;
}
