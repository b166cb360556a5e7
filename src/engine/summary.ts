/**
 * DAILY SUMMARY (issue 23; the pure builder the summary walk, src/engine/summary-walk.ts, writes from): one sales invoice per channel, location,
 * local business day, currency, contact and line-amount type, for the orders of a POS day that one contact serves.
 *
 * Built from the per-order mapping itself (mapOrder), so a summary carries exactly what the per-order invoices of
 * the same orders would: each order is mapped as if alone (its rounding line or explicit tax fix included), then
 * its lines are added into the summary's lines grouped by sales account, tax type and tracking options. Discounts
 * are already netted into the per-order line amounts.
 *
 * BY PRODUCT (the business setting `summaryLines: "product"`): the group key also holds the order line's product,
 * its `sku` where the order has one, else its `description` (src/orders/schema.ts: `sku` is optional), so the
 * summary has one line per product x account x tax type x tracking option, described by the product and its count
 * of orders. Lines a per-order mapping adds (its rounding line) have no product and group by account as before.
 * Refund credit notes stay grouped by account: a partial refund is one line, not per product.
 *
 * TAX TO THE CENT. Xero rounds tax per line: a summed line taxed by Xero would round once where the per-order
 * invoices rounded once per order, and could move cents. So every grouped line carries an explicit TaxAmount, the
 * sum of the per-order lines' taxes as Xero computes them; the summary's TotalTax is then the per-order invoices'
 * TotalTax to the cent. Its Total is the sum of the per-order Totals, which the mapping already made equal to each
 * order's total; a rounding line closes any difference that would remain (none is expected: it guards the rule).
 *
 * An order whose per-order mapping fails is left out with its reason (it fails as it would per order); voided
 * orders never count.
 */
import { parseDecimal, type Decimal4 } from '../money';
import type { Order } from '../orders/schema';
import { localDateOf } from '../calendar';
import { money2 } from '../xero/amounts';
import type {
  ContactRef,
  CreditNoteDraft,
  InvoiceDraft,
  LineItemDraft,
  LineTracking,
  PaymentDraft,
} from '../xero/documents';
import { mapOrder, xeroTotals, type CreditNotePlan, type MappingSettings } from './invoice-mapping';
import type { SummaryLines } from '../contract';

export interface SummaryKey {
  channel: string;
  locationId: string;
  /** The local business day, YYYY-MM-DD (src/calendar.ts). */
  date: string;
  currency: string;
  contact: string;
  lineAmountTypes: 'Inclusive' | 'Exclusive';
}

export interface Summary {
  key: SummaryKey;
  invoice: InvoiceDraft;
  /** The orders it holds, in (placedAt, id) order. */
  orderIds: string[];
  /** One per payment method per local payment date, into the method's account. */
  payments: PaymentDraft[];
  /** What the per-order invoices of the same orders would total, and their tax: the summary's must equal them. */
  perOrder: { total: Decimal4; tax: Decimal4 };
}

export interface SummaryBuild {
  summaries: Summary[];
  failed: Array<{ orderId: string; message: string }>;
}

const DEFAULT_TEMPLATE = '{CHANNEL}-{LOCATION}-{DATE}';

/** The summary's number: `{CHANNEL}`, `{channel}`, `{LOCATION}` (location id), `{DATE}` (YYYY-MM-DD), `{CURRENCY}`. */
export function summaryNumber(template: string, key: SummaryKey): string {
  return template
    .replaceAll('{CHANNEL}', key.channel.toUpperCase())
    .replaceAll('{channel}', key.channel)
    .replaceAll('{LOCATION}', key.locationId)
    .replaceAll('{DATE}', key.date)
    .replaceAll('{CURRENCY}', key.currency);
}

function contactLabel(contact: ContactRef): string {
  return 'contactId' in contact ? `id:${contact.contactId}` : `name:${contact.name}`;
}

