import { createHash } from 'node:crypto';
import type { Payment } from 'xero-node';
import { parseDecimal } from '../money';
import type { Order } from '../orders/schema';
import { combinedRefund } from '../orders/revisions';
import { ordersByIds } from '../orders/store';
import { mapOrder, paymentsFor } from './invoice-mapping';
import { lockedProblem } from './organisation-rules';
import { localDateOf } from '../calendar';
import type { CreditNotePlan } from './invoice-mapping';
import {
  claimFollowUps,
  completeFollowUps,
  recordCreditNote,
  recordMoneyChecks,
  recordOrders,
  releaseFollowUps,
  releaseToSettle,
} from './ledger';
import type { LedgerRow } from './ledger';
import type { FollowUp } from './work-queue';
import { checkAllocation, checkCreditNoteTotals, checkPayments, checkRefundPayment } from './money-checks';
import { creditNoteNumberGroups, invoiceNumberGroups, packByElements, WRITE_BATCH } from './packing';
import type { WorkItem } from './work-queue';
import { parseXeroError } from '../xero/errors';
import { DailyQuotaExhausted } from '../xero/limiter';
import { elementErrors, toXeroCreditNote, toXeroPayment } from '../xero/wire';
import { PauseRequested } from './step';
import type { Step } from './step';

/**
 * What follows an invoice: its payments, and for a refunded order a credit note, allocated to what is still due
 * with the rest paid back (CREDIT-NOTE POLICY in src/engine/invoice-mapping.ts). These wait in the request's work
 * queue until a Xero batch is full (50 elements), so a year of orders costs as few calls as Xero's batching
 * allows; the last, partly full batches go when the walk is over. Payments and refunds share PUT /Payments;
 * allocations have no batch endpoint across credit notes and go one per call as they come.
 *
 * Exactly once: each write is claimed in the ledger first; a claim left by a crash is settled by asking Xero
 * whether the write happened; a claim another writer still holds is left for later.
 */
export function followUpsOf(step: Step, order: Order, row: LedgerRow, placedAt: string): WorkItem[] {
  if (row.status !== 'synced' || step.settings.invoiceStatus !== 'AUTHORISED') return [];
  const items: WorkItem[] = [];
  const item = (kind: FollowUp, elements = 1) => items.push({ kind, orderId: order.id, placedAt, elements });
  const paid = step.input.options.recordPayments
    ? order.payments.filter((p) => parseDecimal(p.amount) !== 0n)
    : [];
  if (paid.length > 0 && row.paymentsStatus !== 'done') item('payments', paid.length);
  if (order.status === 'refunded') {
    if (row.creditNoteStatus !== 'done') item('credit_note');
    else {
      if (row.refundStatus !== 'done') item('refund');
      if (row.allocationStatus !== 'done') item('allocation');
    }
  }
  return items;
}

/**
 * Why follow-ups of an order already in Xero cannot be written: one of them is dated in the organisation's locked
 * period. Then none is queued (a payment without the credit note's allocation would half-write the books) and the
 * order fails in this request, with the lock date and what to do; its invoice stays as it is, and a retry of the
 * failed orders, once the lock date has moved, writes them.
 */
export function lockedFollowUps(step: Step, order: Order, items: WorkItem[]): string | null {
  if (items.length === 0) return null;
  const { timeZone } = step.settings;
  const refundDay = localDateOf(combinedRefund(order)?.refundedAt ?? order.placedAt, timeZone);
  const documents = items.flatMap((item) =>
    item.kind === 'payments'
      ? order.payments
          .filter((p) => parseDecimal(p.amount) !== 0n)
          .map((p) => ({ what: 'a payment', day: localDateOf(p.paidAt, timeZone) }))
      : [{ what: item.kind === 'credit_note' ? 'its refund' : `its refund's ${item.kind}`, day: refundDay }],
  );
  const label = `Order ${order.number} (${order.id}), whose invoice is already in Xero`;
  return lockedProblem(label, documents, step.facts);
}

/**
 * Beside the walk: writes one full batch, credit notes first (their refunds then join the payment batches), and
 * answers whether it wrote or settled any, so the step's writers take turns batch by batch: a full credit-note
 * batch never waits behind a long run of payment batches. Items another writer holds (`busy`) are passed over for
 * the rest of the step; the final flush waits for them.
 */
