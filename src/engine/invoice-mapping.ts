/**
 * Order -> Xero invoice (plus payments and a credit note), as neutral plain drafts with money as decimal strings.
 *
 * ROUNDING POLICY. The invoice total, as Xero will compute it (per-line rounded amounts and taxes, see
 * xero-amounts.ts), must equal the order's total to the cent. After mapping the lines we compute Xero's total and
 * the difference `diff = order.total − xeroTotal`:
 *   - diff = 0: nothing to do (the common case).
 *   - |diff| > tolerance (default 0.01 per order line: a line amount and a line tax each round by at most half a
 *     cent): the order is refused with a mapping error. Such a gap is a data problem (missing shipping or surcharge
 *     line, wrong total) and a wrong invoice in a customer's books is worse than a failed order.
 *   - Exclusive prices: the gap is put into an explicit TaxAmount on the taxed line with the largest line amount.
 *     A POS that taxes the whole basket collected exactly `total − Σ line amounts` in tax, so this makes Xero's tax
 *     match what was collected. If no line is taxed (or the tax would go negative) a rounding line is used instead.
 *   - Inclusive prices: tax does not change an inclusive total, so only a rounding line can close the gap: Quantity 1,
 *     UnitAmount = diff (may be negative), account `roundingAccountCode`, tax type `noTaxType`.
 *
 * CREDIT-NOTE POLICY (refunded orders). The refund amount is money returned, tax included (default: the order total).
 *   - Credit notes carry no line discounts: Xero's OpenAPI document says "ACCPAY invoices and credit notes in Xero do
 *     not support discounts" (LineItem.DiscountAmount), so Xero would build the note from the undiscounted lines.
 *   - Full refund: the credit note mirrors the invoice's lines (including any fix above), so it reverses exactly the
 *     sales and tax the invoice recorded. A discounted line keeps its quantity and gets the discounted UnitAmount
 *     at 4 decimals (unitdp=4) for which Xero's round2(Quantity × UnitAmount) is the invoice's line amount; its tax
 *     is sent as an explicit TaxAmount when Xero would compute another. When no 4-decimal UnitAmount reaches the
 *     line amount (only possible above 100 units), the closest is used and a no-tax rounding line on the
 *     rounding account makes the Total equal the invoice's; TotalTax is equal line by line.
 *   - Partial refund: one line "Refund of order N" at the refund amount, always Inclusive (the amount already
 *     contains tax, so an Exclusive line would add tax on top), at the order's dominant tax type (the one with the
 *     largest share of the line amounts; a single line cannot split tax, and this is the least wrong single choice).
 *   - Allocation: Xero can only allocate a credit note up to what is still due on the invoice, so the credit first
 *     covers the unpaid part (`allocationAmount = min(refund, total − payments)`) and any rest was paid back to the
 *     customer: a refund payment out of the account of the order's last payment method. In either order of
 *     applying payments and allocation, neither exceeds what is due.
 *   - Payments and allocations need an AUTHORISED invoice; with DRAFT/SUBMITTED they are not sent (no payment
 *     drafts, a zero allocation and no refund payment) rather than sent to fail.
 */
import { parseDecimal, decimalFromNumber, divDecimal, SCALE, sumDecimal, type Decimal4 } from '../money';
import type { Order, OrderLine } from '../orders/schema';
import { combinedRefund } from '../orders/revisions';
import { contactNameProblem } from './contact-names';
import { renderInvoiceNumber } from '../businesses/invoice-number';
import { isValidTimeZone, localDateOf } from '../calendar';
import {
  decimalText,
  isWholeCents,
  money2,
  ONE_CENT,
  xeroLineAmount,
  xeroLineTax,
  type LineAmountTypes,
} from '../xero/amounts';

