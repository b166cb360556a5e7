import { localDateOf, rangeUtc } from '../calendar';
import type { Reconciliation, ReconciliationQuery, ReconciliationRow } from '../contract';
import type { Db } from '../db/pool';
import { formatDecimal, parseDecimal, sumDecimal } from '../money';
import type { Decimal4 } from '../money';
import { combinedRefund, refundsOf } from '../orders/revisions';
import type { Order } from '../orders/schema';
import { summaryAmounts } from './reconciliation-summaries';
import type { HeldSummary } from './reconciliation-summaries';

/**
 * The reconciliation (docs/reconciliation.md): each order's latest revision against what Xero holds for it as the
 * ledger keeps it (order_ledger: the invoice's Total as Xero answered it, the follow-ups written; order_changes:
 * the ids and amounts Xero answered for each change applied), summed per local day × location (the sales row:
 * invoices less credit notes) and per payment method (a payments row each). Read from PostgreSQL only: no Xero
 * call. A row's difference lists the orders behind it, each with why.
 */

export interface ReconciliationScope {
  businessId: string;
  requestId: string | null;
  timeZone: string;
  query: ReconciliationQuery;
}

interface LedgerOrder {
  id: string;
  base: Order;
  latest: Order;
  status: 'pending' | 'synced' | 'failed' | null;
  invoice_number: string | null;
  xero_total: string | null;
  payments_status: string | null;
  credit_note_status: string | null;
  money_checks: Record<string, string> | null;
  changes: Array<{
    key: string;
    kind: string;
    detail: Record<string, unknown>;
    xero: Record<string, unknown>;
  }>;
  /** Posted in a daily summary: the summary invoice holding it, and the credit notes holding its refunds. */
  summary: HeldSummary | null;
  notes: HeldSummary[];
}

/** One order's amounts on its rows: expected (latest revision) and held (Xero, per the ledger). */
interface OrderAmounts {
  sales: { expected: Decimal4; invoices: Decimal4; creditNotes: Decimal4; documents: number };
  payments: Map<string, { expected: Decimal4; held: Decimal4; documents: number }>;
  why: string[];
}

const amount = (value: unknown): Decimal4 =>
  value === undefined || value === null || value === '' ? 0n : parseDecimal(String(value));

export async function reconcile(db: Db, scope: ReconciliationScope): Promise<Reconciliation> {
  const orders = await ledgerOrders(db, scope);
  const rows = new Map<string, ReconciliationRow>();
  const seen = new Set<string>();
  for (const o of orders) addOrder(rows, o, scope.timeZone, seen);
  const list = [...rows.values()].sort((a, b) =>
    `${a.day}|${a.locationId}|${a.paymentMethod ?? ''}` < `${b.day}|${b.locationId}|${b.paymentMethod ?? ''}`
      ? -1
      : 1,
  );
  const differing = new Set(list.flatMap((r) => r.differences.map((d) => d.orderId)));
  return {
    businessId: scope.businessId,
    requestId: scope.requestId,
    startDate: scope.query.startDate,
    endDate: scope.query.endDate,
    timeZone: scope.timeZone,
    rows: list,
    totals: {
      orders: orders.length,
      rowsWithDifference: list.filter((r) => r.difference !== '0.00').length,
      ordersWithDifference: differing.size,
    },
  };
}

// A summary document as the reconciliation reads it (reconciliation-summaries.ts HeldSummary).
const HELD_SUMMARY = `jsonb_build_object('number', s.number, 'stage', s.stage, 'xeroId', s.xero_id,
  'xeroTotal', s.xero_total, 'expectedTotal', s.expected_total, 'error', s.error,
  'payments', s.document->'payments', 'changeKey', so.change_key)`;

