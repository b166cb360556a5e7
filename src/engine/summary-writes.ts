import { createHash } from 'node:crypto';
import type { CreditNote, Invoice, Payment } from 'xero-node';
import { decimalFromNumber, parseDecimal } from '../money';
import { money2 } from '../xero/amounts';
import { elementErrors, toXeroCreditNote, toXeroInvoice, toXeroPayment } from '../xero/wire';
import { DailyQuotaExhausted } from '../xero/limiter';
import { parseXeroError } from '../xero/errors';
import { recordOrders } from './ledger';
import { documentWritten, markTried, setStage, summaryInvoiceIds } from './summary-ledger';
import type { SummaryRow } from './summary-ledger';
import { PauseRequested } from './step';
import { creditNoteNumberGroups, invoiceNumberGroups, WRITE_BATCH } from './packing';
import type { Step } from './step';

/**
 * Writes summaries through the Xero gateway (and so the limiter), exactly once, packed like per-order writes: up to
 * 50 documents to a call, then the payments of many summaries (invoices' payments, credit notes' refund payments)
 * 50 to a `PUT /Payments`, a summary's payments split across calls where a batch fills; a refund credit note's
 * allocations one call each. Before each write its summaries are marked `tried`; a summary found tried (a crash, a
 * fault, a lost answer) is looked up in Xero first (by its number, our idempotency key, and its Reference) and
 * adopted, and only what Xero does not hold is written.
 *
 * Unless `final`, only full batches are sent: the summary invoices short of a batch of 50, and the payments short
 * of 50, are answered (carried) for the walk's next flush, so no short batch goes out mid-walk. Credit notes are
 * always written in full (they come at the walk's end).
 */
export async function writeSummaries(
  step: Step,
  rows: SummaryRow[],
  opts: { final: boolean } = { final: true },
): Promise<SummaryRow[]> {
  const carried: SummaryRow[] = [];
  const invoices = rows.filter((r) => r.kind === 'invoice');
  const waiting = invoices.filter((r) => r.stage === 'document');
  // Tried ones are looked up (no write) whatever the count; the rest go out only in full batches mid-walk.
  const fresh = waiting.filter((r) => !r.tried);
  const sendable = opts.final ? fresh.length : fresh.length - (fresh.length % WRITE_BATCH);
  carried.push(...fresh.slice(sendable));
  const written = await writeDocuments(step, [
    ...waiting.filter((r) => r.tried),
    ...fresh.slice(0, sendable),
  ]);
  const invoiceFollowUps = [...invoices.filter((r) => r.stage === 'follow_ups'), ...written];
  carried.push(...(await writePayments(step, await paymentsOf(step, invoiceFollowUps), opts.final)));
  const notes = rows.filter((r) => r.kind === 'credit_note');
  const noteFollowUps = [
    ...notes.filter((r) => r.stage === 'follow_ups'),
    ...(await writeDocuments(
      step,
      notes.filter((r) => r.stage === 'document'),
    )),
  ];
  const refunding: Queued[] = [];
  for (const row of noteFollowUps) {
    const note = row.tried ? await step.xero.getCreditNote(step.ctx, row.xeroId!) : undefined;
    const error = await applyCreditNote(step, row, note);
    if (error) await failSummary(step, row, error);
    else refunding.push(refundsOf(row, note));
  }
  await writePayments(step, refunding, true);
  return carried;
}

/** Documents, 50 to a call (tried ones looked up first); answers those now waiting for their follow-ups. */
async function writeDocuments(step: Step, rows: SummaryRow[]): Promise<SummaryRow[]> {
  const next: SummaryRow[] = [];
  const found = await findDocuments(
    step,
    rows.filter((r) => r.tried),
  );
  const toWrite: SummaryRow[] = [];
  for (const row of rows) {
    const written = found.get(row.number);
    if (written) next.push(...(await settleDocument(step, row, written)));
    else toWrite.push(row);
  }
  for (let i = 0; i < toWrite.length; i += WRITE_BATCH) {
    const batch = toWrite.slice(i, i + WRITE_BATCH);
    const results = await createDocuments(step, batch);
    const clashes: SummaryRow[] = [];
    for (const [j, row] of batch.entries()) {
      const result = results[j];
      const errors = result ? elementErrors(result) : ['Xero returned no element for this summary'];
      const id = result && ('invoiceID' in result ? result.invoiceID : (result as CreditNote).creditNoteID);
      if (errors.length === 0 && result && id)
        next.push(
          ...(await settleDocument(step, row, {
            id,
            total: money(result.total),
            tax: money(result.totalTax),
          })),
        );
      else if (errors.some((e) => /must be unique/i.test(e))) clashes.push(row);
      else await failSummary(step, row, `Xero refused it: ${errors.join('; ')}`);
    }
    // Ours from an attempt whose answer was lost is adopted; anyone else's number is a real clash.
    const adopted = await findDocuments(step, clashes);
    for (const row of clashes) {
      const written = adopted.get(row.number);
      if (written) next.push(...(await settleDocument(step, row, written)));
      else
        await failSummary(
          step,
          row,
          `number ${row.number} is already used in Xero by another document; change the summary number template (summaryNumberTemplate)`,
        );
    }
  }
  return next;
}

