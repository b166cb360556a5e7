import type { ManualSyncInput, OrdersCursor, StepOutcome } from '../definitions';
import { listOrdersPage } from '../orders/store';
import type { Order } from '../orders/schema';
import type { Dependencies } from '../runtime';
import { localDateOf, rangeUtc } from '../calendar';
import type { ContactRef } from '../xero/documents';
import { DailyQuotaExhausted } from '../xero/limiter';
import { money2 as money } from '../xero/amounts';
import { ledgerRows, recordOrders } from './ledger';
import type { OrderOutcomeRow } from './ledger';
import { orderRangeOf } from './plan';
import { setProgress } from './progress-records';
import { loadRequestContacts } from './request-contacts';
import type { ContactResolution } from './request-contacts';
import { contactOf } from './invoices';
import { openStep, PauseRequested, quotaStop, stepOutcome } from './step';
import type { Step, StepHooks } from './step';
import { buildDailySummaries, buildRefundSummaries } from './summary';
import type { RefundSummary, Summary } from './summary';
import {
  lastAdjustments,
  recordSummaries,
  refundsToSummarise,
  summariesOfOrders,
  unfinishedSummaries,
} from './summary-ledger';
import type { NewSummary, RefundedOrder, SummaryRow } from './summary-ledger';
import { writeSummaries } from './summary-writes';
import { finishChange } from './change-ledger';
import type { ChangeResult } from './change-writes';
import { mapOrder } from './invoice-mapping';
import { creditedAs, refusal, summaryChanges } from './summary-changes';
import type { SummaryChange } from './summary-changes';

/**
 * The orders walk of a daily-summary request (issue 23; docs/revisions.md "Daily summaries"): the same activity
 * and cursor as the per-order walk, so the workflow's commands do not change. It walks the range one local day at
 * a time: the day's orders not yet in Xero (per order or in a summary) are summarised, the summaries recorded with
 * their orders, then written one by one; the cursor moves past a day once all its summaries are settled. When the
 * days are walked, the range's refunds are summarised per key and refund date into credit notes.
 */
export async function syncSummaries(
  deps: Dependencies,
  input: ManualSyncInput,
  start: OrdersCursor,
  hooks: StepHooks,
): Promise<StepOutcome> {
  const cursor = (hooks.resumed as OrdersCursor | undefined) ?? start;
  const step = await openStep(deps, input, hooks, cursor);
  const walk = new SummaryWalk(step, cursor);
  try {
    return await walk.outcome(await walk.run(), null);
  } catch (err) {
    if (err instanceof PauseRequested) return await walk.outcome(false, null);
    if (!(err instanceof DailyQuotaExhausted)) throw err;
    quotaStop(step, err);
    return await walk.outcome(false, err);
  }
}

class SummaryWalk {
  private contacts: Map<string, ContactResolution> | null = null;
  /**
   * Summaries recorded and not written yet, or written with payments still to write: sent in full batches of 50
   * after each day, the remainder carried to the next (a crash leaves them to `unfinished`).
   */
  private pending: SummaryRow[] = [];

  constructor(
    private readonly step: Step,
    private committed: OrdersCursor,
  ) {}

  async run(): Promise<boolean> {
    const { step } = this;
    while (!this.committed.walked && Date.now() < step.deadline && !step.signal.aborted) {
      if (await step.pausing()) return false;
      const day = await this.nextDay();
      if (!day) {
        this.move({ after: this.committed.after, walked: true });
        break;
      }
      await this.handleDay(day.orders);
      this.move({ after: day.end, walked: false });
      await setProgress(step.deps.db, step.input.requestId, { phase: 'orders', reachedAt: day.end.placedAt });
      await this.flush({ final: false });
    }
    await this.flush({ final: true });
    if (!this.committed.walked || (await step.pausing())) return false;
    // Summaries of this request a crash left recorded but unwritten (their days are behind the cursor).
    const { db } = step.deps;
    this.pending = await unfinishedSummaries(db, step.input.businessId, step.input.requestId, { own: true });
    await this.flush({ final: true });
    return this.refunds();
  }