export async function flushFullBatch(step: Step, busy: Set<string>): Promise<boolean> {
  const pass = { final: false, once: true, busy };
  if ((await available(step, ['credit_note'])) >= WRITE_BATCH)
    if (await flushKind(step, ['credit_note'], pass, writeCreditNotes)) return true;
  if ((await available(step, ['payments', 'refund'])) >= WRITE_BATCH)
    if (await flushKind(step, ['payments', 'refund'], pass, writePayments)) return true;
  // Allocations have no batch: each goes as it comes.
  if ((await available(step, ['allocation'])) > 0)
    return flushKind(step, ['allocation'], { ...pass, final: true }, writeAllocations, 1);
  return false;
}

/**
 * The walk is over: writes everything waiting, full batches or not. `parallel` writers work each kind at once
 * (their claims keep them on different orders; the limiter keeps the calls within its limits). Returns whether
 * work is left (held by others).
 */
export async function flushFollowUps(step: Step, parallel = 1): Promise<boolean> {
  const all = (kinds: FollowUp[], write: Writer, batchSize = WRITE_BATCH) =>
    Promise.all(
      Array.from({ length: parallel }, () =>
        flushKind(step, kinds, { final: true, busy: new Set() }, write, batchSize),
      ),
    );
  // The final flush runs alone (the walk and its flushes are over): it asks the table, never the kept counts.
  const waiting = await step.work.waiting(true);
  // Credit notes first: their refunds then join the payment batches.
  if (waiting.credit_note > 0) await all(['credit_note'], writeCreditNotes);
  const after = await step.work.waiting(true);
  if (after.payments + after.refund > 0) await all(['payments', 'refund'], writePayments);
  await all(['allocation'], writeAllocations, 1);
  const left = await step.work.waiting(true);
  return Object.values(left).some((n) => n > 0);
}

type Writer = (step: Step, batch: Claimed[]) => Promise<void>;

interface Claimed {
  item: WorkItem;
  order: Order;
  row: LedgerRow;
  /** Left pending by a crash: ask Xero first. */
  stale: boolean;
}

/** How a writer goes through the queue: full batches only unless `final`; one batch only with `once`. */
interface Pass {
  final: boolean;
  once?: boolean;
  /** Items whose claim another writer holds: passed over. */
  busy: Set<string>;
}

/**
 * Batches of these kinds until none is left that can be written now (or, with `once`, one written). Answers
 * whether any batch was written or settled.
 */
async function flushKind(
  step: Step,
  kinds: FollowUp[],
  pass: Pass,
  write: Writer,
  batchSize = WRITE_BATCH,
): Promise<boolean> {
  const { final, busy } = pass;
  const { taken } = step.work;
  const key = (i: WorkItem) => `${i.kind} ${i.orderId}`;
  let progressed = false;
  for (;;) {
    // Beside the walk, the kept counts say when no full batch is left for this writer, without asking the table.
    if (!final && (await available(step, kinds)) < batchSize) return progressed;
    const peeked = await step.work.peek(kinds, busy.size + taken.size + 2 * batchSize);
    // Taken by this step's other writers (between the peek and here nothing else runs): never in two batches.
    const items = peeked.filter((i) => !busy.has(key(i)) && !taken.has(key(i)));
    const size = items.reduce((n, i) => n + i.elements, 0);
    if (items.length === 0 || (!final && size < batchSize)) return progressed;
    const [batch = []] = packByElements(items, (i) => i.elements, batchSize);
    for (const i of batch) taken.set(key(i), i);
    try {
      const claimed = await claim(step, batch, busy);
      if (claimed.length > 0) await write(step, claimed);
      // Written, or settled (already done): either way the batch left the queue.
      if (batch.some((i) => !busy.has(key(i)))) progressed = true;
    } finally {
      for (const i of batch) taken.delete(key(i));
    }
    if (pass.once && progressed) return true;
  }
}

/** Elements of these kinds waiting, as the step's queue keeps count, less those its writers hold in a batch. */
async function available(step: Step, kinds: FollowUp[]): Promise<number> {
  const waiting = await step.work.waiting();
  let n = kinds.reduce((sum, kind) => sum + waiting[kind], 0);
  for (const item of step.work.taken.values()) if (kinds.includes(item.kind)) n -= item.elements;
  return n;
}