export type { LineAmountTypes } from '../xero/amounts';
import { trackingOf, withTracking } from './tracking';
import type { InvoiceStatus, TrackingMapping } from '../contract';
import type {
  ContactRef,
  CreditNoteDraft,
  CreditNoteLineDraft,
  InvoiceDraft,
  LineItemDraft,
  PaymentDraft,
  RefundPaymentDraft,
} from '../xero/documents';
export interface CreditNotePlan {
  creditNote: CreditNoteDraft;
  /** Amount to allocate from the credit note to the invoice ("0.00": none). */
  allocationAmount: string;
  /** The part of the refund paid back to the customer rather than allocated. */
  refundPayment?: RefundPaymentDraft;
}

export interface MappingSettings {
  timeZone: string;
  salesAccountCode: string;
  taxTypes: Record<string, { taxType: string; rate: string }>;
  paymentAccounts: Record<string, string>;
  invoiceNumberTemplate: string;
  invoiceStatus: InvoiceStatus;
  roundingAccountCode: string;
  noTaxType: string;
  /** Locations/channels → Xero tracking options (src/engine/tracking.ts); none when absent. */
  tracking?: readonly TrackingMapping[];
  /** Largest gap per order line that rounding may explain (decimal string); default "0.01". */
  roundingTolerancePerLine?: string;
}

export type MappingError = { kind: 'error'; field?: string; message: string };
export type InvoiceMapping = {
  kind: 'invoice';
  invoice: InvoiceDraft;
  payments: PaymentDraft[];
  creditNote?: CreditNotePlan;
};
export type MappingResult = InvoiceMapping | { kind: 'skip'; reason: 'voided' } | MappingError;

export interface XeroTotals {
  SubTotal: string;
  TotalTax: string;
  Total: string;
}

type Rates = Map<string, Decimal4>;

function fail(message: string, field?: string): MappingError {
  return field === undefined ? { kind: 'error', message } : { kind: 'error', field, message };
}

function isError<T extends object>(value: T | MappingError): value is MappingError {
  return 'kind' in value && value.kind === 'error';
}