  /** Writes the full batches of what is pending (everything when final); the rest stays pending. */
  private async flush(opts: { final: boolean }): Promise<void> {
    const rows = this.pending;
    this.pending = [];
    if (rows.length > 0) this.pending = await writeSummaries(this.step, rows, opts);
  }

  async outcome(done: boolean, quota: DailyQuotaExhausted | null): Promise<StepOutcome> {
    return stepOutcome(this.step, this.committed, done, quota);
  }

  private move(next: OrdersCursor): void {
    this.committed = next;
    this.step.checkpoint(next);
  }

  /** The orders of the next local day of the range after the cursor (null: none left). */
  private async nextDay(): Promise<{ orders: Order[]; end: { placedAt: string; id: string } } | null> {
    const { db } = this.step.deps;
    const range = orderRangeOf(this.step.input);
    const [first] = await listOrdersPage(db, { ...range, after: this.committed.after, limit: 1 });
    if (!first) return null;
    const date = localDateOf(first.order.placedAt, this.step.input.timeZone);
    const { fromUtc, toUtcExclusive } = rangeUtc(date, date, this.step.input.timeZone);
    const rows = await listOrdersPage(db, {
      ...range,
      fromUtc,
      toUtcExclusive,
      after: null,
      limit: 1_000_000,
    });
    const last = rows[rows.length - 1]!;
    return { orders: rows.map((r) => r.order), end: { placedAt: last.placedAtUtc, id: last.order.id } };
  }

  private async handleDay(orders: Order[]): Promise<void> {
    const { step } = this;
    const { db } = step.deps;
    const { businessId, requestId } = step.input;
    const ids = orders.map((o) => o.id);
    // Summaries of these orders left unfinished (this request's after a crash, or an ended request's).
    const waiting = await unfinishedSummaries(db, businessId, requestId, { orderIds: ids, kind: 'invoice' });
    this.pending.push(...waiting.filter((r) => !this.pending.some((p) => p.number === r.number)));
    for (let attempt = 0; ; attempt += 1) {
      const { fresh, outcomes } = await this.sortOut(orders);
      const built = await this.build(fresh, outcomes);
      if (await recordSummaries(db, businessId, requestId, built)) {
        await recordOrders(db, businessId, requestId, { outcomes });
        this.pending.push(...built.map((s) => asRow(s, requestId)));
        return;
      }
      // Another request summarised some of these orders first: sort the day out again.
      if (attempt >= 3) throw new Error(`the orders of a day kept changing hands while being summarised`);
    }
  }

  /** The day's orders to summarise; the others settled with the reason (never in two summaries, or both modes). */
  private async sortOut(orders: Order[]): Promise<{ fresh: Order[]; outcomes: OrderOutcomeRow[] }> {
    const { db } = this.step.deps;
    const { businessId, requestId, options } = this.step.input;
    const ids = orders.map((o) => o.id);
    const perOrder = await ledgerRows(db, businessId, ids);
    const held = await summariesOfOrders(db, businessId, 'invoice', ids);
    const fresh: Order[] = [];
    const outcomes: OrderOutcomeRow[] = [];
    const skip = (orderId: string, error: string) => outcomes.push({ orderId, outcome: 'skipped', error });
    for (const order of orders) {
      const ledger = perOrder.get(order.id);
      const summary = held.get(order.id);
      if (order.status === 'voided') skip(order.id, 'voided orders are not pushed');
      // A summary Xero refused releases its orders (recordSummaries takes them from it).
      else if (summary?.stage === 'failed') fresh.push(order);
      else if (summary && summary.requestId !== requestId)
        skip(order.id, `already in Xero in daily summary ${summary.number} (request ${summary.requestId})`);
      else if (summary) continue;
      else if (ledger && ledger.status !== 'failed')
        skip(order.id, perOrderReason(ledger.invoiceNumber, ledger.requestId, ledger.status));
      else if (options.changesOnly)
        skip(
          order.id,
          'not in Xero yet: this request sends only the changes of orders in Xero (changesOnly)',
        );
      else fresh.push(order);
    }
    return { fresh, outcomes };
  }

