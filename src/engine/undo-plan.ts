import type { CreditNote, Invoice } from 'xero-node';
import type { Db } from '../db/pool';
import { INVOICE_IDS_PER_CALL } from '../xero/gateway';
import type { OrganisationFacts } from '../xero/organisation';
import { bindingLock, dayOfXeroDate, xeroDay } from '../xero/organisation';
import { money2 } from '../xero/amounts';
import { decimalFromNumber, parseDecimal } from '../money';
import type { LeftInPlaceReason } from '../contract';
import type { PlannedItem, UndoAction } from './undo-ledger';
import type { UndoStep } from './undo-context';

/**
 * What an undo takes back (docs/undo.md), listed once before its first write: from the ledger, what the request
 * wrote (each order's invoice, payments and credit note, the changes later applied to them; or each daily summary),
 * then read back from Xero (GET /Invoices by IDs, 50 a call, with their payments; each credit note with its
 * allocations and refunds; the organisation's lock dates), so each take-back is one Xero already holds. A group (an
 * order, a summary) with a document in the locked period, or changed in Xero since the sync, is left whole.
 */

/** One order's or one summary's documents, as the ledger knows them. */
export interface UndoGroup {
  group: string;
  orderId: string | null;
  orderNumber: string | null;
  invoiceId: string | null;
  invoiceNumber: string | null;
  /** Xero's Total as the sync kept it; null when not kept. */
  invoiceTotal: string | null;
  /** The Reference the product wrote on the invoice (the order id), when it checks one. */
  reference: string | null;
  /** The payments the product made on the invoice; null: every payment on it is the product's (a summary). */
  paymentIds: string[] | null;
  creditNoteIds: string[];
}

interface LedgerGroupRow {
  order_id: string;
  number: string;
  invoice_number: string;
  xero_invoice_id: string;
  xero_total: string | null;
  payment_ids: string[];
  credit_note_id: string | null;
  changes: Array<Record<string, unknown>> | null;
}

/** Per-order requests: each synced order of the request, with the ids its changes left in Xero. */
async function orderGroups(db: Db, businessId: string, requestId: string): Promise<UndoGroup[]> {
  const { rows } = await db.query<LedgerGroupRow>(
    `SELECT l.order_id, o.number, l.invoice_number, l.xero_invoice_id, l.xero_total::text, l.payment_ids,
            l.credit_note_id,
            (SELECT json_agg(c.xero) FROM order_changes c WHERE c.business_id = l.business_id
               AND c.order_id = l.order_id AND c.status = 'done' AND c.xero IS NOT NULL) AS changes
     FROM order_ledger l JOIN orders o ON o.business_id = l.business_id AND o.id = l.order_id
     WHERE l.business_id = $1 AND l.request_id = $2 AND l.status = 'synced' AND l.xero_invoice_id IS NOT NULL
     ORDER BY o.placed_at, o.id`,
    [businessId, requestId],
  );
  return rows.map((r) => {
    const held = r.changes ?? [];
    const ids = (field: string) =>
      held.map((x) => x[field]).filter((v): v is string => typeof v === 'string' && v !== '');
    return {
      group: r.order_id,
      orderId: r.order_id,
      orderNumber: r.number,
      invoiceId: r.xero_invoice_id,
      invoiceNumber: r.invoice_number,
      invoiceTotal: r.xero_total === null ? null : money2(parseDecimal(r.xero_total)),
      reference: r.order_id,
      paymentIds: [...r.payment_ids, ...ids('paymentId')],
      creditNoteIds: [...new Set([r.credit_note_id, ...ids('creditNoteId')].filter((v) => v !== null))],
    };
  });
}