/** The scope's orders with their ledger row and the changes applied, oldest first. */
async function ledgerOrders(db: Db, scope: ReconciliationScope): Promise<LedgerOrder[]> {
  const { fromUtc, toUtcExclusive } = rangeUtc(scope.query.startDate, scope.query.endDate, scope.timeZone);
  const params: unknown[] = [scope.businessId, fromUtc, toUtcExclusive];
  const where = ['o.business_id = $1', 'o.placed_at >= $2', 'o.placed_at < $3'];
  if (scope.query.channel) where.push(`o.channel = $${params.push(scope.query.channel)}`);
  if (scope.query.locationId) where.push(`o.location_id = $${params.push(scope.query.locationId)}`);
  const { rows } = await db.query<LedgerOrder>(
    `SELECT o.id, o.payload AS base, COALESCE(r.payload, o.payload) AS latest, l.status, l.invoice_number,
            l.xero_total::text AS xero_total, l.payments_status, l.credit_note_status, l.money_checks,
            COALESCE((SELECT jsonb_agg(jsonb_build_object('key', c.change_key, 'kind', c.kind, 'detail', c.detail,
                                                          'xero', c.xero)
                                ORDER BY c.created_at, c.change_key)
                      FROM order_changes c
                      WHERE c.business_id = o.business_id AND c.order_id = o.id AND c.status = 'done'),
                     '[]'::jsonb) AS changes,
            (SELECT ${HELD_SUMMARY} FROM summary_orders so JOIN summaries s
               ON s.business_id = so.business_id AND s.number = so.number
             WHERE so.business_id = o.business_id AND so.order_id = o.id AND so.kind = 'invoice'
             ORDER BY (s.stage = 'failed'), s.number LIMIT 1) AS summary,
            COALESCE((SELECT jsonb_agg(${HELD_SUMMARY} ORDER BY s.number) FROM summary_orders so JOIN summaries s
                        ON s.business_id = so.business_id AND s.number = so.number
                      WHERE so.business_id = o.business_id AND so.order_id = o.id AND so.kind = 'credit_note'),
                     '[]'::jsonb) AS notes
     FROM orders o
     LEFT JOIN order_revisions r ON r.business_id = o.business_id AND r.order_id = o.id AND r.revision = o.revision
     LEFT JOIN order_ledger l ON l.business_id = o.business_id AND l.order_id = o.id
     WHERE ${where.join(' AND ')}
     ORDER BY o.placed_at, o.id`,
    params,
  );
  return rows;
}

/** What the latest revision comes to: its total less its refunds, and its payments by method (a void: nothing). */
function expectedOf(latest: Order): Pick<OrderAmounts, 'sales' | 'payments'> {
  const payments = new Map<string, { expected: Decimal4; held: Decimal4; documents: number }>();
  if (latest.status === 'voided')
    return { sales: { expected: 0n, invoices: 0n, creditNotes: 0n, documents: 0 }, payments };
  const refunds = sumDecimal(refundsOf(latest).map((r) => parseDecimal(r.amount)));
  for (const p of latest.payments) {
    const row = payments.get(p.method) ?? { expected: 0n, held: 0n, documents: 0 };
    row.expected += parseDecimal(p.amount);
    payments.set(p.method, row);
  }
  return {
    sales: { expected: parseDecimal(latest.total) - refunds, invoices: 0n, creditNotes: 0n, documents: 0 },
    payments,
  };
}

/** What Xero holds for the order per the ledger: its invoice, credit notes and payments, less what a void undid. */
function amountsOf(o: LedgerOrder, timeZone: string, seen: Set<string>): OrderAmounts {
  if (inSummary(o)) return summarised(o, timeZone, seen);
  const { sales, payments } = expectedOf(o.latest);
  const why: string[] = [];
  if (o.status !== 'synced') {
    why.push(o.status === null ? 'not sent to Xero' : `not in Xero (the ledger says ${o.status})`);
    return { sales, payments, why };
  }
  const done = (kind: string) => o.changes.filter((c) => c.kind === kind);
  const voided = done('void').some((c) => c.xero.voided === true);
  if (voided) return { sales, payments, why };
  const amend = done('amend').at(-1);
  sales.invoices = amount(amend?.xero.total ?? o.xero_total ?? o.base.total);
  sales.documents = 1;
  if (o.credit_note_status === 'done' && o.base.status === 'refunded') {
    sales.creditNotes += parseDecimal(combinedRefund(o.base)?.amount ?? o.base.total);
    sales.documents += 1;
  }
  for (const c of [...done('refund'), ...done('void')]) {
    sales.creditNotes += amount(c.kind === 'refund' ? c.xero.total : c.xero.credit);
    sales.documents += 1;
  }
  const held = (method: string, value: Decimal4) => {
    const row = payments.get(method) ?? { expected: 0n, held: 0n, documents: 0 };
    row.held += value;
    row.documents += 1;
    payments.set(method, row);
  };
  if (o.payments_status === 'done') for (const p of o.base.payments) held(p.method, parseDecimal(p.amount));
  for (const c of done('payment')) held(String(c.detail.method), amount(c.xero.amount));
  for (const [kind, words] of Object.entries(o.money_checks ?? {}))
    why.push(`money check (${kind}): ${words}`);
  if (o.xero_total === null && !amend) why.push('its invoice total is the order’s, as checked when written');
  return { sales, payments, why };
}

/** Posted in a summary (not one Xero refused, whose orders a per-order request may have sent since). */
function inSummary(o: LedgerOrder): o is LedgerOrder & { summary: HeldSummary } {
  if (!o.summary) return false;
  return !(o.summary.xeroId === null && o.status === 'synced' && o.invoice_number !== o.summary.number);
}