async function createDocuments(step: Step, batch: SummaryRow[]): Promise<Array<Invoice | CreditNote>> {
  return tried(step, batch, async () => {
    if (batch[0]!.kind === 'invoice') {
      const invoices = batch.map((r) => toXeroInvoice(r.document.invoice!));
      return step.xero.createInvoices(step.ctx, invoices, {
        idempotencyKey: keyOf(step, 'summaries', invoices),
      });
    }
    const notes = batch.map((r) => toXeroCreditNote(r.document.creditNote!));
    return step.xero.createCreditNotes(step.ctx, notes, {
      idempotencyKey: keyOf(step, 'summary-cns', notes),
    });
  });
}

/** The document is in Xero: its money check kept, its orders' result lines written; answers it if follow-ups wait. */
async function settleDocument(step: Step, row: SummaryRow, written: Written): Promise<SummaryRow[]> {
  const next = hasFollowUps(row) ? 'follow_ups' : 'done';
  const difference = parseDecimal(written.total) - parseDecimal(row.expectedTotal);
  await documentWritten(
    step.deps.db,
    step.input.businessId,
    { number: row.number, requestId: step.input.requestId, next },
    { ...written, difference: difference === 0n ? null : money2(difference) },
  );
  const settled: SummaryRow = { ...row, stage: next, tried: false, xeroId: written.id };
  if (row.kind === 'invoice') await recordHeld(step, settled, null);
  return next === 'follow_ups' ? [settled] : [];
}

function hasFollowUps(row: SummaryRow): boolean {
  const d = row.document;
  return (d.payments?.length ?? 0) + (d.allocations?.length ?? 0) + (d.refundPayments?.length ?? 0) > 0;
}

/** The orders' result lines: synced on the summary, or failed with its reason. */
async function recordHeld(step: Step, row: SummaryRow, error: string | null): Promise<void> {
  await recordOrders(step.deps.db, step.input.businessId, step.input.requestId, {
    outcomes: row.orderIds.map((orderId) =>
      error === null
        ? { orderId, outcome: 'synced' as const, invoiceNumber: row.number, xeroInvoiceId: row.xeroId }
        : { orderId, outcome: 'failed' as const, invoiceNumber: row.number, error },
    ),
  });
}

async function failSummary(step: Step, row: SummaryRow, error: string): Promise<void> {
  await setStage(step.deps.db, step.input.businessId, row.number, 'failed', error);
  const what = row.kind === 'invoice' ? 'Daily summary' : 'Refund credit note';
  await recordHeld(step, row, `${what} ${row.number}: ${error}`);
}

const keyOf = (step: Step, what: string, body: unknown) =>
  createHash('sha256')
    .update(`${step.input.requestId}|${what}|${JSON.stringify(body)}`)
    .digest('hex');

/** Runs a write marked tried; a write never sent (quota spent, pausing) is unmarked, so no lookup follows. */
async function tried<T>(step: Step, rows: SummaryRow[], write: () => Promise<T>): Promise<T> {
  const numbers = rows.map((r) => r.number);
  await markTried(step.deps.db, step.input.businessId, numbers, true);
  try {
    return await write();
  } catch (err) {
    // Never unmark a summary part of whose payments an earlier batch sent: a crash must read Xero back.
    const unsent = rows.filter((r) => !(r as Carried).sent).map((r) => r.number);
    if (err instanceof DailyQuotaExhausted || err instanceof PauseRequested)
      await markTried(step.deps.db, step.input.businessId, unsent, false);
    throw err;
  }
}

interface Written {
  id: string;
  total: string;
  tax: string;
}

