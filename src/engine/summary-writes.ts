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
import type { Step } from './step';

/**
 * Writes one summary through the Xero gateway (and so the limiter), exactly once: its document (invoice or credit
 * note), then its follow-ups (payments; or allocations and refund payments). Before each write the summary is
 * marked `tried`; a summary found tried (a crash, a fault, a lost answer) is looked up in Xero first (by its
 * number, our idempotency key, and its Reference) and adopted, and only what Xero does not hold is written.
 */
export async function writeSummary(step: Step, row: SummaryRow): Promise<void> {
  if (row.stage === 'document') {
    const written = await writeDocument(step, row);
    if ('error' in written) return failSummary(step, row, written.error);
    const next = hasFollowUps(row) ? 'follow_ups' : 'done';
    const difference = parseDecimal(written.total) - parseDecimal(row.expectedTotal);
    await documentWritten(
      step.deps.db,
      step.input.businessId,
      { number: row.number, requestId: step.input.requestId, next },
      { ...written, difference: difference === 0n ? null : money2(difference) },
    );
    row = { ...row, stage: next, tried: false, xeroId: written.id };
    if (row.kind === 'invoice') await recordHeld(step, row, null);
  }
  if (row.stage === 'follow_ups') {
    const error = row.kind === 'invoice' ? await writePayments(step, row) : await applyCreditNote(step, row);
    if (error) return failSummary(step, row, error);
    await setStage(step.deps.db, step.input.businessId, row.number, 'done');
  }
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
async function tried<T>(step: Step, row: SummaryRow, write: () => Promise<T>): Promise<T> {
  await markTried(step.deps.db, step.input.businessId, row.number, true);
  try {
    return await write();
  } catch (err) {
    if (err instanceof DailyQuotaExhausted || err instanceof PauseRequested)
      await markTried(step.deps.db, step.input.businessId, row.number, false);
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

async function findDocument(step: Step, row: SummaryRow): Promise<Written | null> {
  if (row.kind === 'invoice') {
    const draft = row.document.invoice!;
    const found = (await step.xero.getInvoicesByNumbers(step.ctx, [row.number])).find(
      (i: Invoice) => i.invoiceNumber === row.number && i.reference === draft.Reference && live(i.status),
    );
    return found?.invoiceID
      ? { id: found.invoiceID, total: money(found.total), tax: money(found.totalTax) }
      : null;
  }
  if (/["\\]/.test(row.number)) return null;
  const draft = row.document.creditNote!;
  const found = (await step.xero.getCreditNotesWhere(step.ctx, `CreditNoteNumber=="${row.number}"`)).find(
    (c: CreditNote) => c.creditNoteNumber === row.number && c.reference === draft.Reference && live(c.status),
  );
  return found?.creditNoteID
    ? { id: found.creditNoteID, total: money(found.total), tax: money(found.totalTax) }
    : null;
}

async function writeDocument(step: Step, row: SummaryRow): Promise<Written | { error: string }> {
  if (row.tried) {
    const found = await findDocument(step, row);
    if (found) return found;
  }
  const isInvoice = row.kind === 'invoice';
  const results: Array<Invoice | CreditNote> = await tried(step, row, async () => {
    if (isInvoice) {
      const invoices = [toXeroInvoice(row.document.invoice!)];
      return step.xero.createInvoices(step.ctx, invoices, {
        idempotencyKey: keyOf(step, 'summary', invoices),
      });
    }
    const notes = [toXeroCreditNote(row.document.creditNote!)];
    return step.xero.createCreditNotes(step.ctx, notes, { idempotencyKey: keyOf(step, 'summary-cn', notes) });
  });
  const result = results[0];
  const errors = result ? elementErrors(result) : ['Xero returned no element for this summary'];
  const id = result && ('invoiceID' in result ? result.invoiceID : (result as CreditNote).creditNoteID);
  if (errors.length === 0 && id) return { id, total: money(result.total), tax: money(result.totalTax) };
  if (errors.some((e) => /must be unique/i.test(e))) {
    // Ours from an attempt whose answer was lost is adopted; anyone else's number is a real clash.
    const found = await findDocument(step, row);
    if (found) return found;
    return {
      error: `number ${row.number} is already used in Xero by another document; change the summary number template (summaryNumberTemplate)`,
    };
  }
  return { error: `Xero refused it: ${errors.join('; ')}` };
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

async function writePayments(step: Step, row: SummaryRow): Promise<string | null> {
  let planned = row.document.payments ?? [];
  if (row.tried) {
    const [invoice] = await step.xero.getInvoicesByNumbers(step.ctx, [row.number]);
    planned = missing(planned, heldAmounts(invoice?.payments));
  }
  if (planned.length === 0) return null;
  const payments = planned.map((p) => toXeroPayment(p, row.xeroId!));
  const results = await tried(step, row, () =>
    step.xero.createPayments(step.ctx, payments, {
      idempotencyKey: keyOf(step, 'summary-payments', payments),
    }),
  );
  const problems = results.flatMap((r) => elementErrors(r));
  if (results.length < payments.length) problems.push('Xero returned fewer payments than were sent');
  return problems.length ? `summary written, but a payment was refused: ${problems.join('; ')}` : null;
}

/** A refund credit note's allocations (one call each) and refund payments (one call), as the plan has them. */
async function applyCreditNote(step: Step, row: SummaryRow): Promise<string | null> {
  const note = row.tried ? await step.xero.getCreditNote(step.ctx, row.xeroId!) : undefined;
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
  let refunds = row.document.refundPayments ?? [];
  if (note) refunds = missing(refunds, heldAmounts(note.payments));
  if (refunds.length === 0) return null;
  const payments: Payment[] = refunds.map((r) => ({
    creditNote: { creditNoteID: row.xeroId! },
    account: { code: r.accountCode },
    date: r.date,
    amount: Number(r.amount),
  }));
  const results = await tried(step, row, () =>
    step.xero.createPayments(step.ctx, payments, {
      idempotencyKey: keyOf(step, 'summary-refunds', payments),
    }),
  );
  const problems = results.flatMap((r) => elementErrors(r));
  return problems.length
    ? `credit note written, but a refund payment was refused: ${problems.join('; ')}`
    : null;
}

async function allocate(
  step: Step,
  row: SummaryRow,
  allocation: { invoice: { invoiceID: string }; amount: number; date: string },
): Promise<string | null> {
  try {
    const [result] = await tried(step, row, () =>
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