  /** The day's summaries, one per contact's orders, numbered (an adjustment when the key was summarised before). */
  private async build(fresh: Order[], outcomes: OrderOutcomeRow[]): Promise<NewSummary[]> {
    const { step } = this;
    this.contacts ??= await loadRequestContacts(step.deps.db, step.input.requestId);
    const byContact = new Map<string, { contact: ContactRef; orders: Order[] }>();
    for (const order of fresh) {
      const contact = contactOf(step, order, this.contacts);
      if ('error' in contact) {
        outcomes.push({ orderId: order.id, outcome: 'failed', error: contact.error });
        continue;
      }
      const label = JSON.stringify(contact);
      const group = byContact.get(label) ?? { contact, orders: [] };
      group.orders.push(order);
      byContact.set(label, group);
    }
    const summaries: Summary[] = [];
    for (const { contact, orders } of byContact.values()) {
      const built = buildDailySummaries(
        orders,
        step.settings,
        contact,
        this.template(),
        this.step.business.settings.summaryLines,
      );
      summaries.push(...built.summaries);
      for (const f of built.failed)
        outcomes.push({ orderId: f.orderId, outcome: 'failed', error: f.message });
    }
    return this.numbered(summaries.map((s) => invoiceSummary(s, step.input.options.recordPayments)));
  }

  private template(): string {
    return this.step.business.settings.summaryNumberTemplate;
  }

  /** Numbers each summary: its key's number, or that number's next adjustment when it exists already. */
  private async numbered(summaries: NewSummary[]): Promise<NewSummary[]> {
    const last = await lastAdjustments(
      this.step.deps.db,
      this.step.input.businessId,
      summaries.map((s) => s.baseNumber),
    );
    return summaries.map((s) => {
      const adjustment = (last.get(s.baseNumber) ?? -1) + 1;
      return adjustment === 0 ? s : asAdjustment(s, adjustment);
    });
  }

  /**
   * The range's refunds of summarised orders, one credit note per summary key and local refund date (AUTHORISED
   * summaries only, as per order). True when nothing is left to write.
   */
  private async refunds(): Promise<boolean> {
    const { step } = this;
    const { db } = step.deps;
    const { businessId, requestId } = step.input;
    await writeSummaries(step, await unfinishedSummaries(db, businessId, requestId, { kind: 'credit_note' }));
    if (!(await this.record(await this.firstRefunds()))) return false;
    return this.record(await this.changeCredits());
  }

  /** Records credit notes numbered (after any of their keys' earlier ones) and writes them; false: taken first. */
  private async record(built: NewSummary[]): Promise<boolean> {
    if (built.length === 0) return true;
    const { step } = this;
    const numbered = await this.numbered(built);
    if (!(await recordSummaries(step.deps.db, step.input.businessId, step.input.requestId, numbered)))
      return false;
    await writeSummaries(
      step,
      numbered.map((s) => asRow(s, step.input.requestId)),
    );
    await this.settled(numbered);
    return true;
  }

  /** The refund credit notes of a contact's refunded orders, held by the summary invoices `invoices` name. */
  private refundNotes(group: ReturnType<typeof groupByContact>[number]) {
    return buildRefundSummaries(
      group.orders,
      this.step.settings,
      group.contact,
      group.invoices,
      this.template(),
    );
  }