function label(order: Pick<Order, 'number' | 'id'>): string {
  return `Order ${order.number} (${order.id})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Xero's totals

interface DraftLines {
  /** Absent: a sales invoice. Xero honours line discounts only on ACCREC invoices (and quotes). */
  Type?: 'ACCREC' | 'ACCRECCREDIT';
  LineAmountTypes: LineAmountTypes;
  LineItems: Array<CreditNoteLineDraft & { DiscountAmount?: string }>;
}

function lineAmountOf(line: CreditNoteLineDraft & { DiscountAmount?: string }, discounts = true): Decimal4 {
  const discount = !discounts || line.DiscountAmount === undefined ? 0n : parseDecimal(line.DiscountAmount);
  return xeroLineAmount(parseDecimal(line.Quantity), parseDecimal(line.UnitAmount), discount);
}

function lineTaxOf(
  line: DraftLines['LineItems'][number],
  type: LineAmountTypes,
  rates: Rates,
  discounts = true,
): Decimal4 {
  if (line.TaxAmount !== undefined) return parseDecimal(line.TaxAmount);
  const rate = rates.get(line.TaxType);
  if (rate === undefined) throw new RangeError(`no rate known for tax type ${line.TaxType}`);
  return xeroLineTax(lineAmountOf(line, discounts), rate, type);
}

function totalsOf(draft: DraftLines, rates: Rates): { subTotal: Decimal4; tax: Decimal4; total: Decimal4 } {
  // "ACCPAY invoices and credit notes in Xero do not support discounts": Xero leaves them out of the amounts.
  const discounts = draft.Type !== 'ACCRECCREDIT';
  const amounts = sumDecimal(draft.LineItems.map((l) => lineAmountOf(l, discounts)));
  const tax = sumDecimal(draft.LineItems.map((l) => lineTaxOf(l, draft.LineAmountTypes, rates, discounts)));
  if (draft.LineAmountTypes === 'Inclusive') return { subTotal: amounts - tax, tax, total: amounts };
  return { subTotal: amounts, tax, total: amounts + tax };
}

/**
 * SubTotal, TotalTax and Total as Xero computes them (a credit note's line discounts are ignored, as Xero ignores
 * them). `rates`: percent per Xero TaxType, e.g. { OUTPUT: "9" }.
 */
export function xeroTotals(draft: DraftLines, rates: Record<string, string>): XeroTotals {
  const parsed: Rates = new Map(Object.entries(rates).map(([type, rate]) => [type, parseDecimal(rate)]));
  const { subTotal, tax, total } = totalsOf(draft, parsed);
  return { SubTotal: money2(subTotal), TotalTax: money2(tax), Total: money2(total) };
}

/** The totals Xero should answer for a draft of this business (its tax mapping's rates). */
export function expectedTotals(draft: DraftLines, settings: MappingSettings): XeroTotals | MappingError {
  const rates = ratesFrom(settings);
  if (!(rates instanceof Map)) return rates;
  const { subTotal, tax, total } = totalsOf(draft, rates);
  return { SubTotal: money2(subTotal), TotalTax: money2(tax), Total: money2(total) };
}

// ---------------------------------------------------------------------------------------------------------------
// Settings and lines

function ratesFrom(settings: MappingSettings): Rates | MappingError {
  const rates: Rates = new Map([[settings.noTaxType, 0n]]);
  for (const [code, { taxType, rate }] of Object.entries(settings.taxTypes)) {
    let value: Decimal4;
    try {
      value = parseDecimal(rate);
    } catch {
      return fail(
        `Tax rate for tax code "${code}" must be a percentage such as "9", got "${rate}".`,
        `taxTypes.${code}.rate`,
      );
    }
    if (value < 0n)
      return fail(`Tax rate for tax code "${code}" must not be negative.`, `taxTypes.${code}.rate`);
    const known = rates.get(taxType);
    if (known !== undefined && known !== value) {
      return fail(
        `Xero tax type ${taxType} is given two different rates in the tax mapping; one Xero tax type has one rate.`,
        `taxTypes.${code}.rate`,
      );
    }
    rates.set(taxType, value);
  }
  return rates;
}

function nonNegative(text: string, what: string, field: string, order: Order): Decimal4 | MappingError {
  const value = parseDecimal(text);
  return value < 0n
    ? fail(`${label(order)}: ${what} ${text} is negative; negative amounts are not supported.`, field)
    : value;
}

/** The line's Xero tax type and quantity, or why the line cannot be mapped. */
function lineBasics(
  order: Order,
  line: OrderLine,
  i: number,
  settings: MappingSettings,
): { taxType: string; quantity: Decimal4 } | MappingError {
  const tax = Object.hasOwn(settings.taxTypes, line.taxCode) ? settings.taxTypes[line.taxCode] : undefined;
  if (!tax) {
    return fail(
      `${label(order)} line ${i + 1} uses tax code "${line.taxCode}", which has no Xero tax type: add "${line.taxCode}" to the business's tax mapping.`,
      `lines[${i}].taxCode`,
    );
  }
  // "Description needs to be at least 1 char long" (Xero's OpenAPI document, LineItem.Description).
  if (line.description.trim() === '') {
    return fail(
      `${label(order)} line ${i + 1} has an empty description; Xero needs at least one character. Give the line a description.`,
      `lines[${i}].description`,
    );
  }
  try {
    return { taxType: tax.taxType, quantity: decimalFromNumber(line.quantity) };
  } catch {
    return fail(
      `${label(order)} line ${i + 1}: quantity ${line.quantity} has more than 4 decimals.`,
      `lines[${i}].quantity`,
    );
  }
}

