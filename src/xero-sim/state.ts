import { randomUUID } from 'node:crypto';
import type { Decimal4 } from '../money';
import type { HighVolumeRule } from './high-volume';
import type { OrganisationSpec, TenantLimits, TenantSpec } from './options';
import { resolveOrganisation } from './organisation';
import type { OrganisationSettings } from './organisation';
import { seedAccounts, seedTaxRates, type SeedAccount, type SeedTaxRate } from './seed';
import type { LineTracking, SimTrackingCategory } from './tracking-model';

export type ContactStatus = 'ACTIVE' | 'ARCHIVED' | 'GDPRREQUEST';

export interface StoredContact {
  ContactID: string;
  Name: string;
  ContactStatus: ContactStatus;
  FirstName?: string;
  LastName?: string;
  EmailAddress?: string;
  ContactNumber?: string;
  AccountNumber?: string;
  IsCustomer: boolean;
  IsSupplier: boolean;
  updatedMs: number;
}

export interface StoredLine {
  LineItemID: string;
  Description?: string;
  Quantity: Decimal4;
  UnitAmount: Decimal4;
  ItemCode?: string;
  AccountCode?: string;
  TaxType: string;
  TaxAmount: Decimal4;
  LineAmount: Decimal4;
  DiscountRate?: Decimal4;
  DiscountAmount?: Decimal4;
  Tracking: LineTracking[];
}

export type LineAmountType = 'Exclusive' | 'Inclusive' | 'NoTax';
export type DocStatus = 'DRAFT' | 'SUBMITTED' | 'AUTHORISED' | 'PAID' | 'VOIDED' | 'DELETED';

/** What invoices and credit notes share: a contact, dated lines and Xero-computed totals. */
export interface StoredDocument {
  ContactID: string;
  Date: string;
  LineAmountTypes: LineAmountType;
  CurrencyCode: string;
  CurrencyRate: Decimal4;
  Status: DocStatus;
  Reference?: string;
  lines: StoredLine[];
  SubTotal: Decimal4;
  TotalTax: Decimal4;
  Total: Decimal4;
  TotalDiscount: Decimal4;
  updatedMs: number;
  fullyPaidOn?: string;
}

export interface StoredInvoice extends StoredDocument {
  InvoiceID: string;
  Type: 'ACCREC' | 'ACCPAY';
  InvoiceNumber: string;
  DueDate?: string;
  AmountPaid: Decimal4;
  AmountCredited: Decimal4;
  paymentIds: string[];
  allocationIds: string[];
}

export interface StoredCreditNote extends StoredDocument {
  CreditNoteID: string;
  Type: 'ACCRECCREDIT' | 'ACCPAYCREDIT';
  CreditNoteNumber: string;
  RemainingCredit: Decimal4;
  allocationIds: string[];
  /** Refunds: payments that pay the remaining credit back to the contact (or from the supplier). */
  paymentIds: string[];
}

/** What a payment settles: an invoice, or a credit note whose credit is refunded. */
export type PaymentTarget = { InvoiceID: string } | { CreditNoteID: string };

export interface StoredPayment {
  PaymentID: string;
  target: PaymentTarget;
  AccountID: string;
  Date: string;
  Amount: Decimal4;
  Reference?: string;
  IsReconciled: boolean;
  updatedMs: number;
  /** Set once the payment is deleted (POST /Payments/{id} with Status DELETED): it no longer counts. */
  deleted?: boolean;
}

export interface StoredAllocation {
  AllocationID: string;
  CreditNoteID: string;
  InvoiceID: string;
  Amount: Decimal4;
  Date: string;
}

/** Counters behind GET /__sim/stats. */
export interface TenantStats {
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  rateLimited: Record<string, number>;
  peakPerMinute: number;
  peakInFlight: number;
  /** Bytes of response bodies sent (what Xero bills as egress). */
  bytesSent: number;
  /** Reads refused with HighVolumeException. */
  highVolumeRefusals: number;
}

export function emptyStats(): TenantStats {
  return {
    byEndpoint: {},
    byStatus: {},
    rateLimited: {},
    peakPerMinute: 0,
    peakInFlight: 0,
    bytesSent: 0,
    highVolumeRefusals: 0,
  };
}

/** One organisation's books, indexed for the lookups Xero's API offers (number, reference, lower-case name). */
export class TenantState {
  readonly accounts: SeedAccount[] = seedAccounts();
  readonly taxRates: SeedTaxRate[] = seedTaxRates();
  readonly createdMs: number;
  contacts = new Map<string, StoredContact>();
  /** Active contacts only: Xero's name uniqueness ignores archived contacts. */
  activeContactByLowerName = new Map<string, string>();
  contactByNumber = new Map<string, string>();
  invoices = new Map<string, StoredInvoice>();
  invoiceByNumber = new Map<string, string>();
  invoicesByReference = new Map<string, Set<string>>();
  creditNotes = new Map<string, StoredCreditNote>();
  /** ACCRECCREDIT numbers, unique per organisation like ACCREC invoice numbers. */
  creditNoteIdByNumber = new Map<string, string>();
  payments = new Map<string, StoredPayment>();
  allocations = new Map<string, StoredAllocation>();
  nextInvoiceNumber = 1;
  nextCreditNoteNumber = 1;
  stats: TenantStats = emptyStats();
  /** Its own settings: currencies, plan, lock dates (settable through /__sim/). */
  organisation: OrganisationSettings;
  /** Sales invoices approved, by calendar month of their date ("2025-12"): what a plan's cap counts. */
  approvedByMonth = new Map<string, number>();
  /** Its tracking categories and options (tracking.ts), settable through /__sim/; kept by a reset. */
  trackingCategories: SimTrackingCategory[] = [];

