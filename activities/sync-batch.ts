import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Invoice } from 'xero-node';
import { getBusiness } from '../src/businesses/store';
import type { Business } from '../src/businesses/store';
import type { BatchOutcome, ManualSyncInput } from '../src/definitions';
import type { Order } from '../src/orders/schema';
import { listOrdersPage } from '../src/orders/store';
import type { Dependencies } from '../src/runtime';
import { contactKey, contactNameFor } from '../src/sync/contacts';
import { mapOrder } from '../src/sync/invoice-mapping';
import type { ContactRef, InvoiceMapping, MappingSettings } from '../src/sync/invoice-mapping';
import { renderInvoiceNumber } from '../src/sync/invoice-number';
import {
  ledgerRows,
  markFailed,
  markPending,
  markSynced,
  recordMoneyChecks,
  recordOutcomes,
  requestCounts,
} from '../src/sync/ledger';
import { checkFoundInvoice, checkInvoiceAnswers } from '../src/sync/money-checks';
import type { LedgerRow, Outcome } from '../src/sync/ledger';
import type { Batch } from '../src/sync/planning';
import { DailyQuotaExhausted } from '../src/xero/gateway';
import type { CallContext, XeroGateway } from '../src/xero/gateway';
import { ConnectionNeedsReconnect } from '../src/xero/tokens';
import { elementErrors, toXeroInvoice } from '../src/xero/wire';
import { ContactResolver } from './contacts';
import { recordCreditNotes } from './credit-notes';
import { recordPayments } from './payments';
import { toActivityFailure } from './xero-failures';

/** Xero recommends about 50 invoices per request. */
export const PAGE_SIZE = 50;

interface Checkpoint {
  after?: { placedAt: string; id: string };
}

interface BatchRun {
  deps: Dependencies;
  input: ManualSyncInput;
  business: Business;
  settings: MappingSettings;
  xero: XeroGateway;
  ctx: CallContext;
  contacts: ContactResolver | null;
}

/**
 * One batch: every order of the channel (and location) placed within the batch's local days, page by page.
 * Heartbeats a cursor after each page, so a retry resumes there; the ledger makes re-running a page harmless.
 */
export async function syncBatch(
  deps: Dependencies,
  input: ManualSyncInput,
  batch: Batch,
): Promise<BatchOutcome> {
  const activity = Context.current();
  const checkpoint = { current: (activity.info.heartbeatDetails as Checkpoint | undefined) ?? {} };
  const run = await openRun(deps, input, checkpoint);
  try {
    for (;;) {
      const page = await listOrdersPage(deps.db, {
        businessId: input.businessId,
        channel: input.channel,
        locationId: input.locationId,
        fromUtc: batch.fromUtc,
        toUtcExclusive: batch.toUtcExclusive,
        after: checkpoint.current.after,
        limit: PAGE_SIZE,
        failedIn: input.retryOf,
      });
      if (page.length === 0) break;
      await syncPage(
        run,
        page.map((p) => p.order),
      );
      const last = page[page.length - 1]!;
      checkpoint.current = { after: { placedAt: last.placedAtUtc, id: last.order.id } };
      activity.heartbeat(checkpoint.current);
    }
  } catch (err) {
    if (err instanceof DailyQuotaExhausted) return outcomeOf(run, err.resumeAt.toISOString());
    throw toActivityFailure(err);
  }
  return outcomeOf(run, null);
}

async function outcomeOf(run: BatchRun, resumeAt: string | null): Promise<BatchOutcome> {
  const quota = await run.deps.limiter.dailyQuota(run.ctx.tenantId);
  const resetMs = quota.resetAt ? quota.resetAt.getTime() - Date.now() : null;
  return {
    counts: await requestCounts(run.deps.db, run.input.requestId),
    xeroCalls: run.xero.calls,
    resumeAt,
    dayRemaining: quota.dayRemaining,
    secondsUntilDayReset: resetMs !== null && resetMs > 0 ? Math.ceil(resetMs / 1000) : null,
  };
}

async function openRun(
  deps: Dependencies,
  input: ManualSyncInput,
  checkpoint: { current: Checkpoint },
): Promise<BatchRun> {
  const business = await getBusiness(deps.db, input.businessId);
  if (!business) {
    throw ApplicationFailure.create({
      type: 'NotConnected',
      message: `Business ${input.businessId} does not exist`,
      nonRetryable: true,
    });
  }
  if (!business.xeroTenantId) {
    // Requests are only accepted for connected businesses: this one was disconnected while the request ran.
    throw toActivityFailure(
      new ConnectionNeedsReconnect(business.id, 'the business was disconnected from Xero; connect it again'),
    );
  }
  const xero = deps.newXeroGateway();
  const ctx: CallContext = {
    businessId: business.id,
    tenantId: business.xeroTenantId,
    dailyReserve: business.settings.dailyQuotaReserve,
    // Waiting for the limiter is progress too: keep heartbeating so the activity is not presumed dead.
    // The details must stay the page cursor: Temporal keeps only the last heartbeat's details.
    heartbeat: () => Context.current().heartbeat(checkpoint.current),
  };
  const settings: MappingSettings = {
    ...business.settings,
    timeZone: input.timeZone,
    invoiceStatus: input.options.invoiceStatus,
  };
  const contacts =
    input.contactMapping.mode === 'auto' ? new ContactResolver(deps.db, xero, ctx, input.requestId) : null;
  return { deps, input, business, settings, xero, ctx, contacts };
}

