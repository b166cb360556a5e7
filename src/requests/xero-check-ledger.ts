import { rangeUtc } from '../calendar';
import type { Db } from '../db/pool';
import { formatDecimal, parseDecimal, sumDecimal } from '../money';
import { combinedRefund } from '../orders/revisions';
import type { Order } from '../orders/schema';

/**
 * What "Check against Xero" reads back (docs/reconciliation.md): every document the ledger says is in Xero for a
 * scope, with what the ledger keeps of it. Per order: its invoice (its total as Xero answered, the payments the
 * product wrote on it), its credit notes (the first sync's, each refund's or void's). Per daily summary: its invoice
 * (its payments as written) and its credit notes (what their allocations and refund payments left of them).
 */

export interface CheckScope {
  startDate: string;
  endDate: string;
  channel?: string;
  locationId?: string;
}

export interface HeldDocument {
  kind: 'invoice' | 'credit note';
  xeroId: string;
  number: string;
  /** The invoice the document belongs to (a credit note: its order's invoice, or its summary's number). */
  invoiceNumber: string;
  /** The total the ledger keeps (Xero's answer where kept). */
  amount: string;
  /** Invoices: what the ledger says is paid on it (null: not compared). */
  paid: string | null;
  /** Credit notes: the credit the ledger says is left on it (null: not compared). */
  remaining: string | null;
  /** The product voided the order: its documents are expected voided. */
  voidedByUs: boolean;
  /** The ledger's write of the document: Xero is asked only for what changed since. */
  writtenAt: Date;
  /** The orders of the scope it holds (a summary's: many); the first names a finding. */
  orders: Order[];
  /** A daily summary's document. */
  summary: boolean;
}

const money = (d: bigint) => formatDecimal(d);

/** The scope's orders as a WHERE on `orders o`, and its parameters. */
function scopeWhere(timeZone: string, scope: CheckScope, businessId: string) {
  const { fromUtc, toUtcExclusive } = rangeUtc(scope.startDate, scope.endDate, timeZone);
  const params: unknown[] = [businessId, fromUtc, toUtcExclusive];
  const where = ['o.business_id = $1', 'o.placed_at >= $2', 'o.placed_at < $3'];
  if (scope.channel) where.push(`o.channel = $${params.push(scope.channel)}`);
  if (scope.locationId) where.push(`o.location_id = $${params.push(scope.locationId)}`);
  return { params, where: where.join(' AND ') };
}

export async function heldDocuments(
  db: Db,
  businessId: string,
  timeZone: string,
  scope: CheckScope,
): Promise<HeldDocument[]> {
  const q = scopeWhere(timeZone, scope, businessId);
  return [...(await perOrder(db, q)), ...(await summaries(db, q))];
}

interface PerOrderRow {
  base: Order;
  latest: Order;
  invoice_number: string;
  xero_invoice_id: string;
  amount: string;
  payments_status: string;
  credit_note_id: string | null;
  credit_note_status: string;
  voided_by_us: boolean;
  written_at: Date;
  changes: Array<{ kind: string; xero: Record<string, unknown>; at: string }>;
}

/** Orders sent one invoice each (not in a daily summary): the invoice and the credit notes of each. */
async function perOrder(db: Db, q: { params: unknown[]; where: string }): Promise<HeldDocument[]> {
  const { rows } = await db.query<PerOrderRow>(
    `SELECT o.payload AS base, COALESCE(r.payload, o.payload) AS latest, l.invoice_number, l.xero_invoice_id,
            COALESCE((SELECT (c.xero->>'total') FROM order_changes c WHERE c.business_id = o.business_id
                        AND c.order_id = o.id AND c.kind = 'amend' AND c.status = 'done'
                      ORDER BY c.updated_at DESC LIMIT 1),
                     to_char(l.xero_total, 'FM9999999999990.00'), o.payload->>'total') AS amount,
            l.payments_status, l.credit_note_id, l.credit_note_status,
            EXISTS (SELECT 1 FROM order_changes c WHERE c.business_id = o.business_id AND c.order_id = o.id
                      AND c.kind = 'void' AND c.status = 'done' AND (c.xero->>'voided')::boolean) AS voided_by_us,
            l.updated_at AS written_at,
            COALESCE((SELECT jsonb_agg(jsonb_build_object('kind', c.kind, 'xero', c.xero, 'at', c.updated_at))
                      FROM order_changes c WHERE c.business_id = o.business_id AND c.order_id = o.id
                        AND c.status = 'done'), '[]'::jsonb) AS changes
     FROM orders o
     JOIN order_ledger l ON l.business_id = o.business_id AND l.order_id = o.id
       AND l.status = 'synced' AND l.xero_invoice_id IS NOT NULL
     LEFT JOIN order_revisions r ON r.business_id = o.business_id AND r.order_id = o.id AND r.revision = o.revision
     WHERE ${q.where} AND NOT EXISTS (SELECT 1 FROM summary_orders so JOIN summaries s
       ON s.business_id = so.business_id AND s.number = so.number
       WHERE so.business_id = o.business_id AND so.order_id = o.id AND so.kind = 'invoice' AND s.xero_id IS NOT NULL)
     ORDER BY o.placed_at, o.id`,
    q.params,
  );
  return rows.flatMap((r) => documentsOf(r));
}

