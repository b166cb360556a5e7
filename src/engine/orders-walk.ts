import { metrics } from '../observability/metrics';
import type { ManualSyncInput, OrdersCursor, StepOutcome } from '../definitions';
import { listOrdersPage } from '../orders/store';
import type { StoredOrder } from '../orders/store';
import type { Dependencies } from '../runtime';
import { failedOutcome, ledgerRows, recordOrders } from './ledger';
import type { FailedOrder, LedgerRow, OrderOutcomeRow } from './ledger';
import { WRITE_BATCH } from './packing';
import { loadRequestContacts } from './request-contacts';
import type { ContactResolution } from './request-contacts';
import type { WorkItem } from './work-queue';
import { stepFacts } from './request-facts';
import { orderRangeOf } from './plan';
import { setProgress } from './progress-records';
import { DailyQuotaExhausted, waitFor } from '../xero/limiter';
import { flushFollowUps, flushFullBatch, followUpsOf, lockedFollowUps } from './follow-ups';
import { Flusher } from './flusher';
import { planOrder, writeInvoices } from './invoices';
import { applyChanges } from './order-changes';
import type { InvoicePage, Planned } from './invoices';
import { openStep, PauseRequested, quotaStop, stepOutcome } from './step';
import { TaskPool } from './task-pool';
import { summariesOfOrders } from './summary-ledger';
import { syncSummaries } from './summary-walk';
import type { Step, StepHooks } from './step';

// Rows read from PostgreSQL at a time while pages of invoices are put together (five pages of 50 per read).
const READ_AHEAD = 250;
// A long run of orders with nothing to write still ends a page after this many, so the cursor keeps moving.
const SETTLED_PER_PAGE = 1000;

/**
 * One step of the orders walk: from the cursor, pages of 50 orders to write (across day boundaries), several in
 * flight at once up to the organisation's concurrency, their payments and credit notes queued until a batch is
 * full. It stops starting pages at its deadline, heartbeating the cursor of the last page done, so a retry or the
 * next step resumes there (the ledger makes re-walking a page harmless). When the walk is over it writes what is
 * still queued and reports the phase done.
 */
export async function syncOrders(
  deps: Dependencies,
  input: ManualSyncInput,
  start: OrdersCursor,
  hooks: StepHooks,
): Promise<StepOutcome> {
  // Daily summaries walk the same range with the same cursor, so the workflow's commands stay as they were.
  if (input.options.posting === 'daily-summary') return syncSummaries(deps, input, start, hooks);
  const cursor = (hooks.resumed as OrdersCursor | undefined) ?? start;
  const step = await openStep(deps, input, hooks, cursor);
  // The phase as the step starts, not at its first page: the status line said "Matching contacts" while the first
  // orders were being sent (or their facts read, or the quota waited for).
  await setProgress(deps.db, input.requestId, { phase: 'orders' });
  const walk = new OrdersWalk(step, cursor);
  try {
    const done = await walk.run();
    return await walk.outcome(done, null);
  } catch (err) {
    // Pausing: the step stops as at its deadline; the workflow, which holds the pause, pauses.
    if (err instanceof PauseRequested) return await walk.outcome(false, null);
    if (!(err instanceof DailyQuotaExhausted)) throw err;
    quotaStop(step, err);
    return await walk.outcome(false, err);
  }
}

interface Page extends InvoicePage {
  placedAt: Map<string, string>;
  end: { placedAt: string; id: string } | null;
  walked: boolean;
  /** Orders settled without a write (voided, already in Xero, unmappable) and follow-ups found on the way. */
  settled: OrderOutcomeRow[];
  failed: FailedOrder[];
  work: WorkItem[];
}

class OrdersWalk {
  private readAfter: OrdersCursor['after'];
  private readWalked: boolean;
  private readonly pages: Array<{ page: Page; done: boolean }> = [];
  private readonly flusher: Flusher;
  private contacts: Map<string, ContactResolution> | null = null;
  private readonly range: ReturnType<typeof orderRangeOf>;
  // Rows read ahead and not yet put into a page (a page stops at its 50th order to write).
  private readonly buffer: Array<{ row: StoredOrder; ledger: LedgerRow | undefined; summary?: string }> = [];
  private bufferAfter: OrdersCursor['after'] | undefined;
  private bufferWalked = false;
  private progressWrittenAt = 0;
  private progressDirty = false;
  private factsLoaded = false;

  constructor(
    private readonly step: Step,
    private committed: OrdersCursor,
  ) {
    this.readAfter = committed.after;
    this.readWalked = committed.walked;
    // Items another writer holds are passed over for the rest of the step (the final flush waits for them).
    const busy = new Set<string>();
    this.flusher = new Flusher({
      writers: step.deps.cfg.XERO_CONCURRENCY,
      waiting: () => step.work.waiting(),
      writeOne: () => flushFullBatch(step, busy),
    });
    this.range = orderRangeOf(step.input);
  }