interface Planned {
  order: Order;
  mapping: InvoiceMapping;
}

async function syncPage(run: BatchRun, orders: Order[]): Promise<void> {
  const { db } = run.deps;
  const { input } = run;
  const ledger = await ledgerRows(
    db,
    input.businessId,
    orders.map((o) => o.id),
  );
  const outcomes: Parameters<typeof recordOutcomes>[2] = [];
  const candidates: Order[] = [];

  for (const order of orders) {
    const row = ledger.get(order.id);
    if (order.status === 'voided')
      outcomes.push({ orderId: order.id, outcome: 'skipped', error: 'voided orders are not pushed' });
    else if (row?.status === 'synced' && input.options.resyncPolicy === 'skip') {
      outcomes.push(syncedBefore(row, input.requestId));
    } else candidates.push(order);
  }
  const adopted = await reconcilePending(
    run,
    candidates.filter((o) => ledger.get(o.id)?.status === 'pending'),
  );
  outcomes.push(...adopted.outcomes);
  const planned = await plan(
    run,
    candidates.filter((o) => !adopted.ids.has(o.id)),
    outcomes,
  );
  await pushInvoices(run, planned, ledger, outcomes);
  await recordOutcomes(db, input.requestId, outcomes);
  if (input.options.recordPayments) {
    await recordPayments(
      run.deps,
      run.xero,
      run.ctx,
      run.settings,
      orders.filter((o) => o.status !== 'voided'),
      input.requestId,
    );
  }
  await recordCreditNotes(run.deps, run.xero, run.ctx, run.settings, orders, input.requestId);
}

function syncedBefore(row: LedgerRow, requestId: string): Parameters<typeof recordOutcomes>[2][number] {
  const outcome: Outcome = row.requestId === requestId ? 'synced' : 'skipped';
  return {
    orderId: row.orderId,
    outcome,
    xeroInvoiceId: row.xeroInvoiceId,
    invoiceNumber: row.invoiceNumber,
    error: outcome === 'skipped' ? `already in Xero (synced by request ${row.requestId})` : null,
  };
}

/** Orders whose earlier write has an unknown outcome: ask Xero by invoice number before writing again. */
async function reconcilePending(run: BatchRun, orders: Order[]) {
  const ids = new Set<string>();
  const outcomes: Parameters<typeof recordOutcomes>[2] = [];
  if (orders.length === 0) return { ids, outcomes };
  const numbers = new Map(orders.map((o) => [invoiceNumberOf(run, o), o]));
  const found = await run.xero.getInvoicesByNumbers(run.ctx, [...numbers.keys()]);
  const synced = found.flatMap((inv) => {
    const order = inv.invoiceNumber ? numbers.get(inv.invoiceNumber) : undefined;
    if (!order || inv.reference !== order.id || !inv.invoiceID) return [];
    ids.add(order.id);
    outcomes.push({
      orderId: order.id,
      outcome: 'synced',
      xeroInvoiceId: inv.invoiceID,
      invoiceNumber: inv.invoiceNumber,
    });
    return [
      {
        orderId: order.id,
        invoiceNumber: inv.invoiceNumber!,
        xeroInvoiceId: inv.invoiceID,
        xeroContactId: inv.contact?.contactID ?? null,
      },
    ];
  });
  await markSynced(run.deps.db, run.input.businessId, run.input.requestId, synced);
  // Money check of invoices found in Xero (an earlier attempt's answer was lost): Total against the order's.
  const checks = found.flatMap((inv) => {
    const order = inv.invoiceNumber ? numbers.get(inv.invoiceNumber) : undefined;
    return order && ids.has(order.id) ? [checkFoundInvoice(order, inv)] : [];
  });
  await recordMoneyChecks(run.deps.db, run.input.businessId, 'invoice', checks);
  return { ids, outcomes };
}

function invoiceNumberOf(run: BatchRun, order: Order): string {
  const rendered = renderInvoiceNumber(run.settings.invoiceNumberTemplate, order);
  return rendered.ok ? rendered.invoiceNumber : order.id;
}

/** Maps orders to invoices with their contacts; orders that cannot be mapped fail here with the reason. */
async function plan(
  run: BatchRun,
  orders: Order[],
  outcomes: Parameters<typeof recordOutcomes>[2],
): Promise<Planned[]> {
  const contactOf = await contactRefs(run, orders);
  const planned: Planned[] = [];
  const failed: Array<{ orderId: string; invoiceNumber: string; error: string }> = [];
  for (const order of orders) {
    const contact = contactOf(order);
    const mapping =
      'error' in contact
        ? { kind: 'error' as const, message: contact.error }
        : mapOrder(order, run.settings, contact);
    if (mapping.kind === 'invoice') planned.push({ order, mapping });
    else if (mapping.kind === 'error')
      failed.push({ orderId: order.id, invoiceNumber: invoiceNumberOf(run, order), error: mapping.message });
  }
  await failOrders(run, failed, outcomes);
  return planned;
}

