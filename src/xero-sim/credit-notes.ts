import { inputDecimal } from './amounts';
import { parseWhereOrFail, resolveContact } from './contacts';
import {
  batchItems,
  batchResult,
  envelope,
  isRecord,
  newId,
  paginate,
  str,
  today,
  unitdp,
  type ApiContext,
  type BatchElement,
} from './context';
import { buildLines, computeTotals, parseCurrency, parseDay, parseLineAmountTypes } from './documents';
import { notFound, type ApiResult } from './errors';
import { modifiedSince } from './invoices';
import { lockedDate } from './organisation';
import { settleIfPaid, spendCredit } from './payments';
import { allocationJson, amountDue, creditNoteJson } from './render';
import type { DocStatus, StoredAllocation, StoredCreditNote, TenantState } from './state';
import { evaluate } from './where';

/** Refunds are credit notes allocated to the invoice (xero-facts.md, "Invoices, payments, credit notes"). */

/** Xero-Net's client code matches this text for the rule; Xero's exact wording is second-hand. */
export const DUPLICATE_CREDIT_NOTE_NUMBER = 'Credit Note # must be unique.';

function nextNumber(ctx: ApiContext): string {
  for (;;) {
    const number = `CN-${String(ctx.tenant.nextCreditNoteNumber++).padStart(4, '0')}`;
    if (!ctx.tenant.creditNoteIdByNumber.has(number)) return number;
  }
}

/**
 * "ACCRECCREDIT – Unique alpha numeric code identifying credit note (when missing will auto-generate …)" and
 * "Reference: ACCRECCREDIT only" (OpenAPI CreditNote.CreditNoteNumber / Reference).
 */
function numberAndReference(ctx: ApiContext, raw: Record<string, unknown>, sales: boolean, errors: string[]) {
  const given = str(raw.CreditNoteNumber);
  if (sales && given !== undefined && ctx.tenant.creditNoteIdByNumber.has(given))
    errors.push(DUPLICATE_CREDIT_NOTE_NUMBER);
  return { number: given, reference: sales ? str(raw.Reference) : undefined };
}

function createOne(ctx: ApiContext, raw: Record<string, unknown>): BatchElement {
  const errors: string[] = [];
  const type = str(raw.Type);
  if (type !== 'ACCRECCREDIT' && type !== 'ACCPAYCREDIT')
    errors.push('Credit note Type must be ACCRECCREDIT or ACCPAYCREDIT.');
  const status = (str(raw.Status) ?? 'DRAFT') as DocStatus;
  if (!['DRAFT', 'SUBMITTED', 'AUTHORISED'].includes(status))
    errors.push('Credit note not of valid status for creation');
  const contact = resolveContact(ctx, raw.Contact);
  if ('error' in contact) errors.push(contact.error);
  const lineAmountTypes = parseLineAmountTypes(raw.LineAmountTypes, errors) ?? 'Exclusive';
  const rules = {
    tenant: ctx.tenant,
    lineAmountTypes,
    unitdp: unitdp(ctx),
    requireAccount: status !== 'DRAFT',
    discounts: false,
  };
  const lines = buildLines(rules, raw.LineItems, errors);
  const date = parseDay(raw.Date, 'Date', errors) ?? today(ctx);
  const currency =
    parseCurrency(ctx.tenant, raw.CurrencyCode, errors) ?? ctx.tenant.organisation.baseCurrency;
  // An approved credit note dated in the locked period is refused; a draft is not (src/xero-sim/organisation.ts).
  const locked = status === 'AUTHORISED' ? lockedDate(ctx.tenant.organisation, date) : null;
  if (locked) errors.push(locked);
  const sales = type !== 'ACCPAYCREDIT';
  const { number, reference } = numberAndReference(ctx, raw, sales, errors);
  if (errors.length > 0 || 'error' in contact)
    return { element: { ...raw, CreditNoteID: '00000000-0000-0000-0000-000000000000' }, errors };
  if (contact.create) ctx.tenant.putContact(contact.create);
  const totals = computeTotals(lines, lineAmountTypes);
  const note: StoredCreditNote = {
    CreditNoteID: newId(),
    CreditNoteNumber: number ?? nextNumber(ctx),
    Type: type === 'ACCPAYCREDIT' ? 'ACCPAYCREDIT' : 'ACCRECCREDIT',
    ContactID: contact.contactId,
    Date: date,
    LineAmountTypes: lineAmountTypes,
    CurrencyCode: currency,
    CurrencyRate: 10_000n,
    Status: status,
    Reference: reference,
    lines,
    ...totals,
    RemainingCredit: totals.Total,
    allocationIds: [],
    paymentIds: [],
    updatedMs: ctx.nowMs,
  };
  ctx.tenant.putCreditNote(note);
  return { element: creditNoteJson(ctx.tenant, note, unitdp(ctx)), errors: [] };
}

