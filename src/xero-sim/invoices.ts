import { resolveContact, parseWhereOrFail } from './contacts';
import {
  batchItems,
  batchResult,
  envelope,
  newId,
  paginate,
  str,
  today,
  unitdp,
  type ApiContext,
  type BatchElement,
} from './context';
import {
  buildLines,
  checkGivenTotal,
  computeTotals,
  parseCurrency,
  parseDay,
  parseLineAmountTypes,
} from './documents';
import { notFound, type ApiResult } from './errors';
import { INVOICE_CAP_REACHED, lockedDate, monthlyCap } from './organisation';
import { invoiceJson } from './render';
import type { DocStatus, StoredContact, StoredInvoice, TenantState } from './state';
import { evaluate } from './where';

export const DUPLICATE_NUMBER = 'Invoice # must be unique.';
export const HAS_PAYMENTS =
  'This document cannot be edited as it has a payment or credit note allocated to it.';

const CREATE_STATUSES: DocStatus[] = ['DRAFT', 'SUBMITTED', 'AUTHORISED'];
/** Status changes Xero allows on an existing invoice. */
export const TRANSITIONS: Record<DocStatus, DocStatus[]> = {
  DRAFT: ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED'],
  SUBMITTED: ['DRAFT', 'SUBMITTED', 'AUTHORISED', 'DELETED'],
  AUTHORISED: ['AUTHORISED', 'VOIDED'],
  PAID: [],
  VOIDED: [],
  DELETED: [],
};

function nextInvoiceNumber(tenant: TenantState): string {
  for (;;) {
    const number = `INV-${String(tenant.nextInvoiceNumber++).padStart(4, '0')}`;
    if (!tenant.invoiceByNumber.has(number)) return number;
  }
}

function checkStatus(status: string, existing: StoredInvoice | undefined, errors: string[]): DocStatus {
  const next = status as DocStatus;
  if (!existing) {
    if (!CREATE_STATUSES.includes(next)) errors.push(`Invoice not of valid status for creation`);
  } else if (!(TRANSITIONS[existing.Status] ?? []).includes(next)) {
    errors.push(`Invoice not of valid status for modification`);
  }
  return next;
}

interface Prepared {
  invoice: StoredInvoice;
  errors: string[];
  newContact?: StoredContact;
  /** A sales invoice approved by this write: it counts against the plan's monthly cap. */
  approves: boolean;
}

const APPROVED: DocStatus[] = ['AUTHORISED', 'PAID', 'VOIDED'];

/**
 * The organisation's rules on an approved invoice (src/xero-sim/organisation.ts): not dated in a locked period
 * (nor moved out of one), and within the plan's approved sales invoices of its month. Drafts pass both.
 */
function organisationRules(
  ctx: ApiContext,
  invoice: Pick<StoredInvoice, 'Type' | 'Status' | 'Date'>,
  existing: StoredInvoice | undefined,
  errors: string[],
): boolean {
  const org = ctx.tenant.organisation;
  const wasApproved = existing !== undefined && APPROVED.includes(existing.Status);
  const locked =
    (invoice.Status === 'AUTHORISED' && lockedDate(org, invoice.Date)) ||
    (wasApproved && lockedDate(org, existing.Date));
  if (locked) errors.push(locked);
  const approves = invoice.Type === 'ACCREC' && invoice.Status === 'AUTHORISED' && !wasApproved;
  const cap = monthlyCap(org);
  const month = invoice.Date.slice(0, 7);
  if (approves && cap !== null && (ctx.tenant.approvedByMonth.get(month) ?? 0) >= cap)
    errors.push(INVOICE_CAP_REACHED);
  return approves;
}