async function contactRefs(
  run: BatchRun,
  orders: Order[],
): Promise<(o: Order) => ContactRef | { error: string }> {
  const mapping = run.input.contactMapping;
  if (mapping.mode === 'manual') return () => ({ contactId: mapping.contactId });
  const nameOf = (o: Order) => contactNameFor(o, 'by-channel', run.business.settings.walkInContactName);
  const resolved = await run.contacts!.resolve([...new Set(orders.map(nameOf))]);
  return (o) =>
    resolved.get(contactKey(nameOf(o))) ?? { error: `Contact "${nameOf(o)}" could not be resolved` };
}

/** Writes the page's invoices in one call, summarizeErrors=false, under a key derived from their content. */
async function pushInvoices(
  run: BatchRun,
  planned: Planned[],
  ledger: Map<string, LedgerRow>,
  outcomes: Parameters<typeof recordOutcomes>[2],
): Promise<void> {
  if (planned.length === 0) return;
  const { db } = run.deps;
  const { businessId, requestId } = run.input;
  const invoices = planned.map((p) => toXeroInvoice(p.mapping.invoice));
  await markPending(
    db,
    businessId,
    requestId,
    planned.map((p) => ({ orderId: p.order.id, invoiceNumber: p.mapping.invoice.InvoiceNumber })),
  );
  const key = createHash('sha256')
    .update(`${requestId}|invoices|${JSON.stringify(invoices)}`)
    .digest('hex');
  const update =
    run.input.options.resyncPolicy === 'update' &&
    planned.some((p) => ledger.get(p.order.id)?.status === 'synced');
  const results = update
    ? await run.xero.updateOrCreateInvoices(run.ctx, invoices, { idempotencyKey: key })
    : await run.xero.createInvoices(run.ctx, invoices, { idempotencyKey: key });
  await settleInvoices(run, planned, results, outcomes);
}

async function settleInvoices(
  run: BatchRun,
  planned: Planned[],
  results: Invoice[],
  outcomes: Parameters<typeof recordOutcomes>[2],
): Promise<void> {
  const synced: Parameters<typeof markSynced>[3] = [];
  const failed: Parameters<typeof markFailed>[3] = [];
  const duplicates: Order[] = [];
  planned.forEach((p, i) => {
    const result = results[i];
    const errors = result ? elementErrors(result) : ['Xero returned no element for this invoice'];
    const number = p.mapping.invoice.InvoiceNumber;
    if (errors.length === 0 && result?.invoiceID) {
      synced.push({
        orderId: p.order.id,
        invoiceNumber: number,
        xeroInvoiceId: result.invoiceID,
        xeroContactId: result.contact?.contactID ?? null,
      });
      outcomes.push({
        orderId: p.order.id,
        outcome: 'synced',
        xeroInvoiceId: result.invoiceID,
        invoiceNumber: number,
      });
    } else if (errors.some((e) => /must be unique/i.test(e))) duplicates.push(p.order);
    else failed.push({ orderId: p.order.id, invoiceNumber: number, error: errors.join('; ') });
  });
  await markSynced(run.deps.db, run.input.businessId, run.input.requestId, synced);
  // Money check (src/sync/money-checks.ts): Xero's totals against the order's, flagged on the ledger row.
  const sent = planned.map((p) => ({ order: p.order, invoice: p.mapping.invoice }));
  await recordMoneyChecks(
    run.deps.db,
    run.input.businessId,
    'invoice',
    checkInvoiceAnswers(sent, results, run.settings),
  );
  await failOrders(run, failed, outcomes);
  await settleDuplicates(run, duplicates, outcomes);
}

/** "Invoice # must be unique": ours from an earlier attempt is adopted; anyone else's is a real conflict. */
async function settleDuplicates(
  run: BatchRun,
  orders: Order[],
  outcomes: Parameters<typeof recordOutcomes>[2],
): Promise<void> {
  if (orders.length === 0) return;
  const adopted = await reconcilePending(run, orders);
  outcomes.push(...adopted.outcomes);
  const conflicts = orders
    .filter((o) => !adopted.ids.has(o.id))
    .map((o) => {
      const invoiceNumber = invoiceNumberOf(run, o);
      const error = `Invoice number ${invoiceNumber} already exists in Xero for another document; change the invoice number template`;
      return { orderId: o.id, invoiceNumber, error };
    });
  await failOrders(run, conflicts, outcomes);
}

/** Fails orders in the ledger and in this request's outcomes, with the reason. */
async function failOrders(
  run: BatchRun,
  failed: Parameters<typeof markFailed>[3],
  outcomes: Parameters<typeof recordOutcomes>[2],
): Promise<void> {
  await markFailed(run.deps.db, run.input.businessId, run.input.requestId, failed);
  outcomes.push(...failed.map((f) => ({ ...f, outcome: 'failed' as const })));
}
