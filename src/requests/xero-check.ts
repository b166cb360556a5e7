import type { CreditNote, Invoice } from 'xero-node';
import { callContextFor } from '../businesses/call-context';
import { getBusiness } from '../businesses/store';
import { localDateOf } from '../calendar';
import type { ReconciliationCheck } from '../contract';
import type { Db } from '../db/pool';
import { creditNoteIdGroups } from '../engine/packing';
import { decimalFromNumber, formatDecimal, parseDecimal } from '../money';
import { INVOICE_IDS_PER_CALL } from '../xero/gateway';
import type { CallContext, XeroGateway } from '../xero/gateway';
import { heldDocuments } from './xero-check-ledger';
import type { CheckScope, HeldDocument } from './xero-check-ledger';

/**
 * "Check against Xero" (docs/reconciliation.md): reads back the documents the ledger says are in Xero for a scope,
 * through the gateway and its limiter, as cheaply as Xero allows, each call with `If-Modified-Since` its batch's
 * oldest ledger write, so Xero answers only what changed since:
 * - invoices (per order and daily summaries) by `IDs`, 50 a call, `summaryOnly`: their status, total and amount
 *   paid, which also tells a payment deleted in Xero (no call of its own: the invoice's amount paid drops);
 * - credit notes by `where` on their ids (GET /CreditNotes has no `IDs` nor `summaryOnly`), as many as the URL
 *   budget takes: their status, total and the credit left (an allocation or refund payment removed raises it).
 * Reports a document voided or deleted that the product did not void, or whose amounts are not the ledger's.
 */

export const CHECK_IDS_PER_CALL = INVOICE_IDS_PER_CALL;

export interface CheckDeps {
  db: Db;
  newXeroGateway: () => XeroGateway;
}

type Finding = ReconciliationCheck['findings'][number];

interface Read {
  kind: 'invoices' | 'credit notes';
  batch: HeldDocument[];
  where?: string;
}

/** The calls a check makes: invoices 50 ids a call, credit notes as many ids as a `where` takes. */
function readsOf(held: HeldDocument[]): Read[] {
  const reads: Read[] = [];
  const unique = (kind: HeldDocument['kind']) => {
    const byId = new Map<string, HeldDocument>();
    for (const h of held.filter((d) => d.kind === kind)) byId.set(h.xeroId.toLowerCase(), h);
    return [...byId.values()];
  };
  const invoices = unique('invoice');
  for (let i = 0; i < invoices.length; i += CHECK_IDS_PER_CALL)
    reads.push({ kind: 'invoices', batch: invoices.slice(i, i + CHECK_IDS_PER_CALL) });
  const notes = unique('credit note');
  const byId = new Map(notes.map((n) => [n.xeroId, n]));
  for (const group of creditNoteIdGroups(notes.map((n) => n.xeroId)))
    reads.push({ kind: 'credit notes', where: group.where, batch: group.ids.map((id) => byId.get(id)!) });
  return reads;
}

export async function checkAgainstXero(
  deps: CheckDeps,
  businessId: string,
  scope: CheckScope & { dryRun: boolean },
): Promise<ReconciliationCheck> {
  const business = (await getBusiness(deps.db, businessId))!;
  const held = await heldDocuments(deps.db, businessId, business.timeZone, scope);
  const reads = readsOf(held);
  const batchesOf = (kind: Read['kind']) => reads.filter((r) => r.kind === kind);
  const result: ReconciliationCheck = {
    invoices: batchesOf('invoices').reduce((n, r) => n + r.batch.length, 0),
    creditNotes: batchesOf('credit notes').reduce((n, r) => n + r.batch.length, 0),
    calls: reads.length,
    invoiceCalls: batchesOf('invoices').length,
    creditNoteCalls: batchesOf('credit notes').length,
    ran: false,
    findings: [],
  };
  if (scope.dryRun) return result;
  const xero = deps.newXeroGateway();
  const ctx = callContextFor(business);
  for (const read of reads)
    for (const [h, doc] of await readBack(xero, ctx, read)) {
      const what = changeOf(h, doc);
      if (what) result.findings.push(findingOf(h, doc, what, business.timeZone));
    }
  return { ...result, ran: true };
}

