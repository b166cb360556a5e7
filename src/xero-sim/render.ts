import { jsonNumber } from './amounts';
import { dayToDateString, dayToMsDate, msDate } from './clock';
import type {
  StoredAllocation,
  StoredContact,
  StoredCreditNote,
  StoredDocument,
  StoredInvoice,
  StoredLine,
  StoredPayment,
  TenantState,
} from './state';

/** Stored records -> Xero's PascalCase JSON. Money leaves exact decimals only here, as JSON numbers. */

type Json = Record<string, unknown>;

function compact(record: Json): Json {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}

export function contactJson(contact: StoredContact): Json {
  return compact({
    ContactID: contact.ContactID,
    ContactNumber: contact.ContactNumber,
    AccountNumber: contact.AccountNumber,
    ContactStatus: contact.ContactStatus,
    Name: contact.Name,
    FirstName: contact.FirstName,
    LastName: contact.LastName,
    EmailAddress: contact.EmailAddress,
    Addresses: [],
    Phones: [],
    UpdatedDateUTC: msDate(contact.updatedMs, true),
    ContactGroups: [],
    IsSupplier: contact.IsSupplier,
    IsCustomer: contact.IsCustomer,
    ContactPersons: [],
    HasAttachments: false,
    HasValidationErrors: false,
  });
}

/**
 * A contact as `summaryOnly=true` answers it: the lightweight fields only (Xero's description: "excluding
 * computation-heavy fields"); addresses, phones, groups and persons are left out.
 */
export function contactSummaryJson(contact: StoredContact): Json {
  return compact({
    ContactID: contact.ContactID,
    ContactNumber: contact.ContactNumber,
    AccountNumber: contact.AccountNumber,
    ContactStatus: contact.ContactStatus,
    Name: contact.Name,
    FirstName: contact.FirstName,
    LastName: contact.LastName,
    EmailAddress: contact.EmailAddress,
    UpdatedDateUTC: msDate(contact.updatedMs, true),
    IsSupplier: contact.IsSupplier,
    IsCustomer: contact.IsCustomer,
    HasAttachments: false,
  });
}

function contactRef(tenant: TenantState, contactId: string): Json {
  const contact = tenant.contacts.get(contactId);
  return contact ? contactJson(contact) : { ContactID: contactId };
}

export function lineJson(line: StoredLine, unitdp: number): Json {
  return compact({
    LineItemID: line.LineItemID,
    Description: line.Description,
    Quantity: jsonNumber(line.Quantity, 4),
    UnitAmount: jsonNumber(line.UnitAmount, unitdp),
    ItemCode: line.ItemCode,
    AccountCode: line.AccountCode,
    TaxType: line.TaxType,
    TaxAmount: jsonNumber(line.TaxAmount),
    LineAmount: jsonNumber(line.LineAmount),
    DiscountRate: line.DiscountRate === undefined ? undefined : jsonNumber(line.DiscountRate),
    DiscountAmount: line.DiscountAmount === undefined ? undefined : jsonNumber(line.DiscountAmount),
    Tracking: line.Tracking,
  });
}

function documentFields(tenant: TenantState, doc: StoredDocument, unitdp: number): Json {
  return compact({
    Contact: contactRef(tenant, doc.ContactID),
    DateString: dayToDateString(doc.Date),
    Date: dayToMsDate(doc.Date),
    Status: doc.Status,
    LineAmountTypes: doc.LineAmountTypes,
    LineItems: doc.lines.map((line) => lineJson(line, unitdp)),
    SubTotal: jsonNumber(doc.SubTotal),
    TotalTax: jsonNumber(doc.TotalTax),
    Total: jsonNumber(doc.Total),
    TotalDiscount: doc.TotalDiscount === 0n ? undefined : jsonNumber(doc.TotalDiscount),
    UpdatedDateUTC: msDate(doc.updatedMs, true),
    CurrencyCode: doc.CurrencyCode,
    CurrencyRate: jsonNumber(doc.CurrencyRate, 4),
    FullyPaidOnDate: doc.fullyPaidOn ? dayToMsDate(doc.fullyPaidOn) : undefined,
    Reference: doc.Reference,
  });
}

export function amountDue(invoice: StoredInvoice): bigint {
  return invoice.Total - invoice.AmountPaid - invoice.AmountCredited;
}

export function invoiceJson(tenant: TenantState, invoice: StoredInvoice, unitdp = 2): Json {
  return compact({
    Type: invoice.Type,
    InvoiceID: invoice.InvoiceID,
    InvoiceNumber: invoice.InvoiceNumber,
    Payments: paymentSummaries(tenant, invoice.paymentIds),
    CreditNotes: creditNotesOf(tenant, invoice),
    Prepayments: [],
    Overpayments: [],
    AmountDue: jsonNumber(amountDue(invoice)),
    AmountPaid: jsonNumber(invoice.AmountPaid),
    AmountCredited: jsonNumber(invoice.AmountCredited),
    IsDiscounted: invoice.TotalDiscount !== 0n,
    HasAttachments: false,
    HasErrors: false,
    ...documentFields(tenant, invoice, unitdp),
    DueDateString: invoice.DueDate ? dayToDateString(invoice.DueDate) : undefined,
    DueDate: invoice.DueDate ? dayToMsDate(invoice.DueDate) : undefined,
  });
}