  /**
   * Walks until the deadline, or a pause (looked for before each page); true when every order is handled and
   * nothing is left queued.
   */
  async run(): Promise<boolean> {
    const pool = new TaskPool(this.step.deps.cfg.XERO_CONCURRENCY);
    while (!this.readWalked && !pool.failed && Date.now() < this.step.deadline && !this.step.signal.aborted) {
      if (await this.step.pausing()) break;
      // The payments keep up with the invoices: no page starts while the full batches wait beyond what the
      // flushes take at once.
      await this.flusher.keepUp();
      const entry = { page: await this.assemble(), done: false };
      this.pages.push(entry);
      await pool.run(async () => {
        await this.handle(entry.page);
        entry.done = true;
        await this.commit();
      });
    }
    // Nothing may be left writing when the step returns: wait for the flushes even when a page failed. The full
    // batches still waiting go at the organisation's concurrency, not one writer's pace.
    await pool
      .drain()
      .then(() => this.flusher.kickAll())
      .finally(() => this.flusher.settled());
    await this.flusher.drain();
    if (!this.committed.walked || (await this.step.pausing())) return false;
    return this.finish();
  }

  async outcome(done: boolean, quota: DailyQuotaExhausted | null): Promise<StepOutcome> {
    if (this.progressDirty) await this.writeProgress();
    return stepOutcome(this.step, this.committed, done, quota);
  }

  /** The next page: up to 50 orders to write; the others (voided, already in Xero, unmappable) settled here. */
  private async assemble(): Promise<Page> {
    const { db } = this.step.deps;
    this.contacts ??= await loadRequestContacts(db, this.step.input.requestId);
    if (!this.factsLoaded) {
      const { step } = this;
      const { signal, heartbeat, onCall } = step.ctx;
      step.facts = await stepFacts(step.deps, step.business, step.input, {
        signal,
        heartbeat,
        onCall,
        log: step.log,
      });
      this.factsLoaded = true;
    }
    const page: Page = {
      toWrite: [],
      pendingIds: new Set(),
      ledger: new Map(),
      placedAt: new Map(),
      end: this.readAfter,
      walked: false,
      settled: [],
      failed: [],
      work: [],
      dueAfter: (order) =>
        followUpsOf(this.step, order, nowSynced(page.ledger.get(order.id)), page.placedAt.get(order.id)!),
    };
    while (page.toWrite.length < WRITE_BATCH) {
      const next = await this.nextRow();
      if (!next) {
        page.walked = true;
        break;
      }
      if (next.summary !== undefined) {
        const error = `already in Xero in daily summary ${next.summary}; a per-order request never sends it again`;
        page.settled.push({ orderId: next.row.order.id, outcome: 'skipped', error });
      } else this.sortOut(next.row, next.ledger, page);
      page.end = { placedAt: next.row.placedAtUtc, id: next.row.order.id };
      if (page.settled.length + page.failed.length >= SETTLED_PER_PAGE) break;
    }
    this.readAfter = page.end;
    this.readWalked = page.walked;
    return page;
  }

  /** The next order of the walk with its ledger row, read ahead READ_AHEAD at a time. */
  private async nextRow(): Promise<{
    row: StoredOrder;
    ledger: LedgerRow | undefined;
    summary?: string;
  } | null> {
    if (this.buffer.length === 0 && !this.bufferWalked) {
      const { db } = this.step.deps;
      const after = this.bufferAfter === undefined ? this.readAfter : this.bufferAfter;
      const rows = await listOrdersPage(db, { ...this.range, after, limit: READ_AHEAD });
      const ids = rows.map((r) => r.order.id);
      const ledger = await ledgerRows(db, this.step.input.businessId, ids);
      // Orders a daily summary holds are never sent per order too (issue 23).
      const summaries = await summariesOfOrders(db, this.step.input.businessId, 'invoice', ids, true);
      this.buffer.push(
        ...rows.map((row) => ({
          row,
          ledger: ledger.get(row.order.id),
          summary: summaries.get(row.order.id)?.number,
        })),
      );
      const last = rows[rows.length - 1];
      if (last) this.bufferAfter = { placedAt: last.placedAtUtc, id: last.order.id };
      this.bufferWalked = rows.length < READ_AHEAD;
    }
    return this.buffer.shift() ?? null;
  }

  private sortOut(row: StoredOrder, ledger: LedgerRow | undefined, page: Page): void {
    const { order } = row;
    const { step } = this;
    if (order.status === 'voided') {
      page.settled.push({ orderId: order.id, outcome: 'skipped', error: 'voided orders are not pushed' });
      return;
    }
    if (step.input.options.changesOnly && ledger?.status !== 'synced') {
      const error = 'not in Xero yet: this request sends only the changes of orders in Xero (changesOnly)';
      page.settled.push({ orderId: order.id, outcome: 'skipped', error });
      return;
    }
    if (ledger?.status === 'synced' && step.input.options.resyncPolicy === 'skip') {
      // Payments or a credit note an earlier request left unwritten are this request's to finish.
      const work = followUpsOf(step, order, ledger, row.placedAtUtc);
      const locked = lockedFollowUps(step, order, work);
      if (locked) {
        const { xeroInvoiceId, invoiceNumber } = ledger;
        page.settled.push({
          orderId: order.id,
          outcome: 'failed',
          error: locked,
          xeroInvoiceId,
          invoiceNumber,
        });
        return;
      }
      page.settled.push(syncedBefore(ledger, step.input.requestId));
      page.work.push(...work);
      return;
    }
    const planned = planOrder(step, order, this.contacts!);
    if ('error' in planned) {
      page.failed.push(planned);
      return;
    }
    page.toWrite.push(planned as Planned);
    page.placedAt.set(order.id, row.placedAtUtc);
    if (ledger) page.ledger.set(order.id, ledger);
    if (ledger?.status === 'pending') page.pendingIds.add(order.id);
  }