function keyOf(order: Order, settings: MappingSettings, contact: ContactRef): SummaryKey {
  return {
    channel: order.channel,
    locationId: order.location.id,
    date: localDateOf(order.placedAt, settings.timeZone),
    currency: order.currency,
    contact: contactLabel(contact),
    lineAmountTypes: order.pricesIncludeTax ? 'Inclusive' : 'Exclusive',
  };
}

interface Group {
  account: string;
  taxType: string;
  tracking: LineTracking[] | undefined;
  amount: Decimal4;
  tax: Decimal4;
  /** By product only: the product (sku, else description) and the orders that sold it. */
  product?: string;
  orderIds?: Set<string>;
}

/** The product of the order line a per-order invoice line came from (line i is order line i), if any. */
function productOf(order: Order, index: number): string | undefined {
  const line = order.lines[index];
  return line ? (line.sku ?? line.description) : undefined;
}

/** One line's amount and tax as Xero computes them on its per-order invoice (explicit TaxAmount honoured). */
function lineMoney(line: LineItemDraft, type: 'Inclusive' | 'Exclusive', rates: Record<string, string>) {
  const t = xeroTotals({ LineAmountTypes: type, LineItems: [line] }, rates);
  const tax = parseDecimal(t.TotalTax);
  return { amount: parseDecimal(type === 'Inclusive' ? t.Total : t.SubTotal), tax };
}

function ratesOf(settings: MappingSettings): Record<string, string> {
  const rates: Record<string, string> = { [settings.noTaxType]: '0' };
  for (const { taxType, rate } of Object.values(settings.taxTypes)) rates[taxType] = rate;
  return rates;
}

class SummaryDraft {
  readonly groups = new Map<string, Group>();
  readonly orders: Order[] = [];
  readonly payments = new Map<string, { accountCode: string; date: string; amount: Decimal4 }>();
  perOrderTotal = 0n;
  perOrderTax = 0n;
  orderTotal = 0n;

  constructor(
    readonly key: SummaryKey,
    readonly contact: ContactRef,
    readonly by: SummaryLines = 'account',
  ) {}

  add(order: Order, invoice: InvoiceDraft, payments: PaymentDraft[], rates: Record<string, string>): void {
    this.orders.push(order);
    this.orderTotal += parseDecimal(order.total);
    const totals = xeroTotals(invoice, rates);
    this.perOrderTotal += parseDecimal(totals.Total);
    this.perOrderTax += parseDecimal(totals.TotalTax);
    invoice.LineItems.forEach((line, i) => {
      const { amount, tax } = lineMoney(line, this.key.lineAmountTypes, rates);
      const product = this.by === 'product' ? productOf(order, i) : undefined;
      const id = JSON.stringify([line.AccountCode, line.TaxType, line.Tracking ?? [], product ?? null]);
      const group = this.groups.get(id) ?? {
        account: line.AccountCode,
        taxType: line.TaxType,
        tracking: line.Tracking,
        amount: 0n,
        tax: 0n,
        ...(product !== undefined ? { product, orderIds: new Set<string>() } : {}),
      };
      group.amount += amount;
      group.tax += tax;
      group.orderIds?.add(order.id);
      this.groups.set(id, group);
    });
    for (const p of payments) {
      const id = `${p.accountCode}|${p.date}`;
      const seen = this.payments.get(id) ?? { accountCode: p.accountCode, date: p.date, amount: 0n };
      seen.amount += parseDecimal(p.amount);
      this.payments.set(id, seen);
    }
  }
}

/**
 * Xero takes 50 invoices to a call within a 3.5 MB body (/work/shared/xero-facts.md; src/engine/packing.ts), and
 * sets no line limit of its own. So a by-product summary keeps at most 100 product lines, their names cut to 200
 * characters (about 50 KB an invoice, 2.5 MB a batch); the products past the 100th of a day fold into one "Other
 * products" line per account, tax type and tracking option, their amounts and explicit tax summed as ever.
 */
export const PRODUCT_LINES_MAX = 100;
const PRODUCT_NAME_MAX = 200;
const OTHER_PRODUCTS = 'Other products';