function mapLine(
  order: Order,
  line: OrderLine,
  i: number,
  settings: MappingSettings,
): LineItemDraft | MappingError {
  const basics = lineBasics(order, line, i, settings);
  if (isError(basics)) return basics;
  const { taxType, quantity } = basics;
  const unit = nonNegative(line.unitPrice, 'unit price', `lines[${i}].unitPrice`, order);
  if (typeof unit !== 'bigint') return unit;
  const discount = nonNegative(line.discount, 'discount', `lines[${i}].discount`, order);
  if (typeof discount !== 'bigint') return discount;
  if (xeroLineAmount(quantity, unit, discount) < 0n) {
    return fail(
      `${label(order)} line ${i + 1}: the discount is larger than the line amount.`,
      `lines[${i}].discount`,
    );
  }
  return {
    Description: line.description,
    Quantity: decimalText(quantity, 0),
    UnitAmount: decimalText(unit, 2),
    ...(discount !== 0n ? { DiscountAmount: decimalText(discount, 2) } : {}),
    AccountCode: settings.salesAccountCode,
    TaxType: taxType,
  };
}

function mapLines(order: Order, settings: MappingSettings): LineItemDraft[] | MappingError {
  const lines: LineItemDraft[] = [];
  for (const [i, line] of order.lines.entries()) {
    const mapped = mapLine(order, line, i, settings);
    if (isError(mapped)) return mapped;
    lines.push(mapped);
  }
  return lines;
}

