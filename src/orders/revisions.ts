import { parseDecimal, sumDecimal } from '../money';
import { escapeControls } from '../text';
import { money2 } from '../xero/amounts';
import type { Order, OrderPayment, OrderRefund } from './schema';

/**
 * Revisions of an order already in Xero (docs/revisions.md). An import of such an order with other content does
 * not replace what was synced: it is compared with the order's latest revision, and what changed becomes a list of
 * changes for a sync to bring to Xero, each once (table order_changes, keyed by the change's key):
 *
 * - a payment whose key is new: a payment (`payment:<key>`);
 * - a refund whose id is new: a credit note dated on the refund's day (`refund:<id>`);
 * - `voided` after it was not: the invoice is voided (`void`), on `voidedAt` (else the moment of the import);
 * - other lines, total, customer or date: the invoice is updated (`amend:<revision>`), allowed only while the
 *   order has no payment or refund (Xero refuses to edit a paid invoice; such a line is refused).
 *
 * What cannot be a revision is refused with the reason and what to do: a payment or refund already recorded that
 * is changed or left out, a voided order brought back, another currency, channel or number.
 */

/** A payment's key: its id, or `#<position>` (1-based) for a payment without one (the old format). */
export function paymentKey(payment: OrderPayment, index: number): string {
  return payment.id ?? `#${index + 1}`;
}

/**
 * The order's refunds, each with an id: `refunds[]` as given; the old single `refund` is the refund with id
 * `refund`; a `refunded` order with neither is one full refund on its own day (id `refund`, as before).
 */
export function refundsOf(order: Order): OrderRefund[] {
  if (order.refunds) return order.refunds;
  if (order.refund) return [{ id: 'refund', ...order.refund }];
  if (order.status === 'refunded') return [{ id: 'refund', amount: order.total, refundedAt: order.placedAt }];
  return [];
}

/**
 * The order's refund as one amount, day and reason, for the order's first sync (one credit note for the refunds
 * known then): the sum of its refunds, on the last one's day. undefined: no refund given (a full refund).
 */
export function combinedRefund(order: Order): Order['refund'] {
  if (!order.refunds) return order.refund;
  if (order.refunds.length === 0) return undefined;
  const last = order.refunds.reduce((a, b) => (b.refundedAt > a.refundedAt ? b : a));
  const reasons = order.refunds.flatMap((r) => (r.reason?.trim() ? [r.reason.trim()] : []));
  const amount = sumDecimal(order.refunds.map((r) => parseDecimal(r.amount)));
  return {
    amount: money2(amount),
    refundedAt: last.refundedAt,
    ...(reasons.length ? { reason: reasons.join('; ') } : {}),
  };
}

export type ChangeKind = 'payment' | 'refund' | 'void' | 'amend';

/** One change for Xero: its key (unique per order, so it is applied once) and what it carries. */
export interface OrderChange {
  key: string;
  kind: ChangeKind;
  /** The payment or refund as imported (void and amend carry the instant of the change, `at`). */
  detail: Record<string, unknown>;
  /** One line for the import's report. */
  says: string;
}

export type RevisionDiff = { changes: OrderChange[] } | { refused: string };

const AMENDED_FIELDS = ['lines', 'total', 'customer', 'placedAt', 'pricesIncludeTax'] as const;
const FIXED_FIELDS = ['currency', 'channel', 'number'] as const;

/** JSON with its keys sorted: the stored order (jsonb) keeps no key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/** What a new revision changes against the latest one (`before`), or why it cannot be a revision. */
export function diffRevision(before: Order, after: Order, revision: number, now: string): RevisionDiff {
  const id = escapeControls(after.id);
  for (const field of FIXED_FIELDS)
    if (!same(before[field], after[field]))
      return {
        refused: `order ${id} is already in Xero and this line changes its ${field}; an order keeps its ${field}: void it and import the sale as a new order with another id`,
      };
  if (before.status === 'voided' && after.status !== 'voided')
    return {
      refused: `order ${id} was voided and this line brings it back; a voided order stays voided: import the sale as a new order with another id`,
    };
  const payments = diffPayments(before, after, id);
  if ('refused' in payments) return payments;
  const refunds = diffRefunds(before, after, id);
  if ('refused' in refunds) return refunds;
  const changes = [...payments.changes, ...refunds.changes];
  const amended = AMENDED_FIELDS.filter((f) => !same(before[f], after[f]));
  if (amended.length > 0) {
    if (after.payments.length > 0 || refundsOf(after).length > 0)
      return {
        refused: `order ${id} is already in Xero with payments or refunds and this line changes its ${amended.join(', ')}; Xero does not edit a paid invoice: record money given back as a refund (refunds[]), or void the order and import the sale as a new order with another id`,
      };
    changes.push({
      key: `amend:${revision}`,
      kind: 'amend',
      detail: { at: now, fields: amended },
      says: `${amended.join(', ')} changed`,
    });
  }
  if (after.status === 'voided' && before.status !== 'voided')
    changes.push({
      key: 'void',
      kind: 'void',
      detail: { at: after.voidedAt ?? now },
      says: `voided (at ${after.voidedAt ?? now})`,
    });
  return { changes };
}

function diffPayments(before: Order, after: Order, id: string): RevisionDiff {
  const old = new Map(before.payments.map((p, i) => [paymentKey(p, i), p]));
  const changes: OrderChange[] = [];
  for (const [i, p] of after.payments.entries()) {
    const key = paymentKey(p, i);
    const was = old.get(key);
    old.delete(key);
    if (!was) {
      changes.push({
        key: `payment:${key}`,
        kind: 'payment',
        detail: { ...p, key },
        says: `payment ${key} added (${p.amount} by ${p.method} at ${p.paidAt})`,
      });
    } else if (!same({ ...was, id: undefined }, { ...p, id: undefined }))
      return {
        refused: `order ${id} is already in Xero and this line changes its payment ${escapeControls(key)} (${was.amount} at ${was.paidAt} → ${p.amount} at ${p.paidAt}); a recorded payment is not changed: record a correction as a refund (refunds[]) or a new payment with its own id`,
      };
  }
  const gone = [...old.keys()];
  if (gone.length > 0)
    return {
      refused: `order ${id} is already in Xero and this line leaves out its payment ${gone.map(escapeControls).join(', ')}; keep every recorded payment in the list (a payment without an id is known by its position) and record money given back as a refund (refunds[])`,
    };
  return { changes };
}

function diffRefunds(before: Order, after: Order, id: string): RevisionDiff {
  const old = new Map(refundsOf(before).map((r) => [r.id, r]));
  const changes: OrderChange[] = [];
  for (const r of refundsOf(after)) {
    const was = old.get(r.id);
    old.delete(r.id);
    if (!was) {
      changes.push({
        key: `refund:${r.id}`,
        kind: 'refund',
        detail: { ...r },
        says: `refund ${r.id} added (${r.amount} at ${r.refundedAt})`,
      });
    } else if (was.amount !== r.amount || was.refundedAt !== r.refundedAt)
      return {
        refused: `order ${id} is already in Xero and this line changes its refund ${escapeControls(r.id)} (${was.amount} at ${was.refundedAt} → ${r.amount} at ${r.refundedAt}); a recorded refund is not changed: give a further refund its own id in refunds[]`,
      };
  }
  const gone = [...old.keys()];
  if (gone.length > 0)
    return {
      refused: `order ${id} is already in Xero and this line leaves out its refund ${gone.map(escapeControls).join(', ')}; keep every recorded refund in refunds[] (the old single refund has the id "refund")`,
    };
  return { changes };
}