/** Merges a request element over an existing invoice (or nothing) and validates it the way Xero does. */
function prepare(ctx: ApiContext, raw: Record<string, unknown>, existing?: StoredInvoice): Prepared {
  const errors: string[] = [];
  if (existing && existing.paymentIds.length + existing.allocationIds.length > 0) errors.push(HAS_PAYMENTS);
  const type = str(raw.Type) ?? existing?.Type;
  if (type !== 'ACCREC' && type !== 'ACCPAY')
    errors.push(type ? `Invoice Type '${type}' is not valid.` : 'Invoice Type must be specified.');
  const contact =
    raw.Contact !== undefined || !existing
      ? resolveContact(ctx, raw.Contact)
      : { contactId: existing.ContactID };
  if ('error' in contact) errors.push(contact.error);
  const lineAmountTypes =
    parseLineAmountTypes(raw.LineAmountTypes, errors) ?? existing?.LineAmountTypes ?? 'Exclusive';
  const status = checkStatus(str(raw.Status) ?? existing?.Status ?? 'DRAFT', existing, errors);
  const number =
    str(raw.InvoiceNumber) ??
    existing?.InvoiceNumber ??
    (type === 'ACCREC' ? nextInvoiceNumber(ctx.tenant) : '');
  if (number.length > 255) errors.push('Invoice number must not be more than 255 characters long.');
  const holder = number ? ctx.tenant.invoiceIdByNumber(number) : undefined;
  if (type === 'ACCREC' && holder !== undefined && holder !== existing?.InvoiceID)
    errors.push(DUPLICATE_NUMBER);
  const rules = {
    tenant: ctx.tenant,
    lineAmountTypes,
    unitdp: unitdp(ctx),
    requireAccount: status !== 'DRAFT',
    discounts: type === 'ACCREC',
  };
  const lines =
    raw.LineItems !== undefined ? buildLines(rules, raw.LineItems, errors) : (existing?.lines ?? []);
  if (status === 'AUTHORISED' && lines.length === 0)
    errors.push('An approved invoice must have at least one line item.');
  const totals = computeTotals(lines, lineAmountTypes);
  checkGivenTotal(raw, totals, errors);
  const invoice: StoredInvoice = {
    InvoiceID: existing?.InvoiceID ?? newId(),
    Type: type === 'ACCPAY' ? 'ACCPAY' : 'ACCREC',
    ContactID: 'contactId' in contact ? contact.contactId : '',
    InvoiceNumber: number,
    // "Reference: ACCREC only – additional reference number" (OpenAPI Invoice.Reference).
    Reference: type === 'ACCREC' ? (str(raw.Reference) ?? existing?.Reference) : undefined,
    Date: parseDay(raw.Date, 'Date', errors) ?? existing?.Date ?? today(ctx),
    DueDate: parseDay(raw.DueDate, 'DueDate', errors) ?? existing?.DueDate,
    LineAmountTypes: lineAmountTypes,
    CurrencyCode:
      parseCurrency(ctx.tenant, raw.CurrencyCode, errors) ??
      existing?.CurrencyCode ??
      ctx.tenant.organisation.baseCurrency,
    CurrencyRate: existing?.CurrencyRate ?? 10_000n,
    Status: status,
    lines,
    ...totals,
    AmountPaid: existing?.AmountPaid ?? 0n,
    AmountCredited: existing?.AmountCredited ?? 0n,
    paymentIds: existing?.paymentIds ?? [],
    allocationIds: existing?.allocationIds ?? [],
    updatedMs: ctx.nowMs,
  };
  const approves = organisationRules(ctx, invoice, existing, errors);
  return { invoice, errors, newContact: 'create' in contact ? contact.create : undefined, approves };
}

/** A failed element echoes the request with Xero's empty InvoiceID. */
function failedElement(raw: Record<string, unknown>): Record<string, unknown> {
  return { ...raw, InvoiceID: '00000000-0000-0000-0000-000000000000' };
}

function commit(ctx: ApiContext, prepared: Prepared, existing?: StoredInvoice): BatchElement {
  if (prepared.newContact) ctx.tenant.putContact(prepared.newContact);
  const contact = ctx.tenant.contacts.get(prepared.invoice.ContactID);
  if (contact && prepared.invoice.Type === 'ACCREC' && !contact.IsCustomer) contact.IsCustomer = true;
  ctx.tenant.putInvoice(prepared.invoice, existing);
  if (prepared.approves) {
    const month = prepared.invoice.Date.slice(0, 7);
    ctx.tenant.approvedByMonth.set(month, (ctx.tenant.approvedByMonth.get(month) ?? 0) + 1);
  }
  return { element: invoiceJson(ctx.tenant, prepared.invoice, unitdp(ctx)), errors: [] };
}

function findExisting(ctx: ApiContext, raw: Record<string, unknown>): StoredInvoice | 'missing' | undefined {
  const id = str(raw.InvoiceID);
  if (id) return ctx.tenant.invoices.get(id.toLowerCase()) ?? 'missing';
  const number = str(raw.InvoiceNumber);
  const byNumber = number ? ctx.tenant.invoiceIdByNumber(number) : undefined;
  const found = byNumber ? ctx.tenant.invoices.get(byNumber) : undefined;
  // POST with an existing ACCREC number updates that invoice (xero-facts.md, "Idempotency and duplicates").
  return found && (str(raw.Type) ?? found.Type) === found.Type ? found : undefined;
}

function writeOne(ctx: ApiContext, raw: Record<string, unknown>, allowUpdate: boolean): BatchElement {
  const existing = allowUpdate ? findExisting(ctx, raw) : undefined;
  if (existing === 'missing') return { element: failedElement(raw), errors: ['Invoice could not be found.'] };
  const prepared = prepare(ctx, raw, existing);
  if (prepared.errors.length > 0) return { element: failedElement(raw), errors: prepared.errors };
  return commit(ctx, prepared, existing);
}

function writeInvoices(ctx: ApiContext, allowUpdate: boolean, forcedId?: string): ApiResult {
  const items = batchItems(ctx.body, 'Invoices');
  if (forcedId && items[0]) items[0] = { ...items[0], InvoiceID: forcedId };
  const elements = items.map((raw) => writeOne(ctx, raw, allowUpdate));
  return batchResult(ctx, 'Invoices', elements, 'HasErrors');
}