  /** The refunds orders carried when they were summarised (AUTHORISED summaries only, as per order). */
  private async firstRefunds(): Promise<NewSummary[]> {
    const { step } = this;
    if (step.settings.invoiceStatus !== 'AUTHORISED') return [];
    const refunded = await refundsToSummarise(step.deps.db, step.input);
    const built: NewSummary[] = [];
    for (const group of groupByContact(refunded)) {
      const notes = this.refundNotes(group);
      built.push(...notes.map(creditNoteSummary));
    }
    return built;
  }

  /**
   * Later refunds and voids of summarised orders (docs/revisions.md "Daily summaries"): one adjustment credit note
   * per summary key and local day of the change, holding its changes; a later payment or change of lines is
   * refused with the reason and what to do. The posted summary is never edited.
   */
  private async changeCredits(): Promise<NewSummary[]> {
    const { step } = this;
    const { db } = step.deps;
    const credits: Credit[] = [];
    const outcomes: OrderOutcomeRow[] = [];
    const settle = async (change: SummaryChange, result: ChangeResult) => {
      await finishChange(db, step.input.businessId, change, result);
      outcomes.push(changeOutcome(change, result));
    };
    for (const change of await summaryChanges(db, step.input)) {
      const refused = refusal(change);
      const order = refused ? null : creditedAs(change);
      if (refused) await settle(change, { failed: refused });
      else if (!order)
        await settle(change, { done: { summary: change.summary }, says: 'voided: refunded in full already' });
      else credits.push({ change, order });
    }
    const built: NewSummary[] = [];
    for (const group of groupCredits(credits)) {
      const notes = this.refundNotes(group);
      for (const note of notes) {
        const held = credits.filter(
          (c) =>
            note.orderIds.includes(c.change.orderId) &&
            localDateOf(c.order.refunds![0]!.refundedAt, step.input.timeZone) === note.key.date,
        );
        built.push({
          ...creditNoteSummary(adjusting(note, held)),
          changes: held.map((c) => ({ orderId: c.change.orderId, key: c.change.key })),
        });
      }
    }
    // A change no credit note took (its per-order credit note cannot be built) fails with the reason.
    const taken = new Set(built.flatMap((b) => b.changes!.map((c) => `${c.orderId} ${c.key}`)));
    for (const c of credits)
      if (!taken.has(`${c.change.orderId} ${c.change.key}`))
        await settle(c.change, { failed: creditProblem(step, c) });
    if (outcomes.length > 0)
      await recordOrders(db, step.input.businessId, step.input.requestId, { outcomes });
    return built;
  }

  /** Each change an adjustment credit note holds, in the request's results with the note's number. */
  private async settled(notes: NewSummary[]): Promise<void> {
    const outcomes = notes.flatMap((n) =>
      (n.changes ?? []).map((c): OrderOutcomeRow => ({
        orderId: c.orderId,
        outcome: 'synced',
        error: `${c.key} credited by adjustment credit note ${n.number} (its daily summary is never edited)`,
        invoiceNumber: n.number,
      })),
    );
    if (outcomes.length > 0)
      await recordOrders(this.step.deps.db, this.step.input.businessId, this.step.input.requestId, {
        outcomes,
      });
  }
}

interface Credit {
  change: SummaryChange;
  /** The order refunded by this change alone (summary-changes.ts creditedAs). */
  order: Order;
}

function groupCredits(credits: Credit[]) {
  return groupByContact(
    credits.map((c) => ({ order: c.order, invoiceNumber: c.change.summary, contact: c.change.contact })),
  );
}

/** A change's credit note says which posted summaries it adjusts (Xero's Reference holds 255 characters). */
function adjusting(note: RefundSummary, held: Credit[]): RefundSummary {
  const summaries = [...new Set(held.map((c) => c.change.summary))].join(', ');
  const reference = `Adjustment of ${summaries}: ${note.creditNote.Reference ?? ''}`.slice(0, 255);
  return { ...note, creditNote: { ...note.creditNote, Reference: reference } };
}