/** PUT (or POST) /CreditNotes. */
export function putCreditNotes(ctx: ApiContext): ApiResult {
  const elements = batchItems(ctx.body, 'CreditNotes').map((raw) => createOne(ctx, raw));
  return batchResult(ctx, 'CreditNotes', elements, 'HasErrors');
}

export function getCreditNote(ctx: ApiContext): ApiResult {
  const note = ctx.tenant.creditNotes.get((ctx.params.id ?? '').toLowerCase());
  if (!note) return notFound();
  return { status: 200, body: envelope(ctx, 'CreditNotes', [creditNoteJson(ctx.tenant, note, unitdp(ctx))]) };
}

/** A light record for `where`, so a filter does not render every line of every credit note. */
function whereView(tenant: TenantState, note: StoredCreditNote): Record<string, unknown> {
  return {
    Type: note.Type,
    CreditNoteID: note.CreditNoteID,
    CreditNoteNumber: note.CreditNoteNumber,
    Reference: note.Reference,
    Status: note.Status,
    Contact: { ContactID: note.ContactID, Name: tenant.contacts.get(note.ContactID)?.Name },
    CurrencyCode: note.CurrencyCode,
  };
}

/**
 * GET /CreditNotes: where (e.g. CreditNoteNumber=="CN-0001", Reference=="…"), page/pageSize, unitdp, and
 * If-Modified-Since (only those created or changed after it, as GET /Invoices: the OpenAPI document gives
 * getCreditNotes the same ifModifiedSince parameter).
 */
export function getCreditNotes(ctx: ApiContext): ApiResult {
  const where = parseWhereOrFail(ctx.query.get('where'));
  const since = modifiedSince(ctx);
  const found = [...ctx.tenant.creditNotes.values()].filter(
    (note) =>
      (since === null || note.updatedMs > since) &&
      (!where || !!evaluate(where, whereView(ctx.tenant, note))),
  );
  const { items, extra } = paginate(ctx, found);
  const rendered = items.map((note) => creditNoteJson(ctx.tenant, note, unitdp(ctx)));
  return { status: 200, body: envelope(ctx, 'CreditNotes', rendered, extra) };
}

function allocateOne(ctx: ApiContext, note: StoredCreditNote, raw: Record<string, unknown>): BatchElement {
  const errors: string[] = [];
  const ref = isRecord(raw.Invoice) ? raw.Invoice : {};
  const invoice = ctx.tenant.invoices.get((str(ref.InvoiceID) ?? '').toLowerCase());
  const amount = inputDecimal(raw.Amount, 2);
  const date = parseDay(raw.Date, 'Date', errors) ?? today(ctx);
  const locked = lockedDate(ctx.tenant.organisation, date);
  if (locked) errors.push(locked);
  if (note.Status !== 'AUTHORISED') errors.push('Only authorised credit notes can be allocated.');
  if (!invoice) errors.push('Invoice could not be found.');
  else if (invoice.Status !== 'AUTHORISED')
    errors.push('Credit notes can only be allocated to authorised invoices.');
  if (amount === null || amount <= 0n) errors.push('Allocation amount must be greater than zero.');
  else if (amount > note.RemainingCredit)
    errors.push('The amount allocated exceeds the remaining credit on the credit note.');
  else if (invoice && amount > amountDue(invoice))
    errors.push('The amount allocated exceeds the amount due on the invoice.');
  if (errors.length > 0 || !invoice || amount === null) return { element: raw, errors };
  const allocation: StoredAllocation = {
    AllocationID: newId(),
    CreditNoteID: note.CreditNoteID,
    InvoiceID: invoice.InvoiceID,
    Amount: amount,
    Date: date,
  };
  ctx.tenant.allocations.set(allocation.AllocationID, allocation);
  note.allocationIds.push(allocation.AllocationID);
  spendCredit(note, amount, date, ctx.nowMs);
  invoice.allocationIds.push(allocation.AllocationID);
  invoice.AmountCredited += amount;
  invoice.updatedMs = ctx.nowMs;
  settleIfPaid(invoice, date);
  return { element: allocationJson(ctx.tenant, allocation), errors: [] };
}

/** PUT /CreditNotes/{CreditNoteID}/Allocations. */
export function putAllocations(ctx: ApiContext): ApiResult {
  const note = ctx.tenant.creditNotes.get((ctx.params.id ?? '').toLowerCase());
  if (!note) return notFound();
  const elements = batchItems(ctx.body, 'Allocations').map((raw) => allocateOne(ctx, note, raw));
  return batchResult(ctx, 'Allocations', elements, 'HasErrors');
}