/** Daily-summary requests: each summary it wrote (invoice or credit note) that Xero holds, undone by no one yet. */
async function summaryGroups(db: Db, businessId: string, requestId: string): Promise<UndoGroup[]> {
  const { rows } = await db.query<{
    number: string;
    kind: string;
    xero_id: string;
    xero_total: string | null;
  }>(
    `SELECT number, kind, xero_id, xero_total FROM summaries
     WHERE business_id = $1 AND request_id = $2 AND xero_id IS NOT NULL AND undone_by IS NULL
     ORDER BY kind DESC, number`,
    [businessId, requestId],
  );
  return rows.map((r) => ({
    group: r.number,
    orderId: null,
    orderNumber: null,
    invoiceId: r.kind === 'invoice' ? r.xero_id : null,
    invoiceNumber: r.kind === 'invoice' ? r.number : null,
    invoiceTotal: r.kind === 'invoice' && r.xero_total ? money2(parseDecimal(r.xero_total)) : null,
    reference: null,
    paymentIds: null,
    creditNoteIds: r.kind === 'credit_note' ? [r.xero_id] : [],
  }));
}

export async function undoGroups(
  db: Db,
  businessId: string,
  requestId: string,
  posting: 'per-order' | 'daily-summary',
): Promise<UndoGroup[]> {
  return posting === 'daily-summary'
    ? summaryGroups(db, businessId, requestId)
    : orderGroups(db, businessId, requestId);
}

const GONE = new Set(['VOIDED', 'DELETED']);
const isGone = (doc: { status?: unknown }) => GONE.has(String(doc.status));
const actionOf = (doc: { status?: unknown }): UndoAction =>
  ['DRAFT', 'SUBMITTED'].includes(String(doc.status)) ? 'delete' : 'void';
const amountOf = (n: number | undefined) => money2(decimalFromNumber(n ?? 0));

/** What Xero holds of one group's documents. */
interface Held {
  invoice: Invoice | undefined;
  notes: CreditNote[];
}

/** Why a group stays in Xero as it is, found before any write (locked period, changed since the sync), or null. */
function groupProblem(
  g: UndoGroup,
  held: Held,
  facts: OrganisationFacts | null,
): { reason: LeftInPlaceReason; detail: string } | null {
  const { invoice, notes } = held;
  if (invoice && !isGone(invoice)) {
    const total = amountOf(invoice.total);
    if (g.invoiceTotal !== null && total !== g.invoiceTotal)
      return changed(
        `its invoice ${g.invoiceNumber}'s total in Xero is ${total}; the sync left ${g.invoiceTotal}`,
      );
    if (g.reference !== null && (invoice.reference ?? '') !== g.reference)
      return changed(
        `its invoice ${g.invoiceNumber}'s Reference was changed in Xero to "${invoice.reference ?? ''}"`,
      );
    const foreign = (invoice.payments ?? []).find(
      (p) => g.paymentIds && !g.paymentIds.includes(p.paymentID!),
    );
    if (foreign)
      return changed(
        `a payment of ${amountOf(foreign.amount)} on invoice ${g.invoiceNumber} was not made by this product`,
      );
  }
  const lock = facts ? bindingLock(facts) : null;
  if (!lock) return null;
  const dated = [
    ...(invoice && !isGone(invoice) ? [{ what: `invoice ${g.invoiceNumber}`, date: invoice.date }] : []),
    ...(invoice?.payments ?? []).map((p) => ({
      what: `a payment on invoice ${g.invoiceNumber}`,
      date: p.date,
    })),
    ...notes
      .filter((n) => !isGone(n))
      .flatMap((n) => [
        { what: `credit note ${n.creditNoteNumber}`, date: n.date },
        ...(n.allocations ?? []).map((a) => ({
          what: `an allocation of ${n.creditNoteNumber}`,
          date: a.date,
        })),
        ...(n.payments ?? []).map((p) => ({ what: `a refund of ${n.creditNoteNumber}`, date: p.date })),
      ]),
  ];
  for (const d of dated) {
    const day = dayOfXeroDate(d.date);
    if (day && day <= lock.date)
      return {
        reason: 'locked_period',
        detail: `${d.what} is dated ${xeroDay(day)}, on or before Xero's ${lock.kind} lock date ${xeroDay(lock.date)}: Xero refuses to change it`,
      };
  }
  return null;
}

function changed(detail: string): { reason: LeftInPlaceReason; detail: string } {
  return { reason: 'changed_in_xero', detail: `changed in Xero since the sync: ${detail}` };
}