/** The product groups past the limit, folded per account, tax type and tracking; the others as they are. */
function folded(groups: Group[]): Group[] {
  const products = groups.filter((g) => g.product !== undefined);
  if (products.length <= PRODUCT_LINES_MAX) return groups;
  const kept = new Set(products.slice(0, PRODUCT_LINES_MAX - 1));
  const others = new Map<string, Group>();
  for (const g of products.filter((p) => !kept.has(p))) {
    const id = JSON.stringify([g.account, g.taxType, g.tracking ?? []]);
    const other = others.get(id) ?? {
      ...g,
      product: OTHER_PRODUCTS,
      orderIds: new Set<string>(),
      amount: 0n,
      tax: 0n,
    };
    other.amount += g.amount;
    other.tax += g.tax;
    for (const o of g.orderIds ?? []) other.orderIds!.add(o);
    others.set(id, other);
  }
  return [...groups.filter((g) => g.product === undefined || kept.has(g)), ...others.values()];
}

function describe(group: Group, count: number): string {
  if (group.product === undefined) return `${count} orders: account ${group.account}, ${group.taxType}`;
  const n = group.orderIds?.size ?? count;
  return `${group.product.slice(0, PRODUCT_NAME_MAX)}: ${n} order${n === 1 ? '' : 's'}`;
}

function summaryLine(group: Group, count: number): LineItemDraft {
  return {
    Description: describe(group, count),
    Quantity: '1',
    UnitAmount: money2(group.amount),
    AccountCode: group.account,
    TaxType: group.taxType,
    TaxAmount: money2(group.tax),
    ...(group.tracking?.length ? { Tracking: group.tracking } : {}),
  };
}

function finish(
  draft: SummaryDraft,
  settings: MappingSettings,
  template: string,
  rates: Record<string, string>,
) {
  const orders = draft.orders;
  const first = orders[0]!;
  const last = orders[orders.length - 1]!;
  const lines = folded([...draft.groups.values()]).map((g) => summaryLine(g, orders.length));
  const invoice: InvoiceDraft = {
    Type: 'ACCREC',
    InvoiceNumber: summaryNumber(template, draft.key),
    Reference: `${orders.length} orders, ${first.number} to ${last.number}`,
    contact: draft.contact,
    Date: draft.key.date,
    DueDate: draft.key.date,
    CurrencyCode: draft.key.currency,
    LineAmountTypes: draft.key.lineAmountTypes,
    Status: settings.invoiceStatus,
    LineItems: lines,
  };
  const gap = draft.orderTotal - parseDecimal(xeroTotals(invoice, rates).Total);
  if (gap !== 0n)
    invoice.LineItems.push({
      Description: 'Rounding',
      Quantity: '1',
      UnitAmount: money2(gap),
      AccountCode: settings.roundingAccountCode,
      TaxType: settings.noTaxType,
    });
  const payments = [...draft.payments.values()]
    .filter((p) => p.amount !== 0n)
    .map((p) => ({
      invoiceNumber: invoice.InvoiceNumber,
      accountCode: p.accountCode,
      date: p.date,
      amount: money2(p.amount),
    }));
  return {
    key: draft.key,
    invoice,
    orderIds: orders.map((o) => o.id),
    payments: settings.invoiceStatus === 'AUTHORISED' ? payments : [],
    perOrder: { total: draft.perOrderTotal, tax: draft.perOrderTax },
  };
}

/**
 * The daily summaries of these orders (any order; they are sorted by placedAt, id), each for `contact`: the
 * location's walk-in contact or the request's manual one. `template` numbers them (default
 * `{CHANNEL}-{LOCATION}-{DATE}`); two summaries of one number (another currency, say) get `-2`, `-3`, … in key order.
 * `lines` is the business's `summaryLines` setting: group by account (default) or also by product.
 */