  constructor(
    readonly tenantId: string,
    readonly name: string,
    readonly limits: TenantLimits,
    readonly dayResetOffsetSeconds: number,
    readonly clockOffsetMs: number,
    nowMs: number,
    organisation: OrganisationSpec | OrganisationSettings = {},
    /** Set for an organisation marked large: its high-volume rule (see high-volume.ts). */
    readonly highVolume: HighVolumeRule | null = null,
  ) {
    this.createdMs = nowMs;
    this.organisation = resolveOrganisation(tenantId, organisation);
  }

  static fromSpec(
    spec: TenantSpec,
    defaults: TenantLimits,
    nowMs: number,
    highVolume: HighVolumeRule,
  ): TenantState {
    const marked = spec.highVolume;
    return new TenantState(
      spec.tenantId ?? randomUUID(),
      spec.name ?? 'Simulated Company (SG)',
      { ...defaults, ...spec.limits },
      spec.dayResetOffsetSeconds ?? 0,
      (spec.clockOffsetSeconds ?? 0) * 1000,
      nowMs,
      spec.organisation,
      marked ? { ...highVolume, ...(marked === true ? {} : marked) } : null,
    );
  }

  /** A copy with the same identity, limits and settings but empty books (POST /__sim/reset). */
  fresh(nowMs: number): TenantState {
    const copy = new TenantState(
      this.tenantId,
      this.name,
      this.limits,
      this.dayResetOffsetSeconds,
      this.clockOffsetMs,
      nowMs,
      this.organisation,
      this.highVolume,
    );
    copy.trackingCategories = this.trackingCategories;
    return copy;
  }

  account(code: string): SeedAccount | undefined {
    return this.accounts.find((a) => a.Code === code);
  }

  taxRate(taxType: string): SeedTaxRate | undefined {
    return this.taxRates.find((t) => t.TaxType === taxType);
  }

  putContact(contact: StoredContact, previous?: StoredContact): void {
    if (previous) {
      if (this.activeContactByLowerName.get(previous.Name.toLowerCase()) === previous.ContactID) {
        this.activeContactByLowerName.delete(previous.Name.toLowerCase());
      }
      if (previous.ContactNumber) this.contactByNumber.delete(previous.ContactNumber);
    }
    this.contacts.set(contact.ContactID, contact);
    if (contact.ContactStatus === 'ACTIVE')
      this.activeContactByLowerName.set(contact.Name.toLowerCase(), contact.ContactID);
    if (contact.ContactNumber) this.contactByNumber.set(contact.ContactNumber, contact.ContactID);
  }

  putInvoice(invoice: StoredInvoice, previous?: StoredInvoice): void {
    if (previous) {
      if (this.invoiceByNumber.get(previous.InvoiceNumber) === previous.InvoiceID) {
        this.invoiceByNumber.delete(previous.InvoiceNumber);
      }
      if (previous.Reference) this.invoicesByReference.get(previous.Reference)?.delete(previous.InvoiceID);
    }
    this.invoices.set(invoice.InvoiceID, invoice);
    // Only sales invoice numbers are unique per organisation; bills may repeat a supplier's number.
    if (invoice.Type === 'ACCREC') this.invoiceByNumber.set(invoice.InvoiceNumber, invoice.InvoiceID);
    if (invoice.Reference) {
      const ids = this.invoicesByReference.get(invoice.Reference) ?? new Set<string>();
      ids.add(invoice.InvoiceID);
      this.invoicesByReference.set(invoice.Reference, ids);
    }
  }

  invoiceIdByNumber(number: string): string | undefined {
    return this.invoiceByNumber.get(number);
  }

  putCreditNote(note: StoredCreditNote): void {
    this.creditNotes.set(note.CreditNoteID, note);
    if (note.Type === 'ACCRECCREDIT') this.creditNoteIdByNumber.set(note.CreditNoteNumber, note.CreditNoteID);
  }

  /** A sales credit note by its (unique) number, else the first supplier credit note with it. */
  creditNoteByNumber(number: string): StoredCreditNote | undefined {
    const id = this.creditNoteIdByNumber.get(number);
    if (id) return this.creditNotes.get(id);
    for (const note of this.creditNotes.values()) if (note.CreditNoteNumber === number) return note;
    return undefined;
  }
}