/** Claims the batch's writes; settled ones leave the queue, busy ones are skipped for now. */
async function claim(step: Step, batch: WorkItem[], busy: Set<string>): Promise<Claimed[]> {
  const { db } = step.deps;
  const ids = batch.map((i) => i.orderId);
  const missing = ids.filter((id) => !step.orders.has(id));
  const read = await ordersByIds(db, step.input.businessId, missing);
  const orders = new Map([
    ...ids.flatMap((id) => (step.orders.has(id) ? [[id, step.orders.get(id)!] as const] : [])),
    ...read,
  ]);
  const claimed: Claimed[] = [];
  const gone: WorkItem[] = [];
  for (const kind of new Set(batch.map((i) => i.kind))) {
    const ofKind = batch.filter((i) => i.kind === kind);
    const claims = await claimFollowUps(
      db,
      step.input.businessId,
      kind,
      ofKind.map((i) => i.orderId),
      step.who,
    );
    for (const item of ofKind) {
      const order = orders.get(item.orderId);
      const row = claims.rows.get(item.orderId);
      if (claims.busy.has(item.orderId)) busy.add(`${kind} ${item.orderId}`);
      else if (!order || !row || claims.settled.has(item.orderId)) gone.push(item);
      else claimed.push({ item, order, row, stale: claims.stale.has(item.orderId) });
    }
  }
  await step.work.remove(gone);
  return claimed;
}

/**
 * Runs a write. If it fails, nothing of ours is in flight any more: a write that was never sent (the daily
 * budget is spent, or the request is pausing) gives its claims back; one whose outcome is unknown leaves them for the next claimant to
 * settle by asking Xero.
 */
async function guarded<T>(step: Step, batch: Claimed[], write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const notSent = err instanceof DailyQuotaExhausted || err instanceof PauseRequested;
    const giveBack = notSent ? releaseFollowUps : releaseToSettle;
    for (const kind of new Set(batch.map((c) => c.item.kind)))
      await giveBack(
        step.deps.db,
        step.input.businessId,
        kind,
        batch.filter((c) => c.item.kind === kind).map((c) => c.order.id),
      );
    throw err;
  }
}

async function fail(step: Step, failures: Array<{ claimed: Claimed; error: string }>): Promise<void> {
  for (const kind of new Set(failures.map((f) => f.claimed.item.kind)))
    await releaseFollowUps(
      step.deps.db,
      step.input.businessId,
      kind,
      failures.filter((f) => f.claimed.item.kind === kind).map((f) => f.claimed.order.id),
    );
  await recordOrders(step.deps.db, step.input.businessId, step.input.requestId, {
    outcomes: failures.map((f) => ({
      orderId: f.claimed.order.id,
      outcome: 'failed' as const,
      error: f.error,
    })),
  });
}

function keyOf(step: Step, what: string, body: unknown): string {
  return createHash('sha256')
    .update(`${step.input.requestId}|${what}|${JSON.stringify(body)}`)
    .digest('hex');
}