interface XeroDoc {
  status: string;
  total: string | null;
  paid: string | null;
  remaining: string | null;
}

// Xero answers amounts as JSON numbers: read at once into exact ten-thousandths (src/money.ts).
const money = (n: number | undefined) => (n === undefined ? null : formatDecimal(decimalFromNumber(n)));

/** One call: the batch's documents Xero answered (those changed since the batch's oldest ledger write). */
async function readBack(
  xero: XeroGateway,
  ctx: CallContext,
  read: Read,
): Promise<Array<[HeldDocument, XeroDoc]>> {
  const since = new Date(Math.min(...read.batch.map((h) => h.writtenAt.getTime())));
  const answered = new Map<string, XeroDoc>();
  if (read.kind === 'invoices') {
    const ids = read.batch.map((h) => h.xeroId);
    for (const i of await xero.getInvoicesByIds(ctx, ids, { summaryOnly: true, modifiedSince: since }))
      answered.set(String(i.invoiceID).toLowerCase(), invoiceDoc(i));
  } else
    for (const n of await xero.getCreditNotesWhere(ctx, read.where!, { modifiedSince: since }))
      answered.set(String(n.creditNoteID).toLowerCase(), noteDoc(n));
  return read.batch.flatMap((h) => {
    const doc = answered.get(h.xeroId.toLowerCase());
    return doc ? [[h, doc] as [HeldDocument, XeroDoc]] : []; // not answered: unchanged since the ledger's write
  });
}

const invoiceDoc = (i: Invoice): XeroDoc => ({
  status: String(i.status),
  total: money(i.total),
  paid: money(i.amountPaid),
  remaining: null,
});

const noteDoc = (n: CreditNote): XeroDoc => ({
  status: String(n.status),
  total: money(n.total),
  paid: null,
  remaining: money(n.remainingCredit),
});

const differ = (a: string | null, b: string | null) =>
  a !== null && b !== null && parseDecimal(a) !== parseDecimal(b);

/** What changed in Xero since the sync, in words; null: nothing the ledger does not know. */
function changeOf(h: HeldDocument, doc: XeroDoc): string | null {
  const gone = doc.status === 'VOIDED' || doc.status === 'DELETED';
  if (gone) return h.voidedByUs ? null : `${doc.status.toLowerCase()} in Xero since the sync`;
  if (h.voidedByUs) return 'voided by the product, but not voided in Xero';
  if (differ(doc.total, h.amount)) return `its total in Xero is ${doc.total}, the ledger keeps ${h.amount}`;
  if (differ(doc.paid, h.paid))
    return parseDecimal(doc.paid!) < parseDecimal(h.paid!)
      ? `a payment deleted in Xero since the sync: ${doc.paid} paid in Xero, the ledger keeps ${h.paid}`
      : `paid in Xero beyond what the product wrote: ${doc.paid} paid, the ledger keeps ${h.paid}`;
  if (differ(doc.remaining, h.remaining))
    return `credit left on it in Xero is ${doc.remaining}, the ledger expects ${h.remaining} (an allocation or a refund payment removed in Xero)`;
  return null;
}

function findingOf(h: HeldDocument, doc: XeroDoc, what: string, timeZone: string): Finding {
  const first = h.orders[0]!;
  return {
    day: localDateOf(first.placedAt, timeZone),
    locationId: first.location.id,
    locationName: first.location.name,
    orderId: first.id,
    orderNumber: first.number,
    invoiceNumber: h.invoiceNumber,
    amount: h.amount,
    xeroStatus: doc.status,
    xeroTotal: doc.total,
    what,
    document: h.kind,
    documentNumber: h.number,
    ...(h.summary ? { orders: h.orders.map((o) => o.number) } : {}),
  };
}