function wholeCents(text: string, what: string, field: string, order: Order): Decimal4 | MappingError {
  const value = nonNegative(text, what, field, order);
  if (typeof value === 'bigint' && !isWholeCents(value)) {
    return fail(`${label(order)}: ${what} ${text} is not a whole number of cents.`, field);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Reconciling Xero's total with the order's

function roundingLine(diff: Decimal4, settings: MappingSettings): LineItemDraft {
  return {
    Description: 'Rounding',
    Quantity: '1',
    UnitAmount: money2(diff),
    AccountCode: settings.roundingAccountCode,
    TaxType: settings.noTaxType,
  };
}

/** Index of the taxed line with the largest amount (last on ties), or -1. */
function largestTaxedLine(draft: DraftLines, rates: Rates): number {
  let best = -1;
  let bestAmount = -1n;
  draft.LineItems.forEach((line, i) => {
    const amount = lineAmountOf(line);
    if ((rates.get(line.TaxType) ?? 0n) > 0n && amount >= bestAmount) [best, bestAmount] = [i, amount];
  });
  return best;
}

function withTaxAdjusted(draft: DraftLines, rates: Rates, diff: Decimal4): LineItemDraft[] | undefined {
  const index = largestTaxedLine(draft, rates);
  const line = draft.LineItems[index];
  if (!line) return undefined;
  const tax = lineTaxOf(line, draft.LineAmountTypes, rates) + diff;
  if (tax < 0n) return undefined;
  return draft.LineItems.map((l, i) => (i === index ? { ...l, TaxAmount: money2(tax) } : l));
}

function tolerance(settings: MappingSettings, lineCount: number): Decimal4 {
  const perLine =
    settings.roundingTolerancePerLine === undefined
      ? ONE_CENT
      : parseDecimal(settings.roundingTolerancePerLine);
  return perLine * BigInt(Math.max(1, lineCount));
}

function reconcile(
  order: Order,
  draft: DraftLines,
  rates: Rates,
  target: Decimal4,
  settings: MappingSettings,
): LineItemDraft[] | MappingError {
  const { total } = totalsOf(draft, rates);
  const diff = target - total;
  if (diff === 0n) return draft.LineItems;
  const limit = tolerance(settings, draft.LineItems.length);
  if (diff > limit || -diff > limit) {
    return fail(
      `${label(order)}: its total ${money2(target)} differs from the sum of its lines as Xero computes them (${money2(total)}) by ${money2(diff)}, more than rounding can explain (at most ${money2(limit)} for ${draft.LineItems.length} line(s)). Check the order for a missing line (shipping, surcharge) or a wrong total; it was not pushed.`,
      'total',
    );
  }
  const adjusted = draft.LineAmountTypes === 'Exclusive' ? withTaxAdjusted(draft, rates, diff) : undefined;
  return adjusted ?? [...draft.LineItems, roundingLine(diff, settings)];
}

// ---------------------------------------------------------------------------------------------------------------
// Invoice

interface Built {
  invoice: InvoiceDraft;
  rates: Rates;
  total: Decimal4;
}

function checkSettings(settings: MappingSettings, contact: ContactRef): MappingError | undefined {
  if (!isValidTimeZone(settings.timeZone)) {
    return fail(`"${settings.timeZone}" is not an IANA timezone such as "Asia/Singapore".`, 'timeZone');
  }
  if ('name' in contact && contact.name.trim() === '') return fail('The contact name is empty.', 'contact');
  const tooLong = 'name' in contact ? contactNameProblem(contact.name) : null;
  if (tooLong) return fail(tooLong, 'contact');
  if ('contactId' in contact && contact.contactId.trim() === '')
    return fail('The contact id is empty.', 'contact');
  return undefined;
}

function buildInvoice(order: Order, settings: MappingSettings, contact: ContactRef): Built | MappingError {
  const problem = checkSettings(settings, contact);
  if (problem) return problem;
  const rendered = renderInvoiceNumber(settings.invoiceNumberTemplate, order);
  if (!rendered.ok) return fail(rendered.message, 'invoiceNumberTemplate');
  const rates = ratesFrom(settings);
  if (!(rates instanceof Map)) return rates;
  const total = wholeCents(order.total, 'total', 'total', order);
  if (typeof total !== 'bigint') return total;
  const lines = mapLines(order, settings);
  if (isError(lines)) return lines;
  const type = order.pricesIncludeTax ? 'Inclusive' : 'Exclusive';
  const reconciled = reconcile(order, { LineAmountTypes: type, LineItems: lines }, rates, total, settings);
  if (isError(reconciled)) return reconciled;
  const date = localDateOf(order.placedAt, settings.timeZone);
  const invoice: InvoiceDraft = {
    Type: 'ACCREC',
    InvoiceNumber: rendered.invoiceNumber,
    Reference: order.id,
    contact,
    Date: date,
    DueDate: date,
    CurrencyCode: order.currency,
    LineAmountTypes: type,
    Status: settings.invoiceStatus,
    LineItems: reconciled,
  };
  return { invoice, rates, total };
}

/** Maps one order. Never throws for bad data or settings: those come back as `{ kind: 'error' }`. */
export function mapOrder(order: Order, settings: MappingSettings, contact: ContactRef): MappingResult {
  if (order.status === 'voided') return { kind: 'skip', reason: 'voided' };
  const built = buildInvoice(order, settings, contact);
  if (isError(built)) return built;
  const authorised = settings.invoiceStatus === 'AUTHORISED';
  const payments = paymentsFor(order, built.invoice.InvoiceNumber, settings);
  if (payments.kind === 'error') return payments;
  const result: InvoiceMapping = {
    kind: 'invoice',
    invoice: built.invoice,
    payments: authorised ? payments.payments : [],
  };
  const tracking = trackingOf(order, settings.tracking);
  result.invoice = { ...built.invoice, LineItems: withTracking(built.invoice.LineItems, tracking) };
  if (order.status !== 'refunded') return result;
  const plan = creditNotePlan(order, settings, built, authorised ? payments.payments : []);
  if (isError(plan)) return plan;
  const note = { ...plan.creditNote, LineItems: withTracking(plan.creditNote.LineItems, tracking) };
  const tracked = { ...plan, creditNote: note };
  return { ...result, creditNote: authorised ? tracked : withoutAllocation(tracked) };
}

// ---------------------------------------------------------------------------------------------------------------
// Payments

/** Payment drafts for a completed or refunded order ([] otherwise); their sum may not exceed the order total. */
export function paymentsFor(
  order: Order,
  invoiceNumber: string,
  settings: MappingSettings,
): { kind: 'payments'; payments: PaymentDraft[] } | MappingError {
  if (order.status === 'voided') return { kind: 'payments', payments: [] };
  const payments: PaymentDraft[] = [];
  let sum = 0n;
  for (const [i, payment] of order.payments.entries()) {
    const amount = wholeCents(payment.amount, 'payment amount', `payments[${i}].amount`, order);
    if (typeof amount !== 'bigint') return amount;
    const accountCode = Object.hasOwn(settings.paymentAccounts, payment.method)
      ? settings.paymentAccounts[payment.method]
      : undefined;
    if (!accountCode) {
      return fail(
        `${label(order)}: payment method "${payment.method}" has no Xero account: add "${payment.method}" to the business's payment account mapping.`,
        `payments[${i}].method`,
      );
    }
    sum += amount;
    // Xero refuses a zero payment; a zero line in the export means nothing was paid that way.
    if (amount === 0n) continue;
    payments.push({
      invoiceNumber,
      accountCode,
      date: localDateOf(payment.paidAt, settings.timeZone),
      amount: money2(amount),
    });
  }
  const total = parseDecimal(order.total);
  if (sum > total) {
    return fail(
      `${label(order)}: payments add up to ${money2(sum)}, more than the order total ${money2(total)}.`,
      'payments',
    );
  }
  return { kind: 'payments', payments };
}

// ---------------------------------------------------------------------------------------------------------------
// Credit notes

/** The credit note for a refunded order (see CREDIT-NOTE POLICY above); an error for any other order. */
export function creditNoteFor(
  order: Order,
  settings: MappingSettings,
  contact: ContactRef,
): { kind: 'credit-note'; plan: CreditNotePlan } | MappingError {
  if (order.status !== 'refunded') return fail(`${label(order)} is ${order.status}, not refunded.`, 'status');
  const result = mapOrder(order, settings, contact);
  if (result.kind === 'error') return result;
  if (result.kind !== 'invoice' || !result.creditNote)
    return fail(`${label(order)}: no credit note was produced.`);
  return { kind: 'credit-note', plan: result.creditNote };
}

function withoutAllocation(plan: CreditNotePlan): CreditNotePlan {
  return { creditNote: plan.creditNote, allocationAmount: '0.00' };
}

/** Tax type with the largest total line amount; the first seen wins a tie. */
function dominantTaxType(invoice: InvoiceDraft): string {
  const byType = new Map<string, Decimal4>();
  for (const line of invoice.LineItems)
    byType.set(line.TaxType, (byType.get(line.TaxType) ?? 0n) + lineAmountOf(line));
  let best: [string, Decimal4] | undefined;
  for (const entry of byType) if (!best || entry[1] > best[1]) best = entry;
  return best?.[0] ?? '';
}

/**
 * The UnitAmount (4 decimals) for which Xero's round2(quantity × UnitAmount) is `amount`: amount ÷ quantity when
 * that works (the plainest price), else the smallest one that does, else the closest one (quantity × 0.0001 steps
 * over a cent only above 100 units). f(u) = round2(q × u) never decreases, so the smallest u reaching the amount,
 * or the one just below it, is the answer when amount ÷ quantity is not.
 */
export function foldedUnitAmount(quantity: Decimal4, amount: Decimal4): Decimal4 {
  const reach = (unit: Decimal4) => xeroLineAmount(quantity, unit, 0n);
  const plain = divDecimal(amount, quantity);
  if (reach(plain) === amount) return plain;
  const lowest = amount * SCALE - (ONE_CENT * SCALE) / 2n; // round2 half away from zero: x ≥ amount − ½ cent
  const unit = lowest <= 0n ? 0n : (lowest + quantity - 1n) / quantity;
  if (unit === 0n || reach(unit) === amount) return unit;
  return amount - reach(unit - 1n) <= reach(unit) - amount ? unit - 1n : unit;
}

/** An invoice line for a credit note: its discount folded into the UnitAmount, its tax kept. */
function withoutDiscount(line: LineItemDraft, type: LineAmountTypes, rates: Rates): CreditNoteLineDraft {
  const { DiscountAmount, ...rest } = line;
  if (DiscountAmount === undefined) return rest;
  const unit = foldedUnitAmount(parseDecimal(line.Quantity), lineAmountOf(line));
  const folded: CreditNoteLineDraft = { ...rest, UnitAmount: decimalText(unit, 2) };
  const tax = lineTaxOf(line, type, rates);
  return lineTaxOf(folded, type, rates) === tax ? folded : { ...folded, TaxAmount: money2(tax) };
}

/** The invoice's lines without discounts, plus a rounding line if whole lines cannot reach its Total. */
function fullRefundLines(built: Built, settings: MappingSettings): CreditNoteLineDraft[] {
  const type = built.invoice.LineAmountTypes;
  const lines = built.invoice.LineItems.map((l) => withoutDiscount(l, type, built.rates));
  const { total } = totalsOf({ Type: 'ACCRECCREDIT', LineAmountTypes: type, LineItems: lines }, built.rates);
  const gap = built.total - total;
  if (gap === 0n) return lines;
  return [...lines, { ...roundingLine(gap, settings), Description: 'Rounding (discounts in unit prices)' }];
}

function creditNoteLines(
  order: Order,
  built: Built,
  refund: Decimal4,
  settings: MappingSettings,
): { LineAmountTypes: 'Inclusive' | 'Exclusive'; LineItems: CreditNoteLineDraft[] } {
  if (refund === built.total)
    return { LineAmountTypes: built.invoice.LineAmountTypes, LineItems: fullRefundLines(built, settings) };
  const reason = combinedRefund(order)?.reason?.trim();
  const line: CreditNoteLineDraft = {
    Description: `Refund of order ${order.number}${reason ? `: ${reason}` : ''}`.slice(0, 4000),
    Quantity: '1',
    UnitAmount: money2(refund),
    AccountCode: settings.salesAccountCode,
    TaxType: dominantTaxType(built.invoice),
  };
  return { LineAmountTypes: 'Inclusive', LineItems: [line] };
}

function refundAmount(order: Order, total: Decimal4): Decimal4 | MappingError {
  const given = combinedRefund(order);
  if (!given) return total;
  const refund = wholeCents(
    given.amount,
    'refund amount',
    order.refunds ? 'refunds' : 'refund.amount',
    order,
  );
  if (typeof refund !== 'bigint') return refund;
  if (refund === 0n)
    return fail(`${label(order)} is refunded but the refund amount is 0.00.`, 'refund.amount');
  if (refund > total) {
    return fail(
      `${label(order)}: refund ${money2(refund)} is more than the order total ${money2(total)}.`,
      'refund.amount',
    );
  }
  return refund;
}

function creditNotePlan(
  order: Order,
  settings: MappingSettings,
  built: Built,
  payments: PaymentDraft[],
): CreditNotePlan | MappingError {
  const refund = refundAmount(order, built.total);
  if (typeof refund !== 'bigint') return refund;
  const number = `${built.invoice.InvoiceNumber}-CN`;
  if (number.length > 255)
    return fail(`Credit note number for ${label(order)} exceeds 255 characters.`, 'invoiceNumberTemplate');
  const date = localDateOf(combinedRefund(order)?.refundedAt ?? order.placedAt, settings.timeZone);
  const lines = creditNoteLines(order, built, refund, settings);
  const creditNote: CreditNoteDraft = {
    Type: 'ACCRECCREDIT',
    CreditNoteNumber: number,
    Reference: order.id,
    contact: built.invoice.contact,
    Date: date,
    CurrencyCode: order.currency,
    LineAmountTypes: lines.LineAmountTypes,
    Status: settings.invoiceStatus,
    LineItems: lines.LineItems,
  };
  const paid = sumDecimal(payments.map((p) => parseDecimal(p.amount)));
  const allocation = refund < built.total - paid ? refund : built.total - paid;
  const plan: CreditNotePlan = { creditNote, allocationAmount: money2(allocation) };
  const last = order.payments[order.payments.length - 1];
  const paidBack = refund - allocation;
  if (paidBack > 0n && last) {
    const accountCode = settings.paymentAccounts[last.method] ?? '';
    plan.refundPayment = { creditNoteNumber: number, accountCode, date, amount: money2(paidBack) };
  }
  return plan;
}
