import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import { localDateSql } from '../calendar';
import { parseDecimal } from '../money';
import { rangeWhere } from '../orders/store';
import { ledgerStatusOf, summaryInvoiceOf } from './order-holds';
import { orderRangeOf, planFromStats } from './plan';
import { planCalls, WRITE_BATCH } from './packing';
import type { ContactDirectory, RangeStats, RequestPlan } from './plan';

/**
 * What a request in daily-summary mode (issue 23) will write, and the calls that takes: the same keys the summary
 * builder uses (src/engine/summary.ts), counted from one pass over the range's orders. Contacts and the
 * organisation's facts are counted by the engine's own plan (src/engine/plan.ts), exactly as for per-order requests.
 *
 * Documents (summaryWork):
 * - one summary invoice per location, local business day, currency and line-amount type (the channel and the
 *   contact are one per request: POS in auto mode is the location's contact, manual mode one contact);
 * - one payment per summary per payment account per local payment date;
 * - one credit note per summary key per local **refund** date (a partial refund's is tax-inclusive, as per order);
 *   one allocation per credit note per summary invoice its orders were sold on, and one refund payment per credit
 *   note per account of the orders' last payment method for what was paid back.
 *
 * Calls: two packings of those documents.
 * - summaryWriteCalls: as the engine writes them (src/engine/summary-walk.ts, summary-writes.ts): the walk sends
 *   only full batches of 50 summaries and of 50 payments after each day, carrying the rest, so only the walk's end
 *   sends a short one; credit notes' refund payments share batches of 50 at the end. The preview's estimate; it
 *   must move with those files. (A step that ends mid-range, about every SYNC_STEP_SECONDS, writes what is pending
 *   too: a short batch or two more per step, not counted.)
 * - summaryMinimumCalls: Xero's batch limits (src/engine/packing.ts): summaries 50 to a `PUT /Invoices` like
 *   invoices, payments and refund payments 50 to a `PUT /Payments`, credit notes 50 to a `PUT /CreditNotes`, an
 *   allocation a call. What the bench measures the engine against.
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
  /** Refund payments out of the credit notes. */
  refunds: number;
  allocations: number;
  /** Summaries with at least one payment to write. */
  summariesWithPayments: number;
  /** Credit notes with at least one refund payment to write. */
  notesWithRefunds: number;
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

/**
 * The documents daily summaries of these orders make (pure: the preview's estimate and its tests use it). A
 * refund is split between allocation and paying back by what the order paid, whether or not payments are recorded
 * (the mapping's rule, src/engine/invoice-mapping.ts).
 */
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
    const paid = o.payments.filter((p) => parseDecimal(p.amount) !== 0n);
    if (opts.recordPayments) for (const p of paid) payments.add(key(sale, account(p.method), p.day));
    if (!o.refund) continue;
    // A partial refund's credit note is one tax-inclusive line (invoice-mapping.ts): its key is Inclusive.
    const whole = parseDecimal(o.refund.amount) === parseDecimal(o.total);
    const note = key(o.locationId, o.refund.day, o.currency, whole ? o.inclusive : true);
    creditNotes.add(note);
    const { allocated, paidBack } = allocationOf(
      o,
      paid.reduce((n, p) => n + parseDecimal(p.amount), 0n),
    );
    if (allocated > 0n) allocations.add(key(note, sale));
    const last = o.payments[o.payments.length - 1];
    if (paidBack > 0n && last) refunds.add(key(note, account(last.method)));
  }
  const owners = (keys: Set<string>) => new Set([...keys].map((k) => JSON.stringify(JSON.parse(k)[0]))).size;
  return {
    summaries: summaries.size,
    payments: payments.size,
    creditNotes: creditNotes.size,
    refunds: refunds.size,
    allocations: allocations.size,
    summariesWithPayments: owners(payments),
    notesWithRefunds: owners(refunds),
  };
}

/**
 * The document calls as the engine writes summaries: 50 to a `PUT /Invoices` (full batches during the walk, the
 * remainder at its end), their payments 50 to a `PUT /Payments` the same way (a summary's payments split where a
 * batch fills), credit notes 50 to a `PUT /CreditNotes` at the end, then their refund payments 50 to a
 * `PUT /Payments`; a credit note's allocations a call each.
 */
export function summaryWriteCalls(work: SummaryWork) {
  return {
    invoices: Math.ceil(work.summaries / WRITE_BATCH),
    payments: Math.ceil(work.payments / WRITE_BATCH) + Math.ceil(work.refunds / WRITE_BATCH),
    creditNotes: Math.ceil(work.creditNotes / WRITE_BATCH),
    allocations: work.allocations,
  };
}

