import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import { localDateSql } from '../calendar';
import { parseDecimal } from '../money';
import { rangeWhere } from '../orders/store';
import { orderRangeOf, planFromStats } from './plan';
import type { ContactDirectory, RangeStats, RequestPlan } from './plan';

/**
 * What a request in daily-summary mode (issue 23) will write, and the calls that takes: the same keys the summary
 * builder uses (src/engine/summary.ts), counted from one pass over the range's orders, then packed by the engine's
 * own plan (src/engine/plan.ts, packing.ts), so contacts and the organisation's facts are counted exactly as for
 * per-order requests.
 *
 * - One summary invoice per location, local business day, currency and line-amount type (the channel and the
 *   contact are one per request: POS in auto mode is the location's contact, manual mode one contact). Summaries
 *   go 50 to a `PUT /Invoices`, as invoices do.
 * - One payment per summary per payment account per local payment date; refunds paid back out of a credit note
 *   share the `PUT /Payments` batches (50 elements a call).
 * - One credit note per summary key per local **refund** date (a partial refund's is tax-inclusive, as per order),
 *   50 to a `PUT /CreditNotes`; one allocation per
 *   credit note per summary invoice its orders were sold on (Xero has no batch endpoint: one call each), and one
 *   refund payment per credit note per account of the orders' last payment method for what was paid back.
 */

/** One order, as much as the summary keys need. Days are local dates in the business's time zone. */
export interface SummaryOrderFacts {
  locationId: string;
  currency: string;
  inclusive: boolean;
  day: string;
  total: string;
  payments: Array<{ method: string; day: string; amount: string }>;
  /** A refunded order's refund: the local day of its (last) refund and the amount refunded in all. */
  refund: { day: string; amount: string } | null;
}

export interface SummaryWorkOptions {
  /** The business's payment method -> Xero account mapping: two methods into one account share a payment. */
  paymentAccounts: Record<string, string>;
  /** Payments, credit notes and allocations are written on AUTHORISED summaries only, as per order. */
  authorised: boolean;
  recordPayments: boolean;
}

export interface SummaryWork {
  summaries: number;
  payments: number;
  creditNotes: number;
  /** Refund payments out of the credit notes (in the payment batches). */
  refunds: number;
  allocations: number;
}

const key = (...parts: Array<string | boolean>) => JSON.stringify(parts);

/** How much of a refund is allocated to the invoice (what is still due), as the per-order policy does. */
function allocationOf(facts: SummaryOrderFacts, paid: bigint): { allocated: bigint; paidBack: bigint } {
  const total = parseDecimal(facts.total);
  const refund = parseDecimal(facts.refund!.amount);
  const due = total - paid;
  const allocated = refund < due ? refund : due;
  return { allocated: allocated > 0n ? allocated : 0n, paidBack: refund - (allocated > 0n ? allocated : 0n) };
}

/** The documents daily summaries of these orders make (pure: the preview's estimate and its tests use it). */
export function summaryWork(orders: readonly SummaryOrderFacts[], opts: SummaryWorkOptions): SummaryWork {
  const summaries = new Set<string>();
  const payments = new Set<string>();
  const creditNotes = new Set<string>();
  const refunds = new Set<string>();
  const allocations = new Set<string>();
  const account = (method: string) => opts.paymentAccounts[method] ?? `method:${method}`;
  for (const o of orders) {
    const sale = key(o.locationId, o.day, o.currency, o.inclusive);
    summaries.add(sale);
    if (!opts.authorised) continue;
    const recorded = opts.recordPayments ? o.payments.filter((p) => parseDecimal(p.amount) !== 0n) : [];
    for (const p of recorded) payments.add(key(sale, account(p.method), p.day));
    if (!o.refund) continue;
    // A partial refund's credit note is one tax-inclusive line (invoice-mapping.ts): its key is Inclusive.
    const whole = parseDecimal(o.refund.amount) === parseDecimal(o.total);
    const note = key(o.locationId, o.refund.day, o.currency, whole ? o.inclusive : true);
    creditNotes.add(note);
    const paid = recorded.reduce((n, p) => n + parseDecimal(p.amount), 0n);
    const { allocated, paidBack } = allocationOf(o, paid);
    if (allocated > 0n) allocations.add(key(note, sale));
    const last = o.payments[o.payments.length - 1];
    if (paidBack > 0n && last) refunds.add(key(note, account(last.method)));
  }
  return {
    summaries: summaries.size,
    payments: payments.size,
    creditNotes: creditNotes.size,
    refunds: refunds.size,
    allocations: allocations.size,
  };
}

/**
 * Which orders of the range another posting mode already sent, as SQL on the order alias `o`: the engine's
 * summaries' ledger plugs in here (`heldBySummary`); until it does, no order is held by a summary.
 */