  /**
   * A page's writes: its invoices (Xero's answer recorded with the follow-ups it made due), then the page's other
   * outcomes and the follow-ups found on the way in one statement, and a word to the flusher (which writes any
   * batch that is full, beside the pages).
   */
  private async handle(page: Page): Promise<void> {
    const { step } = this;
    const { db } = step.deps;
    // The orders in hand serve their follow-up writes (a flush may start as soon as their invoices are recorded);
    // a step that passes very many reads the rest again.
    if (step.orders.size > 5000) step.orders.clear();
    for (const p of page.toWrite) step.orders.set(p.order.id, p.order);
    const written = page.toWrite.length > 0 ? await writeInvoices(step, page) : [];
    const listed = await recordOrders(db, step.input.businessId, step.input.requestId, {
      failed: page.failed,
      outcomes: page.settled,
      work: page.work,
    });
    step.work.listed(listed);
    const outcomes = [...page.settled, ...page.failed.map(failedOutcome), ...written];
    pageDone(step, outcomes);
    // A full batch may be waiting now (the kept counts say so without a statement).
    this.flusher.kick();
  }

  /** The committed cursor moves past every page done, in walk order. */
  private async commit(): Promise<void> {
    let moved = false;
    while (this.pages[0]?.done) {
      const { page } = this.pages.shift()!;
      this.committed = { after: page.end, walked: page.walked };
      moved = true;
    }
    if (!moved) return;
    this.step.checkpoint(this.committed);
    // Where the walk has got to, for progress: at most once a second (the counts move with every page anyway).
    if (Date.now() - this.progressWrittenAt >= 1000) await this.writeProgress();
    else this.progressDirty = true;
  }

  private async writeProgress(): Promise<void> {
    this.progressWrittenAt = Date.now();
    this.progressDirty = false;
    await setProgress(this.step.deps.db, this.step.input.requestId, {
      phase: 'orders',
      ...(this.committed.after ? { reachedAt: this.committed.after.placedAt } : {}),
    });
  }

  /**
   * The walk is over: the partly full batches go now, then the changes of the range's orders already in Xero
   * (src/engine/order-changes.ts). Claims another writer holds are waited for.
   */
  private async finish(): Promise<boolean> {
    for (;;) {
      const left = await flushFollowUps(this.step, this.step.deps.cfg.XERO_CONCURRENCY);
      if (!left && (await applyChanges(this.step))) return true;
      if (Date.now() >= this.step.deadline || (await this.step.pausing())) return false;
      await waitFor(2000, this.step.signal, () => this.step.checkpoint(this.committed));
    }
  }
}

/** A page is recorded: its outcomes counted, and a line in the activity's log. */
function pageDone(step: Step, outcomes: readonly OrderOutcomeRow[]): void {
  const counts = { synced: 0, failed: 0, skipped: 0 };
  for (const o of outcomes) counts[o.outcome] += 1;
  const m = metrics();
  for (const [outcome, n] of Object.entries(counts)) if (n > 0) m.orders.inc({ outcome }, n);
  step.log.info('Orders page recorded', {
    requestId: step.input.requestId,
    orders: outcomes.length,
    ...counts,
  });
}

/** An order's ledger row once its invoice is in Xero: its follow-up claims as they were (none, if new). */
function nowSynced(before: LedgerRow | undefined): LedgerRow {
  return {
    orderId: before?.orderId ?? '',
    status: 'synced',
    requestId: before?.requestId ?? '',
    invoiceNumber: before?.invoiceNumber ?? '',
    xeroInvoiceId: before?.xeroInvoiceId ?? null,
    paymentsStatus: before?.paymentsStatus ?? 'none',
    creditNoteStatus: before?.creditNoteStatus ?? 'none',
    creditNoteId: before?.creditNoteId ?? null,
    refundStatus: before?.refundStatus ?? 'none',
    allocationStatus: before?.allocationStatus ?? 'none',
    xeroContactId: before?.xeroContactId ?? null,
  };
}

function syncedBefore(row: LedgerRow, requestId: string): OrderOutcomeRow {
  const outcome = row.requestId === requestId ? 'synced' : 'skipped';
  return {
    orderId: row.orderId,
    outcome,
    xeroInvoiceId: row.xeroInvoiceId,
    invoiceNumber: row.invoiceNumber,
    error: outcome === 'skipped' ? `already in Xero (synced by request ${row.requestId})` : null,
  };
}