export function buildDailySummaries(
  orders: readonly Order[],
  settings: MappingSettings,
  contact: ContactRef,
  template = DEFAULT_TEMPLATE,
  lines: SummaryLines = 'account',
): SummaryBuild {
  const rates = ratesOf(settings);
  const drafts = new Map<string, SummaryDraft>();
  const failed: SummaryBuild['failed'] = [];
  const sorted = [...orders].sort((a, b) => a.placedAt.localeCompare(b.placedAt) || a.id.localeCompare(b.id));
  for (const order of sorted) {
    const mapped = mapOrder(order, settings, contact);
    if (mapped.kind === 'skip') continue;
    if (mapped.kind === 'error') {
      failed.push({ orderId: order.id, message: mapped.message });
      continue;
    }
    const key = keyOf(order, settings, contact);
    const id = JSON.stringify(Object.values(key));
    const draft = drafts.get(id) ?? new SummaryDraft(key, contact, lines);
    draft.add(order, mapped.invoice, mapped.payments, rates);
    drafts.set(id, draft);
  }
  const summaries = [...drafts.values()].map((d) => finish(d, settings, template, rates));
  return { summaries: numberedUniquely(summaries), failed };
}

function numberedUniquely(summaries: Summary[]): Summary[] {
  const seen = new Map<string, number>();
  return summaries.map((s) => {
    const n = (seen.get(s.invoice.InvoiceNumber) ?? 0) + 1;
    seen.set(s.invoice.InvoiceNumber, n);
    if (n === 1) return s;
    const number = `${s.invoice.InvoiceNumber}-${n}`;
    return {
      ...s,
      invoice: { ...s.invoice, InvoiceNumber: number },
      payments: s.payments.map((p) => ({ ...p, invoiceNumber: number })),
    };
  });
}

/** The per-order totals the summaries hold, summed: what a money check compares each summary's Xero answer with. */
export function summaryTotals(summary: Summary): { total: string; tax: string } {
  return { total: money2(summary.perOrder.total), tax: money2(summary.perOrder.tax) };
}

// ---------------------------------------------------------------------------------------------------------------
// Refunds

export interface RefundSummary {
  /** The summary key, with the local **refund** date as its date. */
  key: SummaryKey;
  creditNote: CreditNoteDraft;
  orderIds: string[];
  /** Per summary invoice its orders were sold on: what the per-order policy allocates, summed. */
  allocations: Array<{ invoiceNumber: string; amount: string }>;
  /** The rest, paid back: one per account, dated the refund date. */
  refundPayments: Array<{ accountCode: string; date: string; amount: string }>;
  /** What the per-order credit notes of the same orders would total, and their tax. */
  perOrder: { total: Decimal4; tax: Decimal4 };
}

interface RefundDraft {
  key: SummaryKey;
  groups: Map<string, Group>;
  orders: Order[];
  perOrderTotal: Decimal4;
  perOrderTax: Decimal4;
  allocations: Map<string, Decimal4>;
  paidBack: Map<string, Decimal4>;
}

function addRefund(
  draft: RefundDraft,
  order: Order,
  plan: CreditNotePlan,
  invoiceNumber: string,
  rates: Record<string, string>,
): void {
  const note = plan.creditNote;
  const totals = xeroTotals(note, rates);
  draft.orders.push(order);
  draft.perOrderTotal += parseDecimal(totals.Total);
  draft.perOrderTax += parseDecimal(totals.TotalTax);
  for (const line of note.LineItems) {
    const t = xeroTotals(
      { Type: 'ACCRECCREDIT', LineAmountTypes: note.LineAmountTypes, LineItems: [line] },
      rates,
    );
    const amount = parseDecimal(note.LineAmountTypes === 'Inclusive' ? t.Total : t.SubTotal);
    const id = JSON.stringify([line.AccountCode, line.TaxType, line.Tracking ?? []]);
    const group = draft.groups.get(id) ?? {
      account: line.AccountCode,
      taxType: line.TaxType,
      tracking: line.Tracking,
      amount: 0n,
      tax: 0n,
    };
    group.amount += amount;
    group.tax += parseDecimal(t.TotalTax);
    draft.groups.set(id, group);
  }
  const allocated = parseDecimal(plan.allocationAmount);
  if (allocated > 0n)
    draft.allocations.set(invoiceNumber, (draft.allocations.get(invoiceNumber) ?? 0n) + allocated);
  if (plan.refundPayment) {
    const { accountCode, amount } = plan.refundPayment;
    draft.paidBack.set(accountCode, (draft.paidBack.get(accountCode) ?? 0n) + parseDecimal(amount));
  }
}