function changeOutcome(change: SummaryChange, result: ChangeResult): OrderOutcomeRow {
  const failed = 'failed' in result;
  return {
    orderId: change.orderId,
    outcome: failed ? 'failed' : 'synced',
    error: failed ? result.failed : (result.says ?? null),
    invoiceNumber: change.summary,
  };
}

function creditProblem(step: Step, credit: Credit): string {
  const contact = credit.change.contact;
  const mapped = mapOrder(credit.order, step.settings, contact);
  const why = mapped.kind === 'error' ? mapped.message : 'no credit note could be built';
  return `order ${credit.change.base.number} (${credit.change.orderId}) is in daily summary ${credit.change.summary}: its ${credit.change.key} cannot be credited: ${why}`;
}

/** A summary just recorded, as the ledger would answer it. */
function asRow(s: NewSummary, requestId: string): SummaryRow {
  return { ...s, requestId, stage: 'document', tried: false, xeroId: null };
}

function perOrderReason(invoiceNumber: string, requestId: string, status: string): string {
  return status === 'synced'
    ? `already in Xero as its own invoice ${invoiceNumber} (per-order, request ${requestId}); a daily summary never sends it again`
    : `being written as its own invoice ${invoiceNumber} by request ${requestId} (per-order); a daily summary never sends it too`;
}

function invoiceSummary(s: Summary, recordPayments: boolean): NewSummary {
  const document = { invoice: s.invoice, payments: recordPayments ? s.payments : [] };
  return newSummary('invoice', s.invoice.InvoiceNumber, s, document);
}

function creditNoteSummary(s: RefundSummary): NewSummary {
  const document = { creditNote: s.creditNote, allocations: s.allocations, refundPayments: s.refundPayments };
  return newSummary('credit_note', s.creditNote.CreditNoteNumber, s, document);
}

/** The ledger row of a summary or a refund credit note first built for its day (no adjustment yet). */
function newSummary(
  kind: NewSummary['kind'],
  number: string,
  s: Pick<Summary, 'key' | 'orderIds' | 'perOrder'>,
  document: NewSummary['document'],
): NewSummary {
  return {
    number,
    kind,
    baseNumber: number,
    adjustment: 0,
    localDate: s.key.date,
    channel: s.key.channel,
    locationId: s.key.locationId,
    currency: s.key.currency,
    document,
    orderIds: s.orderIds,
    expectedTotal: money(s.perOrder.total),
    expectedTax: money(s.perOrder.tax),
  };
}

/** An adjustment of a summarised key: its own number and a Reference that says so, never merged into the first. */
function asAdjustment(s: NewSummary, n: number): NewSummary {
  const number = `${s.baseNumber}-ADJ${n}`;
  const d = s.document;
  const reference = (r: string) => `Adjustment ${n}: ${r}`;
  return {
    ...s,
    number,
    adjustment: n,
    document: {
      ...d,
      ...(d.invoice
        ? {
            invoice: { ...d.invoice, InvoiceNumber: number, Reference: reference(d.invoice.Reference ?? '') },
          }
        : {}),
      ...(d.creditNote
        ? {
            creditNote: {
              ...d.creditNote,
              CreditNoteNumber: number,
              Reference: reference(d.creditNote.Reference ?? ''),
            },
          }
        : {}),
      ...(d.payments ? { payments: d.payments.map((p) => ({ ...p, invoiceNumber: number })) } : {}),
    },
  };
}

export function groupByContact(refunded: RefundedOrder[]) {
  const groups = new Map<string, { contact: ContactRef; orders: Order[]; invoices: Summary[] }>();
  for (const r of refunded) {
    const label = JSON.stringify(r.contact);
    const group = groups.get(label) ?? { contact: r.contact, orders: [], invoices: [] };
    group.orders.push(r.order);
    // Only what buildRefundSummaries reads of a summary: which invoice holds the order.
    group.invoices.push({ orderIds: [r.order.id], invoice: { InvoiceNumber: r.invoiceNumber } } as Summary);
    groups.set(label, group);
  }
  return [...groups.values()];
}
