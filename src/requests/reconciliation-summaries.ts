import { localDateOf } from '../calendar';
import { formatDecimal, parseDecimal, sumDecimal } from '../money';
import type { Decimal4 } from '../money';
import { combinedRefund, refundsOf } from '../orders/revisions';
import type { Order } from '../orders/schema';

/**
 * The daily-summary side of the reconciliation (docs/reconciliation.md "Daily summaries"): what Xero holds for an
 * order posted in a summary, per the summaries' ledger (tables summaries, summary_orders). A summary totals
 * exactly its orders as they stood (src/engine/summary.ts), so each order is attributed its own share: its total
 * on the summary invoice, its refund on each credit note that holds it (its own refund, or a later refund's or a
 * void's adjustment), its payments once the summary's payments are all written. Where Xero answered a document's
 * total other than its orders' sum, the gap goes to the first order of the range it holds, with the why.
 */

/** A summary document holding the order, as the summaries' ledger keeps it. */
export interface HeldSummary {
  number: string;
  stage: 'document' | 'follow_ups' | 'done' | 'failed';
  xeroId: string | null;
  xeroTotal: string | null;
  expectedTotal: string;
  error: string | null;
  /** Invoices: the summary's payments as written (empty: written as a draft, no payments). */
  payments: unknown[] | null;
  /** Credit notes: the change it holds the order for ('' the order's own refund). */
  changeKey?: string;
}

export interface SummaryOrder {
  base: Order;
  latest: Order;
  summary: HeldSummary;
  notes: HeldSummary[];
  changes: Array<{ key: string; kind: string; detail: Record<string, unknown> }>;
}

export interface SummaryAmounts {
  invoices: Decimal4;
  creditNotes: Decimal4;
  documents: number;
  /** Payments held per method, and the summary payments first counted here (one per summary, method, local date). */
  payments: Map<string, { held: Decimal4; documents: number }>;
  why: string[];
}

const inXero = (s: HeldSummary) => s.xeroId !== null && s.stage !== 'document';

/** What Xero holds for a summarised order. `seen`: summary documents already counted in this report. */
export function summaryAmounts(o: SummaryOrder, seen: Set<string>, timeZone: string): SummaryAmounts {
  const out: SummaryAmounts = { invoices: 0n, creditNotes: 0n, documents: 0, payments: new Map(), why: [] };
  const s = o.summary;
  if (!inXero(s)) {
    out.why.push(`daily summary ${s.number} is not in Xero (${s.error ?? `stage ${s.stage}`})`);
    return out;
  }
  out.invoices = parseDecimal(o.base.total) + firstSeen(out, s, seen);
  for (const note of o.notes.filter(inXero)) {
    out.creditNotes += credited(o, note.changeKey ?? '') + firstSeen(out, note, seen);
  }
  for (const note of o.notes.filter((n) => !inXero(n)))
    out.why.push(`credit note ${note.number} is not in Xero (${note.error ?? `stage ${note.stage}`})`);
  if (s.stage === 'done' && (s.payments?.length ?? 0) > 0)
    for (const p of o.base.payments) {
      const held = out.payments.get(p.method) ?? { held: 0n, documents: 0 };
      held.held += parseDecimal(p.amount);
      // One payment per summary, account and local payment date: a method pays into one account.
      const payment = `${s.number}|${p.method}|${localDateOf(p.paidAt, timeZone)}`;
      if (!seen.has(payment)) held.documents += 1;
      seen.add(payment);
      out.payments.set(p.method, held);
    }
  else if (o.base.payments.length > 0)
    out.why.push(
      (s.payments?.length ?? 0) === 0
        ? `daily summary ${s.number} was written without payments (a draft)`
        : `the payments of daily summary ${s.number} are not all in Xero (${s.error ?? `stage ${s.stage}`})`,
    );
  return out;
}

/** A document's gap (Xero's total less its orders' sum), on the first order seen of it; it counts one document. */
function firstSeen(out: SummaryAmounts, s: HeldSummary, seen: Set<string>): Decimal4 {
  if (seen.has(s.number)) return 0n;
  seen.add(s.number);
  out.documents += 1;
  if (s.xeroTotal === null) return 0n;
  const gap = parseDecimal(s.xeroTotal) - parseDecimal(s.expectedTotal);
  if (gap !== 0n)
    out.why.push(
      `Xero's total of ${s.number} is ${formatDecimal(parseDecimal(s.xeroTotal))}, its orders sum to ${formatDecimal(parseDecimal(s.expectedTotal))} (the gap is shown on this order, the first of it in the range)`,
    );
  return gap;
}

/** The order's share of a credit note: its own refund (''), a later refund's amount, or what a void credited. */
function credited(o: SummaryOrder, changeKey: string): Decimal4 {
  if (changeKey === '') return parseDecimal(combinedRefund(o.base)?.amount ?? o.base.total);
  const change = o.changes.find((c) => c.key === changeKey);
  if (change?.kind === 'refund') return parseDecimal(String(change.detail.amount));
  // A void credits what the order still counted: its total less every refund recorded for it.
  const left =
    parseDecimal(o.base.total) - sumDecimal(refundsOf(o.latest).map((r) => parseDecimal(r.amount)));
  return left > 0n ? left : 0n;
}