/** PUT /Invoices: create only; an existing ACCREC number fails with "Invoice # must be unique.". */
export function putInvoices(ctx: ApiContext): ApiResult {
  return writeInvoices(ctx, false);
}

/** POST /Invoices: create or update (by InvoiceID, or by an existing InvoiceNumber). */
export function postInvoices(ctx: ApiContext): ApiResult {
  return writeInvoices(ctx, true);
}

/** POST /Invoices/{InvoiceID}: update that invoice. */
export function postInvoiceById(ctx: ApiContext): ApiResult {
  if (!ctx.tenant.invoices.has((ctx.params.id ?? '').toLowerCase())) return notFound();
  return writeInvoices(ctx, true, ctx.params.id);
}

/** A light record for `where`, so a filter does not render every line of every invoice. */
function whereView(tenant: TenantState, invoice: StoredInvoice): Record<string, unknown> {
  const contact = tenant.contacts.get(invoice.ContactID);
  return {
    Type: invoice.Type,
    InvoiceID: invoice.InvoiceID,
    InvoiceNumber: invoice.InvoiceNumber,
    Reference: invoice.Reference,
    Status: invoice.Status,
    Contact: { ContactID: invoice.ContactID, Name: contact?.Name },
    CurrencyCode: invoice.CurrencyCode,
  };
}

function selectInvoices(ctx: ApiContext): StoredInvoice[] {
  const tenant = ctx.tenant;
  const numbers = ctx.query.list('InvoiceNumbers');
  let found: StoredInvoice[] = numbers.length
    ? numbers.flatMap((n) => tenant.invoices.get(tenant.invoiceIdByNumber(n) ?? '') ?? [])
    : [...tenant.invoices.values()];
  const ids = new Set(ctx.query.list('IDs').map((id) => id.toLowerCase()));
  const contactIds = new Set(ctx.query.list('ContactIDs').map((id) => id.toLowerCase()));
  const statuses = new Set(ctx.query.list('Statuses'));
  const term = ctx.query.get('searchTerm')?.toLowerCase();
  const where = parseWhereOrFail(ctx.query.get('where'));
  const since = modifiedSince(ctx);
  found = found.filter(
    (i) =>
      (since === null || i.updatedMs > since) &&
      (ids.size === 0 || ids.has(i.InvoiceID)) &&
      (contactIds.size === 0 || contactIds.has(i.ContactID)) &&
      (statuses.size === 0 || statuses.has(i.Status)) &&
      (!term ||
        i.InvoiceNumber.toLowerCase().includes(term) ||
        !!i.Reference?.toLowerCase().includes(term)) &&
      (!where || !!evaluate(where, whereView(tenant, i))),
  );
  return found;
}

/**
 * `If-Modified-Since` (OpenAPI parameter ifModifiedSince: "Only records created or modified since this timestamp
 * will be returned"): an ISO instant or an HTTP date; one that cannot be read is ignored.
 */
export function modifiedSince(ctx: ApiContext): number | null {
  if (!ctx.ifModifiedSince) return null;
  const ms = Date.parse(ctx.ifModifiedSince);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * `summaryOnly=true` (OpenAPI parameter summaryOnly: "returns only lightweight fields, excluding computation-heavy
 * fields"): the invoice without its lines, payments and credit notes (which fields Xero drops is a guess: the
 * documentation does not list them).
 */
function summaryOf(invoice: Record<string, unknown>): Record<string, unknown> {
  const {
    LineItems: _l,
    Payments: _p,
    CreditNotes: _c,
    Prepayments: _pp,
    Overpayments: _o,
    ...rest
  } = invoice;
  return rest;
}

/** GET /Invoices: InvoiceNumbers, IDs, ContactIDs, Statuses, where, searchTerm, page/pageSize, unitdp, summaryOnly, If-Modified-Since. */
export function getInvoices(ctx: ApiContext): ApiResult {
  const { items, extra } = paginate(ctx, selectInvoices(ctx));
  const summary = ctx.query.bool('summaryOnly') === true;
  const rendered = items.map((i) => {
    const full = invoiceJson(ctx.tenant, i, unitdp(ctx)) as Record<string, unknown>;
    return summary ? summaryOf(full) : full;
  });
  return { status: 200, body: envelope(ctx, 'Invoices', rendered, extra) };
}

/** GET /Invoices/{InvoiceID or InvoiceNumber}. */
export function getInvoice(ctx: ApiContext): ApiResult {
  const key = ctx.params.id ?? '';
  const invoice =
    ctx.tenant.invoices.get(key.toLowerCase()) ??
    ctx.tenant.invoices.get(ctx.tenant.invoiceIdByNumber(key) ?? '');
  if (!invoice) return notFound();
  return { status: 200, body: envelope(ctx, 'Invoices', [invoiceJson(ctx.tenant, invoice, unitdp(ctx))]) };
}