const money = (n: number | undefined) => money2(decimalFromNumber(Number(n ?? 0)));
const live = (status: unknown) => !['VOIDED', 'DELETED'].includes(String(status));

/** Summaries' documents Xero holds (ours: same number and Reference, not voided or deleted), by number. */
async function findDocuments(step: Step, rows: SummaryRow[]): Promise<Map<string, Written>> {
  const found = new Map<string, Written>();
  const byNumber = new Map(rows.map((r) => [r.number, r]));
  const keep = (number: string | undefined, reference: string | undefined, status: unknown, w: Written) => {
    const row = number ? byNumber.get(number) : undefined;
    const draft = row && (row.document.invoice ?? row.document.creditNote);
    if (row && draft && reference === draft.Reference && live(status)) found.set(row.number, w);
  };
  const invoices = rows.filter((r) => r.kind === 'invoice').map((r) => r.number);
  for (const group of invoiceNumberGroups(invoices))
    for (const i of await step.xero.getInvoicesByNumbers(step.ctx, group))
      if (i.invoiceID)
        keep(i.invoiceNumber, i.reference, i.status, {
          id: i.invoiceID,
          total: money(i.total),
          tax: money(i.totalTax),
        });
  const notes = rows.filter((r) => r.kind === 'credit_note').map((r) => r.number);
  for (const group of creditNoteNumberGroups(notes))
    for (const c of await step.xero.getCreditNotesWhere(step.ctx, group.where))
      if (c.creditNoteID)
        keep(c.creditNoteNumber, c.reference, c.status, {
          id: c.creditNoteID,
          total: money(c.total),
          tax: money(c.totalTax),
        });
  return found;
}

/** The amounts Xero already holds of a document's payments (several of one amount counted each). */
function heldAmounts(payments: Payment[] | undefined): string[] {
  return (payments ?? []).filter((p) => live(p.status)).map((p) => money(p.amount));
}