/** The take-backs of one group, from what Xero holds: payments, refunds, allocations, credit notes, the invoice. */
export function groupItems(g: UndoGroup, held: Held, facts: OrganisationFacts | null): PlannedItem[] {
  const base = { group: g.group, orderId: g.orderId, orderNumber: g.orderNumber, reason: null, detail: null };
  const items: PlannedItem[] = [];
  const { invoice } = held;
  for (const p of invoice?.payments ?? [])
    items.push({
      ...base,
      kind: 'payment',
      action: 'delete',
      xeroId: p.paymentID!,
      parentId: g.invoiceId,
      number: g.invoiceNumber,
      amount: amountOf(p.amount),
      status: 'due',
    });
  for (const n of held.notes) {
    const note = { ...base, parentId: n.creditNoteID!, number: n.creditNoteNumber ?? null };
    if (isGone(n)) {
      items.push({
        ...note,
        kind: 'credit_note',
        action: 'void',
        xeroId: n.creditNoteID!,
        parentId: null,
        amount: amountOf(n.total),
        status: 'done',
        detail: `already ${String(n.status).toLowerCase()} in Xero`,
      });
      continue;
    }
    for (const r of n.payments ?? [])
      items.push({
        ...note,
        kind: 'refund',
        action: 'delete',
        xeroId: r.paymentID!,
        amount: amountOf(r.amount),
        status: 'due',
      });
    for (const a of n.allocations ?? [])
      if (a.allocationID)
        items.push({
          ...note,
          kind: 'allocation',
          action: 'remove',
          xeroId: a.allocationID,
          amount: amountOf(a.amount),
          status: 'due',
        });
    items.push({
      ...note,
      kind: 'credit_note',
      action: actionOf(n),
      xeroId: n.creditNoteID!,
      parentId: null,
      amount: amountOf(n.total),
      status: 'due',
    });
  }
  if (g.invoiceId) {
    const gone = !invoice || isGone(invoice);
    items.push({
      ...base,
      kind: 'invoice',
      action: invoice ? actionOf(invoice) : 'void',
      xeroId: g.invoiceId,
      parentId: null,
      number: g.invoiceNumber,
      amount: invoice ? amountOf(invoice.total) : g.invoiceTotal,
      status: gone ? 'done' : 'due',
      detail: gone
        ? invoice
          ? `already ${String(invoice.status).toLowerCase()} in Xero`
          : 'no longer in Xero'
        : null,
    });
  }
  const problem = groupProblem(g, held, facts);
  if (!problem) return items;
  return items.map((i) => (i.status === 'done' ? i : { ...i, status: 'left', ...problem }));
}

/** Reads back what Xero holds of the groups: invoices by IDs (50 a call, with payments), each credit note. */
export async function readHeld(step: UndoStep, groups: UndoGroup[]): Promise<Map<string, Held>> {
  const invoiceIds = groups.map((g) => g.invoiceId).filter((id): id is string => id !== null);
  const invoices = new Map<string, Invoice>();
  for (let i = 0; i < invoiceIds.length; i += READ_BATCH) {
    const page = await step.xero.getInvoicesByIds(step.ctx, invoiceIds.slice(i, i + READ_BATCH), {
      summaryOnly: false,
    });
    for (const inv of page) if (inv.invoiceID) invoices.set(inv.invoiceID.toLowerCase(), inv);
    step.checkpoint();
  }
  const held = new Map<string, Held>();
  for (const g of groups) {
    const notes: CreditNote[] = [];
    for (const id of g.creditNoteIds) {
      const note = await step.xero.getCreditNote(step.ctx, id);
      if (note) notes.push(note);
    }
    held.set(g.group, { invoice: g.invoiceId ? invoices.get(g.invoiceId.toLowerCase()) : undefined, notes });
  }
  return held;
}

/** GET /Invoices by IDs: as many as its URL holds (as "Check against Xero" reads them). */
export const READ_BATCH = INVOICE_IDS_PER_CALL;

/** The calls an undo of these groups reads with before writing: the organisation, invoices by IDs, each note. */
export function readCalls(invoices: number, creditNotes: number): number {
  return 1 + Math.ceil(invoices / READ_BATCH) + creditNotes;
}