function finishRefund(draft: RefundDraft, settings: MappingSettings, template: string): RefundSummary {
  const first = draft.orders[0]!;
  const last = draft.orders[draft.orders.length - 1]!;
  const number = `${summaryNumber(template, draft.key)}-CN`;
  const creditNote: CreditNoteDraft = {
    Type: 'ACCRECCREDIT',
    CreditNoteNumber: number,
    Reference: `Refunds of ${draft.orders.length} orders, ${first.number} to ${last.number}`,
    contact: contactOfKey(draft.key),
    Date: draft.key.date,
    CurrencyCode: draft.key.currency,
    LineAmountTypes: draft.key.lineAmountTypes,
    Status: settings.invoiceStatus,
    LineItems: [...draft.groups.values()].map((g) => ({
      ...summaryLine(g, draft.orders.length),
      Description: `Refunds of ${draft.orders.length} orders: account ${g.account}, ${g.taxType}`,
    })),
  };
  return {
    key: draft.key,
    creditNote,
    orderIds: draft.orders.map((o) => o.id),
    allocations: [...draft.allocations].map(([invoiceNumber, a]) => ({ invoiceNumber, amount: money2(a) })),
    refundPayments: [...draft.paidBack].map(([accountCode, a]) => ({
      accountCode,
      date: draft.key.date,
      amount: money2(a),
    })),
    perOrder: { total: draft.perOrderTotal, tax: draft.perOrderTax },
  };
}

function contactOfKey(key: SummaryKey): ContactRef {
  return key.contact.startsWith('id:') ? { contactId: key.contact.slice(3) } : { name: key.contact.slice(5) };
}

/**
 * The refunds of summarised orders: one credit note per summary key per local refund date, its lines grouped as
 * the invoices' are (explicit tax, so its tax is the per-order credit notes' to the cent), applied as the per-order
 * policy applies them: each order's allocation, summed per summary invoice it was sold on, and the rest paid back
 * per account. `summaries` tells which summary invoice holds each order.
 */
export function buildRefundSummaries(
  orders: readonly Order[],
  settings: MappingSettings,
  contact: ContactRef,
  summaries: readonly Summary[],
  template = DEFAULT_TEMPLATE,
): RefundSummary[] {
  const rates = ratesOf(settings);
  const heldBy = new Map(
    summaries.flatMap((s) => s.orderIds.map((id) => [id, s.invoice.InvoiceNumber] as const)),
  );
  const drafts = new Map<string, RefundDraft>();
  const sorted = [...orders].sort((a, b) => a.placedAt.localeCompare(b.placedAt) || a.id.localeCompare(b.id));
  for (const order of sorted) {
    const invoiceNumber = heldBy.get(order.id);
    if (order.status !== 'refunded' || !invoiceNumber) continue;
    const mapped = mapOrder(order, settings, contact);
    if (mapped.kind !== 'invoice' || !mapped.creditNote) continue;
    const plan = mapped.creditNote;
    const key: SummaryKey = {
      ...keyOf(order, settings, contact),
      date: plan.creditNote.Date,
      lineAmountTypes: plan.creditNote.LineAmountTypes,
    };
    const id = JSON.stringify(Object.values(key));
    const draft = drafts.get(id) ?? {
      key,
      groups: new Map<string, Group>(),
      orders: [],
      perOrderTotal: 0n,
      perOrderTax: 0n,
      allocations: new Map<string, Decimal4>(),
      paidBack: new Map<string, Decimal4>(),
    };
    addRefund(draft, order, plan, invoiceNumber, rates);
    drafts.set(id, draft);
  }
  return [...drafts.values()].map((d) => finishRefund(d, settings, template));
}