function creditNotesOf(tenant: TenantState, invoice: StoredInvoice): Json[] {
  return invoice.allocationIds.flatMap((id) => {
    const allocation = tenant.allocations.get(id);
    const note = allocation && tenant.creditNotes.get(allocation.CreditNoteID);
    if (!allocation || !note) return [];
    return [
      {
        CreditNoteID: note.CreditNoteID,
        CreditNoteNumber: note.CreditNoteNumber,
        Total: jsonNumber(note.Total),
        AppliedAmount: jsonNumber(allocation.Amount),
        Date: dayToMsDate(allocation.Date),
      },
    ];
  });
}

function paymentSummary(payment: StoredPayment): Json {
  return compact({
    PaymentID: payment.PaymentID,
    Date: dayToMsDate(payment.Date),
    Amount: jsonNumber(payment.Amount),
    Reference: payment.Reference,
    CurrencyRate: 1,
    HasAccount: false,
    HasValidationErrors: false,
  });
}

function paymentSummaries(tenant: TenantState, paymentIds: string[]): Json[] {
  return paymentIds.flatMap((id) => {
    const payment = tenant.payments.get(id);
    return payment ? [paymentSummary(payment)] : [];
  });
}

/** `Invoice` or, for a refund, `CreditNote`, plus Xero's PaymentType for that document. */
function paymentDocument(tenant: TenantState, payment: StoredPayment): Json {
  if ('CreditNoteID' in payment.target) {
    const note = tenant.creditNotes.get(payment.target.CreditNoteID);
    return {
      PaymentType: note?.Type === 'ACCPAYCREDIT' ? 'APCREDITPAYMENT' : 'ARCREDITPAYMENT',
      CreditNote: note
        ? { CreditNoteID: note.CreditNoteID, CreditNoteNumber: note.CreditNoteNumber }
        : undefined,
    };
  }
  const invoice = tenant.invoices.get(payment.target.InvoiceID);
  return {
    PaymentType: 'ACCRECPAYMENT',
    Invoice: invoice
      ? {
          InvoiceID: invoice.InvoiceID,
          InvoiceNumber: invoice.InvoiceNumber,
          Type: invoice.Type,
          Contact: contactRef(tenant, invoice.ContactID),
        }
      : undefined,
  };
}

export function paymentJson(tenant: TenantState, payment: StoredPayment): Json {
  const account = tenant.accounts.find((a) => a.AccountID === payment.AccountID);
  return compact({
    ...paymentSummary(payment),
    BankAmount: jsonNumber(payment.Amount),
    Status: payment.deleted ? 'DELETED' : 'AUTHORISED',
    IsReconciled: payment.IsReconciled,
    HasAccount: true,
    UpdatedDateUTC: msDate(payment.updatedMs, true),
    StatusAttributeString: 'OK',
    Account: account ? { AccountID: account.AccountID, Code: account.Code } : undefined,
    ...paymentDocument(tenant, payment),
  });
}

export function creditNoteJson(tenant: TenantState, note: StoredCreditNote, unitdp = 2): Json {
  return compact({
    Type: note.Type,
    CreditNoteID: note.CreditNoteID,
    CreditNoteNumber: note.CreditNoteNumber,
    RemainingCredit: jsonNumber(note.RemainingCredit),
    Allocations: note.allocationIds.flatMap((id) => {
      const allocation = tenant.allocations.get(id);
      return allocation ? [allocationJson(tenant, allocation)] : [];
    }),
    Payments: paymentSummaries(tenant, note.paymentIds),
    HasAttachments: false,
    HasErrors: false,
    ...documentFields(tenant, note, unitdp),
  });
}

export function allocationJson(tenant: TenantState, allocation: StoredAllocation, deleted = false): Json {
  const invoice = tenant.invoices.get(allocation.InvoiceID);
  return compact({
    AllocationID: allocation.AllocationID,
    Amount: jsonNumber(allocation.Amount),
    Date: dayToMsDate(allocation.Date),
    Invoice: invoice ? { InvoiceID: invoice.InvoiceID, InvoiceNumber: invoice.InvoiceNumber } : undefined,
    IsDeleted: deleted,
    StatusAttributeString: 'OK',
  });
}

/** GET /__sim/tenants/:id/invoices: the API shape plus exact decimal strings, for assertions in tests. */
export function renderInvoiceForInspection(tenant: TenantState, invoice: StoredInvoice): Json {
  return { ...invoiceJson(tenant, invoice, 4), DateYMD: invoice.Date, DueDateYMD: invoice.DueDate };
}

/** GET /__sim/tenants/:id/credit-notes: the API shape (4-decimal unit amounts) with allocations and refunds. */
export function renderCreditNoteForInspection(tenant: TenantState, note: StoredCreditNote): Json {
  return { ...creditNoteJson(tenant, note, 4), DateYMD: note.Date };
}
