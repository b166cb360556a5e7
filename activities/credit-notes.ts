import { createHash } from 'node:crypto';
import type { Order } from '../src/orders/schema';
import type { Dependencies } from '../src/runtime';
import { mapOrder } from '../src/sync/invoice-mapping';
import type { CreditNotePlan, MappingSettings } from '../src/sync/invoice-mapping';
import {
  claimFollowUp,
  completeFollowUp,
  ledgerRows,
  recordMoneyChecks,
  recordOutcomes,
  setCreditNoteId,
} from '../src/sync/ledger';
import type { LedgerRow } from '../src/sync/ledger';
import { checkAllocation, checkCreditNoteTotals, checkRefundPayment } from '../src/sync/money-checks';
import type { CallContext, XeroGateway } from '../src/xero/gateway';
import { elementErrors, toXeroCreditNote } from '../src/xero/wire';

/**
 * Refunded orders: a credit note, allocated to the invoice for what is still due, with the rest paid back to the
 * customer (see the CREDIT-NOTE POLICY in src/sync/invoice-mapping.ts). Exactly once: the order is claimed in
 * the ledger, the credit note's id is saved the moment Xero answers, and a claim left pending by a crash is
 * settled by asking Xero (by credit note number, then by the invoice's allocations and the note's payments).
 */
export async function recordCreditNotes(
  deps: Dependencies,
  xero: XeroGateway,
  ctx: CallContext,
  settings: MappingSettings,
  orders: Order[],
  requestId: string,
): Promise<void> {
  if (settings.invoiceStatus !== 'AUTHORISED') return; // allocations need an AUTHORISED invoice
  const refunded = orders.filter((o) => o.status === 'refunded');
  if (refunded.length === 0) return;
  const ledger = await ledgerRows(
    deps.db,
    ctx.businessId,
    refunded.map((o) => o.id),
  );
  const resumed = refunded.filter((o) => ledger.get(o.id)?.creditNoteStatus === 'pending');
  const claimed = await claimFollowUp(
    deps.db,
    ctx.businessId,
    'credit_note_status',
    refunded.map((o) => o.id),
  );
  for (const order of refunded) {
    const row = ledger.get(order.id);
    if (!row?.xeroInvoiceId || !(claimed.has(order.id) || resumed.includes(order))) continue;
    const error = await creditOne(
      { deps, xero, ctx, settings, requestId },
      order,
      row,
      resumed.includes(order),
    );
    if (error) await recordOutcomes(deps.db, requestId, [{ orderId: order.id, outcome: 'failed', error }]);
  }
}

interface CreditRun {
  deps: Dependencies;
  xero: XeroGateway;
  ctx: CallContext;
  settings: MappingSettings;
  requestId: string;
}

/** One order's credit note, allocation and refund; returns an error message, or null when all is in Xero. */
async function creditOne(
  run: CreditRun,
  order: Order,
  row: LedgerRow,
  resumed: boolean,
): Promise<string | null> {
  const contact = row.xeroContactId
    ? { contactId: row.xeroContactId }
    : { name: order.customer?.name ?? order.location.name };
  const mapped = mapOrder(order, run.settings, contact);
  if (mapped.kind !== 'invoice' || !mapped.creditNote) return mapped.kind === 'error' ? mapped.message : null;
  const plan = mapped.creditNote;
  const found = resumed ? (row.creditNoteId ?? (await findCreditNote(run, plan))) : null;
  const creditNoteId = found ?? (await createCreditNote(run, order, plan));
  if (typeof creditNoteId !== 'string') return creditNoteId.error;
  await setCreditNoteId(run.deps.db, run.ctx.businessId, order.id, creditNoteId);
  const applied = await applyCredit(run, order, row, plan, creditNoteId, found !== null);
  if (applied) return applied;
  await completeFollowUp(run.deps.db, run.ctx.businessId, 'credit_note_status', [
    { orderId: order.id, ids: [creditNoteId] },
  ]);
  return null;
}