export interface SentElsewhere {
  /** SQL, true when order `o` is held by a daily summary already in Xero (or being written). */
  heldBySummary: (alias: string) => string;
}

export const NO_SUMMARIES: SentElsewhere = { heldBySummary: () => 'false' };

/** The facts of the orders a summary request would send: not voided, not in Xero per order nor in a summary. */
export interface SummaryFacts {
  /** The orders a summary request would send. */
  orders: SummaryOrderFacts[];
  /** Orders of the range a per-order request already sent: a summary request skips them. */
  sentPerOrder: number;
  /** Orders of the range already held by a summary: a per-order request skips them. */
  heldBySummary: number;
}

export async function summaryFacts(
  db: Db,
  input: ManualSyncInput,
  sent: SentElsewhere = NO_SUMMARIES,
): Promise<SummaryFacts> {
  const params: unknown[] = [input.timeZone];
  const where = rangeWhere(orderRangeOf(input), params);
  const local = (instant: string) => `${localDateSql(instant, '$1')}::text`;
  const { rows } = await db.query<SummaryOrderFacts & { synced: boolean; held: boolean }>(
    `SELECT o.location_id AS "locationId", o.payload->>'currency' AS currency,
       coalesce((o.payload->>'pricesIncludeTax')::boolean, false) AS inclusive,
       ${local('o.placed_at')} AS day, o.total::text AS total,
       coalesce(l.status = 'synced', false) AS synced, ${sent.heldBySummary('o')} AS held,
       ARRAY(SELECT json_build_object('method', p->>'method', 'amount', p->>'amount', 'day', ${local("p->>'paidAt'")})
             FROM jsonb_array_elements(o.payload->'payments') WITH ORDINALITY AS x(p, n) ORDER BY n) AS payments,
       CASE WHEN o.status = 'refunded' THEN json_build_object(
         'day', CASE
           WHEN jsonb_typeof(o.payload->'refunds') = 'array' AND jsonb_array_length(o.payload->'refunds') > 0 THEN
             (SELECT ${local("max((r->>'refundedAt')::timestamptz)")} FROM jsonb_array_elements(o.payload->'refunds') r)
           ELSE ${local("coalesce(o.payload->'refund'->>'refundedAt', o.placed_at::text)")} END,
         'amount', CASE
           WHEN jsonb_typeof(o.payload->'refunds') = 'array' AND jsonb_array_length(o.payload->'refunds') > 0 THEN
             (SELECT sum((r->>'amount')::numeric)::text FROM jsonb_array_elements(o.payload->'refunds') r)
           ELSE coalesce(o.payload->'refund'->>'amount', o.total::text) END) END AS refund
     FROM orders o
     LEFT JOIN order_ledger l ON l.business_id = o.business_id AND l.order_id = o.id
     WHERE ${where} AND o.status <> 'voided'
     ORDER BY o.placed_at, o.id`,
    params,
  );
  const orders = rows.filter((r) => !r.synced && !r.held);
  return {
    orders,
    sentPerOrder: rows.filter((r) => r.synced && !r.held).length,
    heldBySummary: rows.filter((r) => r.held).length,
  };
}

export interface SummaryPlan extends RequestPlan {
  summaryWork: SummaryWork;
  /** Orders it would send. */
  orders: number;
  /** Orders of the range a per-order request already sent: a summary request skips them. */
  sentPerOrder: number;
  /** Orders of the range already held by a summary. */
  heldBySummary: number;
}

/**
 * The plan of the same range in daily-summary mode: the per-order plan's stats with the summaries' documents in
 * place of the invoices and follow-ups, so contacts and the organisation's reads are counted the same way.
 */
export async function planSummaries(
  db: Db,
  input: ManualSyncInput,
  stats: RangeStats,
  facts: SummaryFacts,
  opts: {
    walkInName: string;
    directory: ContactDirectory;
    baseCurrency: string | null;
    paymentAccounts: Record<string, string>;
  },
): Promise<SummaryPlan> {
  // changesOnly: no order is written anew (only the changes of orders in Xero), in either mode.
  const orders = input.options.changesOnly ? [] : facts.orders;
  const work = summaryWork(orders, {
    paymentAccounts: opts.paymentAccounts,
    authorised: input.options.invoiceStatus === 'AUTHORISED',
    recordPayments: input.options.recordPayments,
  });
  const summaryStats: RangeStats = {
    ...stats,
    invoices: work.summaries,
    payments: work.payments,
    creditNotes: work.creditNotes,
    refunds: work.refunds,
    allocations: work.allocations,
  };
  const plan = await planFromStats(
    db,
    input,
    summaryStats,
    opts.walkInName,
    opts.directory,
    opts.baseCurrency,
  );
  return {
    ...plan,
    summaryWork: work,
    orders: orders.length,
    sentPerOrder: facts.sentPerOrder,
    heldBySummary: facts.heldBySummary,
  };
}