/** The fewest document calls under Xero's batch limits (src/engine/packing.ts): the bench's summary minimum. */
export function summaryMinimumCalls(work: SummaryWork) {
  const { invoices, payments, creditNotes, allocations } = planCalls({
    invoices: work.summaries,
    payments: work.payments,
    creditNotes: work.creditNotes,
    refunds: work.refunds,
    allocations: work.allocations,
    contactReads: 0,
    newContacts: 0,
    organisationReads: 0,
  });
  return { invoices, payments, creditNotes, allocations };
}

/** The orders a summary request would send: not voided, not in Xero (or being written) per order nor in a summary. */
export async function summaryFacts(db: Db, input: ManualSyncInput): Promise<SummaryOrderFacts[]> {
  const params: unknown[] = [input.timeZone];
  const where = rangeWhere(orderRangeOf(input), params);
  const local = (instant: string) => `${localDateSql(instant, '$1')}::text`;
  const refunds = `jsonb_typeof(o.payload->'refunds') = 'array' AND jsonb_array_length(o.payload->'refunds') > 0`;
  // The orders the summary walk sorts out as fresh (src/engine/summary-walk.ts): a per-order ledger row that
  // failed does not hold an order back; one synced or pending does; so does a summary holding it (unless Xero
  // refused that summary, which releases its orders). Probed per order, never joined (src/engine/order-holds.ts).
  const { rows } = await db.query<SummaryOrderFacts>(
    `SELECT o.location_id AS "locationId", o.payload->>'currency' AS currency,
       coalesce((o.payload->>'pricesIncludeTax')::boolean, false) AS inclusive,
       ${local('o.placed_at')} AS day, o.total::text AS total,
       ARRAY(SELECT json_build_object('method', p->>'method', 'amount', p->>'amount', 'day', ${local("p->>'paidAt'")})
             FROM jsonb_array_elements(o.payload->'payments') WITH ORDINALITY AS x(p, n) ORDER BY n) AS payments,
       CASE WHEN o.status = 'refunded' THEN json_build_object(
         'day', CASE WHEN ${refunds}
           THEN (SELECT ${local("max((r->>'refundedAt')::timestamptz)")} FROM jsonb_array_elements(o.payload->'refunds') r)
           ELSE ${local("coalesce(o.payload->'refund'->>'refundedAt', o.placed_at::text)")} END,
         'amount', CASE WHEN ${refunds}
           THEN (SELECT sum((r->>'amount')::numeric)::text FROM jsonb_array_elements(o.payload->'refunds') r)
           ELSE coalesce(o.payload->'refund'->>'amount', o.total::text) END) END AS refund
     FROM orders o
     WHERE ${where} AND o.status <> 'voided' AND coalesce(${ledgerStatusOf('o')}, 'failed') = 'failed'
       AND ${summaryInvoiceOf('o')} IS NULL
     ORDER BY o.placed_at, o.id`,
    params,
  );
  return rows;
}

/**
 * What a daily-summary request of the range would write and the document calls that takes as the engine writes
 * them: the one count the preview, the request's own plan (prepare.ts) and the tests share, so they cannot
 * disagree. `orders`: how many it would send.
 */
export async function summaryEstimate(
  db: Db,
  input: ManualSyncInput,
  paymentAccounts: Record<string, string>,
): Promise<{ orders: number; work: SummaryWork; calls: ReturnType<typeof summaryWriteCalls> }> {
  // changesOnly: no order is written anew (only the changes of orders in Xero), in either mode.
  const orders = input.options.changesOnly ? [] : await summaryFacts(db, input);
  const work = summaryWork(orders, {
    paymentAccounts,
    authorised: input.options.invoiceStatus === 'AUTHORISED',
    recordPayments: input.options.recordPayments,
  });
  return { orders: orders.length, work, calls: summaryWriteCalls(work) };
}

export interface SummaryPlan extends RequestPlan {
  summaryWork: SummaryWork;
  /** Orders it would send. */
  orders: number;
}

/**
 * The plan of the same range in daily-summary mode: contacts and the organisation's reads as the per-order plan
 * counts them (its stats with the summaries' documents in place of the invoices and follow-ups), the documents'
 * calls as the engine writes them (summaryWriteCalls).
 */
export async function planSummaries(
  db: Db,
  input: ManualSyncInput,
  stats: RangeStats,
  opts: {
    walkInName: string;
    directory: ContactDirectory;
    baseCurrency: string | null;
    paymentAccounts: Record<string, string>;
  },
): Promise<SummaryPlan> {
  const { orders, work, calls: documents } = await summaryEstimate(db, input, opts.paymentAccounts);
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
  const { contacts, organisation } = plan.calls;
  const total = Object.values(documents).reduce((n, c) => n + c, 0) + contacts + organisation;
  return {
    ...plan,
    calls: { ...documents, contacts, organisation, total },
    summaryWork: work,
    orders,
  };
}