async function findCreditNote(run: CreditRun, plan: CreditNotePlan): Promise<string | null> {
  const number = plan.creditNote.CreditNoteNumber.replace(/"/g, '');
  const notes = await run.xero.getCreditNotesWhere(run.ctx, `CreditNoteNumber=="${number}"`);
  const note = notes.find(
    (n) =>
      n.creditNoteNumber === plan.creditNote.CreditNoteNumber && n.reference === plan.creditNote.Reference,
  );
  return note?.creditNoteID ?? null;
}

async function createCreditNote(
  run: CreditRun,
  order: Order,
  plan: CreditNotePlan,
): Promise<string | { error: string }> {
  const note = toXeroCreditNote(plan.creditNote);
  const key = keyFor(order.id, 'credit-note', note);
  const [result] = await run.xero.createCreditNotes(run.ctx, [note], { idempotencyKey: key });
  const errors = result ? elementErrors(result) : ['Xero returned no element for this credit note'];
  if (errors.length > 0 || !result?.creditNoteID)
    return { error: `Invoice created, but its credit note was refused: ${errors.join('; ')}` };
  // Money check (src/sync/money-checks.ts): the credit note's totals against the refund, flagged on the ledger row.
  const mismatch = checkCreditNoteTotals(order, plan, run.settings, result);
  await recordMoneyChecks(run.deps.db, run.ctx.businessId, 'credit_note', [{ orderId: order.id, mismatch }]);
  return result.creditNoteID;
}

/** Allocation and refund; when resuming, each is skipped if Xero already shows it. */
async function applyCredit(
  run: CreditRun,
  order: Order,
  row: LedgerRow,
  plan: CreditNotePlan,
  creditNoteId: string,
  checkFirst: boolean,
): Promise<string | null> {
  const existing = checkFirst ? await run.xero.getCreditNote(run.ctx, creditNoteId) : undefined;
  const allocated = (existing?.allocations ?? []).some((a) => a.invoice?.invoiceID === row.xeroInvoiceId);
  if (plan.allocationAmount !== '0.00' && !allocated) {
    const allocation = {
      invoice: { invoiceID: row.xeroInvoiceId! },
      amount: Number(plan.allocationAmount),
      date: plan.creditNote.Date,
    };
    const [result] = await run.xero.allocateCreditNote(run.ctx, creditNoteId, allocation, {
      idempotencyKey: keyFor(order.id, 'allocation', allocation),
    });
    const errors = result ? elementErrors(result as Parameters<typeof elementErrors>[0]) : [];
    if (errors.length > 0) return `Credit note created, but its allocation was refused: ${errors.join('; ')}`;
    const mismatch = result ? checkAllocation(plan, result) : null; // money check, as above
    await recordMoneyChecks(run.deps.db, run.ctx.businessId, 'allocation', [{ orderId: order.id, mismatch }]);
  }
  const refund = plan.refundPayment;
  if (!refund || (existing?.payments ?? []).length > 0) return null;
  const payment = {
    creditNote: { creditNoteID: creditNoteId },
    account: { code: refund.accountCode },
    date: refund.date,
    amount: Number(refund.amount),
  };
  const [result] = await run.xero.createPayments(run.ctx, [payment], {
    idempotencyKey: keyFor(order.id, 'refund', payment),
  });
  const errors = result ? elementErrors(result) : ['Xero returned no element for this refund'];
  if (errors.length > 0)
    return `Credit note created, but the refund payment was refused: ${errors.join('; ')}`;
  const mismatch = result ? checkRefundPayment(plan, result) : null; // money check, as above
  await recordMoneyChecks(run.deps.db, run.ctx.businessId, 'refund', [{ orderId: order.id, mismatch }]);
  return null;
}

/** Per order and content, so a retry of the same write replays Xero's first answer. */
function keyFor(orderId: string, what: string, body: unknown): string {
  return createHash('sha256')
    .update(`${orderId}|${what}|${JSON.stringify(body)}`)
    .digest('hex');
}