/** A summarised order: its share of the summary documents (reconciliation-summaries.ts). */
function summarised(
  o: LedgerOrder & { summary: HeldSummary },
  timeZone: string,
  seen: Set<string>,
): OrderAmounts {
  const { sales, payments } = expectedOf(o.latest);
  // A void of a summarised order is credited, not unpaid: its payments stay on the summary in Xero, and the money
  // goes back as its credit note's refund (as for a refund); so its payments are still expected.
  if (o.latest.status === 'voided')
    for (const p of o.latest.payments) {
      const row = payments.get(p.method) ?? { expected: 0n, held: 0n, documents: 0 };
      row.expected += parseDecimal(p.amount);
      payments.set(p.method, row);
    }
  const held = summaryAmounts(o, seen, timeZone);
  sales.invoices = held.invoices;
  sales.creditNotes = held.creditNotes;
  sales.documents = held.documents;
  for (const [method, p] of held.payments) {
    const row = payments.get(method) ?? { expected: 0n, held: 0n, documents: 0 };
    row.held += p.held;
    row.documents += p.documents;
    payments.set(method, row);
  }
  return { sales, payments, why: held.why };
}

function addOrder(
  rows: Map<string, ReconciliationRow>,
  o: LedgerOrder,
  timeZone: string,
  seen: Set<string>,
): void {
  const day = localDateOf(o.latest.placedAt, timeZone);
  const a = amountsOf(o, timeZone, seen);
  const row = (method: string | null) => {
    const key = `${day}|${o.latest.location.id}|${o.latest.currency}|${method ?? ''}`;
    let r = rows.get(key);
    if (!r) {
      r = emptyRow(day, o.latest, method);
      rows.set(key, r);
    }
    return r;
  };
  const sales = a.sales;
  addTo(row(null), o, sales.expected, sales.invoices - sales.creditNotes, sales.documents, a.why, {
    invoices: sales.invoices,
    creditNotes: sales.creditNotes,
  });
  for (const [method, p] of a.payments) addTo(row(method), o, p.expected, p.held, p.documents, a.why);
}

function emptyRow(day: string, order: Order, method: string | null): ReconciliationRow {
  return {
    day,
    locationId: order.location.id,
    locationName: order.location.name,
    currency: order.currency,
    paymentMethod: method,
    orders: 0,
    ordersAmount: '0.00',
    xeroDocuments: 0,
    xeroInvoices: method === null ? '0.00' : null,
    xeroCreditNotes: method === null ? '0.00' : null,
    xeroAmount: '0.00',
    difference: '0.00',
    differences: [],
  };
}

const add = (text: string, value: Decimal4) => formatDecimal(parseDecimal(text) + value);

function addTo(
  r: ReconciliationRow,
  o: LedgerOrder,
  expected: Decimal4,
  held: Decimal4,
  documents: number,
  why: string[],
  sales?: { invoices: Decimal4; creditNotes: Decimal4 },
): void {
  r.orders += 1;
  r.ordersAmount = add(r.ordersAmount, expected);
  r.xeroAmount = add(r.xeroAmount, held);
  r.xeroDocuments += documents;
  r.difference = add(r.difference, expected - held);
  if (sales) {
    r.xeroInvoices = add(r.xeroInvoices ?? '0.00', sales.invoices);
    r.xeroCreditNotes = add(r.xeroCreditNotes ?? '0.00', sales.creditNotes);
  }
  if (expected === held) return;
  r.differences.push({
    orderId: o.id,
    orderNumber: o.latest.number,
    invoiceNumber: inSummary(o)
      ? o.summary.xeroId && o.summary.number
      : o.status === 'synced'
        ? o.invoice_number
        : null,
    ...(inSummary(o) ? { summaryNumber: o.summary.number } : {}),
    expected: formatDecimal(expected),
    inXero: formatDecimal(held),
    why: why.length > 0 ? why.join('; ') : 'a change not yet applied in Xero',
  });
}

export const RECONCILIATION_CSV_COLUMNS = [
  'day',
  'location_id',
  'location_name',
  'currency',
  'payment_method',
  'orders',
  'orders_amount',
  'xero_documents',
  'xero_invoices',
  'xero_credit_notes',
  'xero_amount',
  'difference',
  'orders_with_difference',
] as const;

/** The rows as CSV (RFC 4180): the orders behind a difference as `number (expected → in Xero: why)`, `; `-joined. */
export function reconciliationCsv(report: Reconciliation, field: (v: string | null) => string): string {
  const lines = [RECONCILIATION_CSV_COLUMNS.join(',')];
  for (const r of report.rows)
    lines.push(
      [
        r.day,
        field(r.locationId),
        field(r.locationName),
        r.currency,
        field(r.paymentMethod ?? ''),
        String(r.orders),
        r.ordersAmount,
        String(r.xeroDocuments),
        r.xeroInvoices ?? '',
        r.xeroCreditNotes ?? '',
        r.xeroAmount,
        r.difference,
        field(
          r.differences.map((d) => `${d.orderNumber} (${d.expected} → ${d.inXero}: ${d.why})`).join('; '),
        ),
      ].join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}