function documentsOf(r: PerOrderRow): HeldDocument[] {
  const common = {
    invoiceNumber: r.invoice_number,
    voidedByUs: r.voided_by_us,
    orders: [r.latest],
    summary: false,
  };
  const later = r.changes.filter((c) => c.kind === 'payment').map((c) => parseDecimal(String(c.xero.amount)));
  const first = r.payments_status === 'done' ? r.base.payments.map((p) => parseDecimal(p.amount)) : [];
  const docs: HeldDocument[] = [
    {
      ...common,
      kind: 'invoice',
      xeroId: r.xero_invoice_id,
      number: r.invoice_number,
      amount: r.amount,
      paid: money(sumDecimal([...first, ...later])),
      remaining: null,
      writtenAt: new Date(r.written_at),
    },
  ];
  if (r.credit_note_id && r.credit_note_status === 'done')
    docs.push({
      ...common,
      kind: 'credit note',
      xeroId: r.credit_note_id,
      number: `${r.invoice_number}-CN`,
      amount: combinedRefund(r.base)?.amount ?? r.base.total,
      paid: null,
      remaining: null,
      writtenAt: new Date(r.written_at),
    });
  for (const c of r.changes.filter((x) => typeof x.xero.creditNoteId === 'string'))
    docs.push({
      ...common,
      kind: 'credit note',
      xeroId: String(c.xero.creditNoteId),
      number: String(c.xero.creditNoteNumber ?? c.xero.creditNoteId),
      amount: String(c.xero.total ?? c.xero.credit),
      paid: null,
      remaining: String(c.xero.creditLeft ?? '0.00'),
      writtenAt: new Date(c.at),
    });
  return docs;
}

interface SummaryRow {
  kind: 'invoice' | 'credit_note';
  number: string;
  xero_id: string;
  amount: string;
  stage: string;
  document: {
    payments?: Array<{ amount: string }>;
    allocations?: Array<{ amount: string }>;
    refundPayments?: Array<{ amount: string }>;
  };
  invoice_number: string | null;
  voided_by_us: boolean;
  written_at: Date;
  orders: Order[];
}

/** Daily summaries holding orders of the scope, each once with those orders. */
async function summaries(db: Db, q: { params: unknown[]; where: string }): Promise<HeldDocument[]> {
  const { rows } = await db.query<SummaryRow>(
    `SELECT s.kind, s.number, s.xero_id, COALESCE(s.xero_total, s.expected_total) AS amount, s.stage, s.document,
            false AS voided_by_us, s.updated_at AS written_at,
            jsonb_agg(COALESCE(r.payload, o.payload) ORDER BY o.placed_at, o.id) AS orders,
            (array_agg((SELECT i.number FROM summary_orders i WHERE i.business_id = o.business_id
                          AND i.order_id = o.id AND i.kind = 'invoice' LIMIT 1) ORDER BY o.placed_at, o.id))[1]
              AS invoice_number
     FROM summaries s
     JOIN summary_orders so ON so.business_id = s.business_id AND so.number = s.number
     JOIN orders o ON o.business_id = so.business_id AND o.id = so.order_id
     LEFT JOIN order_revisions r ON r.business_id = o.business_id AND r.order_id = o.id AND r.revision = o.revision
     WHERE ${q.where} AND s.xero_id IS NOT NULL
     GROUP BY s.business_id, s.number
     ORDER BY min(o.placed_at), s.number`,
    q.params,
  );
  return rows.map((s) => {
    const sum = (xs: Array<{ amount: string }> | undefined) =>
      sumDecimal((xs ?? []).map((x) => parseDecimal(x.amount)));
    const done = s.stage === 'done';
    const invoice = s.kind === 'invoice';
    return {
      kind: invoice ? 'invoice' : 'credit note',
      xeroId: s.xero_id,
      number: s.number,
      invoiceNumber: invoice ? s.number : (s.invoice_number ?? s.number),
      amount: money(parseDecimal(s.amount)),
      paid: invoice && done ? money(sum(s.document.payments)) : null,
      remaining:
        !invoice && done
          ? money(parseDecimal(s.amount) - sum(s.document.allocations) - sum(s.document.refundPayments))
          : null,
      voidedByUs: s.voided_by_us,
      writtenAt: new Date(s.written_at),
      orders: s.orders,
      summary: true,
    };
  });
}