/** `planned` less what Xero holds, matched by amount. */
function missing<T extends { amount: string }>(planned: T[], held: string[]): T[] {
  const left = [...held];
  return planned.filter((p) => {
    const i = left.indexOf(money2(parseDecimal(p.amount)));
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

/**
 * A summary whose payments wait to be written: those Xero does not hold yet. `sent` once a batch with some of them
 * went out (the summary stays `tried` from then on, so a crash reads back what Xero holds); `problems` are the
 * refusals of its payments so far. Carried from flush to flush on the row itself.
 */
interface Queued {
  row: SummaryRow;
  payments: Payment[];
}
type Carried = SummaryRow & { queued?: Payment[]; sent?: boolean; problems?: string[] };

/** Summary invoices' payments to write: carried ones as left, tried ones less what Xero holds. */
async function paymentsOf(step: Step, rows: Carried[]): Promise<Queued[]> {
  const held = await heldPayments(
    step,
    rows.filter((r) => r.tried && !r.queued),
  );
  return rows.map((row) => {
    if (row.queued) return { row, payments: row.queued };
    const planned = row.document.payments ?? [];
    const left = row.tried ? missing(planned, held.get(row.number) ?? []) : planned;
    // A tried row keeps its mark: some of its payments may be in Xero already.
    const carried: Carried = { ...row, sent: row.tried };
    return { row: carried, payments: left.map((p) => toXeroPayment(p, row.xeroId!)) };
  });
}

/** A credit note's refund payments Xero does not hold yet (read back when it was tried). */
function refundsOf(row: SummaryRow, note: CreditNote | undefined): Queued {
  let refunds = row.document.refundPayments ?? [];
  if (note) refunds = missing(refunds, heldAmounts(note.payments));
  return {
    // Allocated (so marked tried) or tried before: keep the mark, a crash must read the note back.
    row: { ...row, sent: row.tried || (row.document.allocations?.length ?? 0) > 0 } as Carried,
    payments: refunds.map((r) => ({
      creditNote: { creditNoteID: row.xeroId! },
      account: { code: r.accountCode },
      date: r.date,
      amount: Number(r.amount),
    })),
  };
}

/**
 * Payments of many summaries, 50 to a `PUT /Payments`; each summary done (or failed) once all its payments are
 * answered. Unless `final`, the payments short of a full batch are not sent: their summaries are answered, carried.
 */
async function writePayments(step: Step, queued: Queued[], final: boolean): Promise<SummaryRow[]> {
  for (const done of queued.filter((q) => q.payments.length === 0)) await settlePayments(step, done.row);
  const items = queued.flatMap((q) => q.payments.map((payment) => ({ row: q.row as Carried, payment })));
  const sendable = final ? items.length : items.length - (items.length % WRITE_BATCH);
  const left = new Map<Carried, number>();
  for (const item of items) left.set(item.row, (left.get(item.row) ?? 0) + 1);
  for (let i = 0; i < sendable; i += WRITE_BATCH) {
    const batch = items.slice(i, Math.min(i + WRITE_BATCH, sendable));
    const rows = [...new Set(batch.map((b) => b.row))];
    const payments = batch.map((b) => b.payment);
    const results = await tried(step, rows, () =>
      step.xero.createPayments(step.ctx, payments, {
        idempotencyKey: keyOf(step, 'summary-payments', payments),
      }),
    );
    for (const [j, item] of batch.entries()) {
      const result = results[j];
      const errors = result ? elementErrors(result) : ['Xero returned fewer payments than were sent'];
      item.row.sent = true;
      if (errors.length) item.row.problems = [...(item.row.problems ?? []), ...errors];
      left.set(item.row, left.get(item.row)! - 1);
      if (left.get(item.row) === 0) await settlePayments(step, item.row);
    }
  }
  // The rest waits for the next flush, each summary with the payments not sent yet.
  const carried = new Map<Carried, Payment[]>();
  for (const item of items.slice(sendable))
    carried.set(item.row, [...(carried.get(item.row) ?? []), item.payment]);
  return [...carried.entries()].map(([row, payments]) => ({ ...row, queued: payments }) as Carried);
}

async function settlePayments(step: Step, row: Carried): Promise<void> {
  const what = row.kind === 'invoice' ? 'summary' : 'credit note';
  const which = row.kind === 'invoice' ? 'a payment' : 'a refund payment';
  if (row.problems?.length)
    await failSummary(step, row, `${what} written, but ${which} was refused: ${row.problems.join('; ')}`);
  else await setStage(step.deps.db, step.input.businessId, row.number, 'done');
}

/** The payments Xero holds on these summary invoices, by number (read 50 numbers to a call). */
async function heldPayments(step: Step, rows: SummaryRow[]): Promise<Map<string, string[]>> {
  const held = new Map<string, string[]>();
  for (const group of invoiceNumberGroups(rows.map((r) => r.number)))
    for (const invoice of await step.xero.getInvoicesByNumbers(step.ctx, group))
      if (invoice.invoiceNumber) held.set(invoice.invoiceNumber, heldAmounts(invoice.payments));
  return held;
}

/** A refund credit note's allocations (one call each), as the plan has them; its refund payments go with others'. */
async function applyCreditNote(
  step: Step,
  row: SummaryRow,
  note: CreditNote | undefined,
): Promise<string | null> {
  const allocated = new Set((note?.allocations ?? []).map((a) => a.invoice?.invoiceID));
  const invoiceIds = await summaryInvoiceIds(
    step.deps.db,
    step.input.businessId,
    (row.document.allocations ?? []).map((a) => a.invoiceNumber),
  );
  for (const a of row.document.allocations ?? []) {
    const invoiceID = invoiceIds.get(a.invoiceNumber);
    if (!invoiceID)
      return `credit note written, but summary ${a.invoiceNumber} to allocate it to is not in Xero`;
    if (allocated.has(invoiceID)) continue;
    const allocation = { invoice: { invoiceID }, amount: Number(a.amount), date: row.localDate };
    const error = await allocate(step, row, allocation);
    if (error) return error;
  }
  return null;
}

async function allocate(
  step: Step,
  row: SummaryRow,
  allocation: { invoice: { invoiceID: string }; amount: number; date: string },
): Promise<string | null> {
  try {
    const [result] = await tried(step, [row], () =>
      step.xero.allocateCreditNote(step.ctx, row.xeroId!, allocation, {
        idempotencyKey: keyOf(step, `summary-allocation ${row.number}`, allocation),
      }),
    );
    const errors = result ? elementErrors(result as Parameters<typeof elementErrors>[0]) : [];
    return errors.length ? `credit note written, but its allocation was refused: ${errors.join('; ')}` : null;
  } catch (err) {
    const parsed = parseXeroError(err);
    if (parsed.kind !== 'validation') throw err;
    return `credit note written, but its allocation was refused: ${parsed.xeroMessage}`;
  }
}