function creditPlanOf(step: Step, c: Pick<Claimed, 'order' | 'row'>): CreditNotePlan | string {
  const contact = c.row.xeroContactId
    ? { contactId: c.row.xeroContactId }
    : { name: c.order.customer?.name ?? c.order.location.name };
  const mapped = mapOrder(c.order, step.settings, contact);
  if (mapped.kind === 'error') return mapped.message;
  if (mapped.kind !== 'invoice' || !mapped.creditNote) return 'no credit note was planned';
  // The note follows the invoice's number as the ledger keeps it: `<number>-R2-CN` once the invoice was renumbered
  // (its first number held by its own voided invoice, docs/reconciliation.md), as a stale note is looked up.
  const number = `${c.row.invoiceNumber}-CN`;
  const plan = mapped.creditNote;
  if (plan.creditNote.CreditNoteNumber === number) return plan;
  return {
    ...plan,
    creditNote: { ...plan.creditNote, CreditNoteNumber: number },
    ...(plan.refundPayment ? { refundPayment: { ...plan.refundPayment, creditNoteNumber: number } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Payments and refunds (PUT /Payments takes both)

interface PaymentElement {
  claimed: Claimed;
  payment: Payment;
}

async function writePayments(step: Step, batch: Claimed[]): Promise<void> {
  const settled = await settleStale(step, batch);
  const todo = batch.filter((c) => !settled.has(`${c.item.kind} ${c.order.id}`));
  const elements: PaymentElement[] = [];
  const failures: Array<{ claimed: Claimed; error: string }> = [];
  const nothingToPay: Claimed[] = [];
  for (const c of todo) {
    const built = c.item.kind === 'payments' ? salesPayments(step, c) : refundPayment(step, c);
    if (typeof built === 'string') failures.push({ claimed: c, error: built });
    else if (built.length === 0) nothingToPay.push(c);
    else elements.push(...built.map((payment) => ({ claimed: c, payment })));
  }
  await fail(step, failures);
  // Nothing to pay is done before the call, so a failed call never leaves it to be settled.
  for (const kind of ['payments', 'refund'] as const)
    await completeFollowUps(
      step.deps.db,
      step.input.businessId,
      kind,
      nothingToPay.filter((c) => c.item.kind === kind).map((c) => ({ orderId: c.order.id })),
    );
  const done: Completed = { payments: [], refund: [] };
  if (elements.length > 0) {
    const payments = elements.map((e) => e.payment);
    const results = await guarded(step, todo, () =>
      step.xero.createPayments(step.ctx, payments, { idempotencyKey: keyOf(step, 'payments', payments) }),
    );
    await settlePayments(step, elements, results, paymentChecks(step, elements, results), done);
  }
  await completeAndDequeue(step, done, batch);
}

/** Payments and refunds written (or with nothing to pay), by kind, for completeFollowUps. */
type Completed = Record<'payments' | 'refund', Parameters<typeof completeFollowUps>[3]>;

/**
 * Marks the batch's writes done and takes the batch off the queue, the last completion carrying the removal (one
 * statement for both, in the common case of one kind).
 */
async function completeAndDequeue(step: Step, done: Completed, batch: Claimed[]): Promise<void> {
  const { db } = step.deps;
  const kinds = (['payments', 'refund'] as const).filter((kind) => done[kind].length > 0);
  const written = { requestId: step.input.requestId, items: batch.map((c) => c.item) };
  if (kinds.length === 0) return step.work.remove(written.items);
  for (const [i, kind] of kinds.entries()) {
    const last = i === kinds.length - 1;
    const removed = await completeFollowUps(
      db,
      step.input.businessId,
      kind,
      done[kind],
      last ? written : undefined,
    );
    step.work.removed(removed);
  }
}

function salesPayments(step: Step, c: Claimed): Payment[] | string {
  const mapped = paymentsFor(c.order, c.row.invoiceNumber, step.settings);
  if (mapped.kind === 'error')
    return `Invoice created, but its payment could not be mapped: ${mapped.message}`;
  if (!c.row.xeroInvoiceId) return 'Invoice created, but its Xero id is not known';
  return mapped.payments.map((d) => toXeroPayment(d, c.row.xeroInvoiceId!));
}

function refundPayment(step: Step, c: Claimed): Payment[] | string {
  const plan = creditPlanOf(step, c);
  if (typeof plan === 'string') return `Credit note created, but its refund could not be mapped: ${plan}`;
  if (!plan.refundPayment || !c.row.creditNoteId) return [];
  return [
    {
      creditNote: { creditNoteID: c.row.creditNoteId },
      account: { code: plan.refundPayment.accountCode },
      date: plan.refundPayment.date,
      amount: Number(plan.refundPayment.amount),
    },
  ];
}

/** Xero's answer to a payments batch: what was refused fails now; what was made joins `done`. */
async function settlePayments(
  step: Step,
  elements: PaymentElement[],
  results: Payment[],
  checks: Map<Claimed, string | null>,
  done: Completed,
): Promise<void> {
  const ids = new Map<Claimed, string[]>();
  const errors = new Map<Claimed, string[]>();
  elements.forEach((e, i) => {
    const result = results[i];
    const problems = result ? elementErrors(result) : ['Xero returned no element for this payment'];
    if (problems.length === 0 && result?.paymentID)
      ids.set(e.claimed, [...(ids.get(e.claimed) ?? []), result.paymentID]);
    else errors.set(e.claimed, [...(errors.get(e.claimed) ?? []), ...problems]);
  });
  for (const [c, paymentIds] of ids)
    if (!errors.has(c))
      done[c.item.kind as keyof Completed].push({
        orderId: c.order.id,
        ids: paymentIds,
        moneyCheck: checks.get(c) ?? null,
      });
  await fail(
    step,
    [...errors].map(([claimed, problems]) => ({
      claimed,
      error:
        claimed.item.kind === 'payments'
          ? `Invoice created, but its payment was refused: ${problems.join('; ')}`
          : `Credit note created, but the refund payment was refused: ${problems.join('; ')}`,
    })),
  );
}

/** Money check (src/engine/money-checks.ts): each payment and refund Xero made against the planned amount. */
function paymentChecks(
  step: Step,
  elements: PaymentElement[],
  results: Payment[],
): Map<Claimed, string | null> {
  const checks = new Map<Claimed, string | null>();
  const sales = elements.flatMap((e, i) => (e.claimed.item.kind === 'payments' ? [{ e, i }] : []));
  const byOrder = new Map(sales.map(({ e }) => [e.claimed.order.id, e.claimed]));
  const sent = sales.map(({ e }) => ({ orderId: e.claimed.order.id, amount: String(e.payment.amount) }));
  for (const c of checkPayments(
    sent,
    sales.map(({ i }) => results[i]),
  ))
    checks.set(byOrder.get(c.orderId)!, c.mismatch);
  elements.forEach((e, i) => {
    const plan = e.claimed.item.kind === 'refund' ? creditPlanOf(step, e.claimed) : null;
    const result = results[i];
    if (plan && typeof plan !== 'string' && result) checks.set(e.claimed, checkRefundPayment(plan, result));
  });
  return checks;
}

/** Claims left pending by a crash: Xero already holding the payment (or refund) means it was made. */
async function settleStale(step: Step, batch: Claimed[]): Promise<Set<string>> {
  const done = new Set<string>();
  const stalePayments = batch.filter((c) => c.stale && c.item.kind === 'payments');
  const byNumber = new Map(stalePayments.map((c) => [c.row.invoiceNumber, c]));
  for (const group of invoiceNumberGroups([...byNumber.keys()])) {
    for (const invoice of await step.xero.getInvoicesByNumbers(step.ctx, group)) {
      const c = invoice.invoiceNumber ? byNumber.get(invoice.invoiceNumber) : undefined;
      const paymentIds = (invoice.payments ?? []).map((p) => p.paymentID ?? '').filter(Boolean);
      if (!c || paymentIds.length === 0) continue;
      await completeFollowUps(step.deps.db, step.input.businessId, 'payments', [
        { orderId: c.order.id, ids: paymentIds },
      ]);
      done.add(`payments ${c.order.id}`);
    }
  }
  for (const c of batch.filter((b) => b.stale && b.item.kind === 'refund' && b.row.creditNoteId)) {
    const note = await step.xero.getCreditNote(step.ctx, c.row.creditNoteId!);
    if ((note?.payments ?? []).length === 0) continue;
    await completeFollowUps(step.deps.db, step.input.businessId, 'refund', [{ orderId: c.order.id }]);
    done.add(`refund ${c.order.id}`);
  }
  return done;
}

// ---------------------------------------------------------------------------------------------------------------
// Credit notes, 50 to a call

async function writeCreditNotes(step: Step, batch: Claimed[]): Promise<void> {
  const found = await findStaleCreditNotes(step, batch);
  const failures: Array<{ claimed: Claimed; error: string }> = [];
  const toCreate: Array<{ claimed: Claimed; plan: CreditNotePlan }> = [];
  for (const c of batch) {
    if (found.has(c.order.id)) continue;
    const plan = creditPlanOf(step, c);
    if (typeof plan === 'string')
      failures.push({ claimed: c, error: `Invoice created, but its credit note was refused: ${plan}` });
    else toCreate.push({ claimed: c, plan });
  }
  await fail(step, failures);
  const created = new Map(found);
  if (toCreate.length > 0) {
    const notes = toCreate.map((t) => toXeroCreditNote(t.plan.creditNote));
    const results = await guarded(step, batch, () =>
      step.xero.createCreditNotes(step.ctx, notes, { idempotencyKey: keyOf(step, 'credit-notes', notes) }),
    );
    const refused: Array<{ claimed: Claimed; error: string }> = [];
    const checks: Array<{ orderId: string; mismatch: string | null }> = [];
    toCreate.forEach((t, i) => {
      const result = results[i];
      const errors = result ? elementErrors(result) : ['Xero returned no element for this credit note'];
      if (errors.length === 0 && result?.creditNoteID) {
        created.set(t.claimed.order.id, result.creditNoteID);
        // Money check: the note's totals against the refund.
        const mismatch = checkCreditNoteTotals(t.claimed.order, t.plan, step.settings, result);
        checks.push({ orderId: t.claimed.order.id, mismatch });
      } else
        refused.push({
          claimed: t.claimed,
          error: `Invoice created, but its credit note was refused: ${errors.join('; ')}`,
        });
    });
    await fail(step, refused);
    await recordMoneyChecks(step.deps.db, step.input.businessId, 'credit_note', checks);
  }
  await recordCreated(step, batch, created);
  await step.work.remove(batch.map((c) => c.item));
}

/** Keeps each created note's id at once, and queues its allocation and refund as its plan needs. */
async function recordCreated(step: Step, batch: Claimed[], created: Map<string, string>): Promise<void> {
  const rows: Parameters<typeof recordCreditNote>[2] = [];
  const next: WorkItem[] = [];
  for (const c of batch) {
    const creditNoteId = created.get(c.order.id);
    if (!creditNoteId) continue;
    const plan = creditPlanOf(step, c);
    const allocation = typeof plan !== 'string' && plan.allocationAmount !== '0.00';
    const refund = typeof plan !== 'string' && plan.refundPayment !== undefined;
    rows.push({ orderId: c.order.id, creditNoteId, allocation, refund });
    const at = c.item.placedAt;
    if (allocation) next.push({ kind: 'allocation', orderId: c.order.id, placedAt: at, elements: 1 });
    if (refund) next.push({ kind: 'refund', orderId: c.order.id, placedAt: at, elements: 1 });
  }
  await recordCreditNote(step.deps.db, step.input.businessId, rows);
  await step.work.add(next);
}

/** Notes a crash left pending: found again by number (and our Reference), several per call. */
async function findStaleCreditNotes(step: Step, batch: Claimed[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const stale = batch.filter((c) => c.stale);
  const byNumber = new Map(stale.map((c) => [`${c.row.invoiceNumber}-CN`, c]));
  for (const group of creditNoteNumberGroups([...byNumber.keys()])) {
    for (const note of await step.xero.getCreditNotesWhere(step.ctx, group.where)) {
      const c = note.creditNoteNumber ? byNumber.get(note.creditNoteNumber) : undefined;
      // A voided or deleted note is never adopted (docs/reconciliation.md).
      const live = String(note.status) !== 'VOIDED' && String(note.status) !== 'DELETED';
      if (c && live && note.creditNoteID && note.reference === c.order.id)
        found.set(c.order.id, note.creditNoteID);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------------------------
// Allocations, one per call

async function writeAllocations(step: Step, batch: Claimed[]): Promise<void> {
  for (const c of batch) {
    const error = await allocate(step, c);
    if (error) await fail(step, [{ claimed: c, error }]);
    else
      await completeFollowUps(step.deps.db, step.input.businessId, 'allocation', [{ orderId: c.order.id }]);
  }
  await step.work.remove(batch.map((c) => c.item));
}

async function allocate(step: Step, c: Claimed): Promise<string | null> {
  const plan = creditPlanOf(step, c);
  if (typeof plan === 'string') return `Credit note created, but its allocation could not be mapped: ${plan}`;
  if (!c.row.creditNoteId || !c.row.xeroInvoiceId) return 'Credit note created, but its Xero id is not known';
  if (c.stale) {
    const note = await step.xero.getCreditNote(step.ctx, c.row.creditNoteId);
    if ((note?.allocations ?? []).some((a) => a.invoice?.invoiceID === c.row.xeroInvoiceId)) return null;
  }
  const allocation = {
    invoice: { invoiceID: c.row.xeroInvoiceId },
    amount: Number(plan.allocationAmount),
    date: plan.creditNote.Date,
  };
  try {
    const [result] = await guarded(step, [c], () =>
      step.xero.allocateCreditNote(step.ctx, c.row.creditNoteId!, allocation, {
        idempotencyKey: keyOf(step, `allocation ${c.order.id}`, allocation),
      }),
    );
    const errors = result ? elementErrors(result as Parameters<typeof elementErrors>[0]) : [];
    if (errors.length > 0) return `Credit note created, but its allocation was refused: ${errors.join('; ')}`;
    // Money check: the allocation Xero made against what was still due.
    const mismatch = result ? checkAllocation(plan, result) : null;
    await recordMoneyChecks(step.deps.db, step.input.businessId, 'allocation', [
      { orderId: c.order.id, mismatch },
    ]);
    return null;
  } catch (err) {
    const parsed = parseXeroError(err);
    if (parsed.kind !== 'validation') throw err;
    return `Credit note created, but its allocation was refused: ${parsed.xeroMessage}`;
  }
}
