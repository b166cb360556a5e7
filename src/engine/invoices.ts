import { createHash } from 'node:crypto';
import type { Invoice } from 'xero-node';
import type { Order } from '../orders/schema';
import { contactKey, contactNameFor } from './contact-names';
import { mapOrder } from './invoice-mapping';
import type { InvoiceMapping } from './invoice-mapping';
import type { ContactRef } from '../xero/documents';
import { renderInvoiceNumber } from '../businesses/invoice-number';
import { organisationProblem } from './organisation-rules';
import type { WriteOptions } from './organisation-rules';
import { failedOutcome, markNotSent, markPending, recordOrders, syncedOutcome } from './ledger';
import { DailyQuotaExhausted } from '../xero/limiter';
import type { FailedOrder, LedgerRow, OrderOutcomeRow, SyncedOrder } from './ledger';
import { checkFoundInvoice, checkInvoiceAnswers } from './money-checks';
import { invoiceNumberGroups } from './packing';
import type { ContactResolution } from './request-contacts';
import type { WorkItem } from './work-queue';
import { elementErrors, toXeroInvoice } from '../xero/wire';
import { PauseRequested } from './step';
import type { Step } from './step';

export interface Planned {
  order: Order;
  mapping: InvoiceMapping;
}

/** A page's orders to write, sorted out before any Xero call; some were left pending by a crash. */
export interface InvoicePage {
  toWrite: Planned[];
  /** Orders whose earlier write has an unknown outcome: Xero is asked about them first. */
  pendingIds: Set<string>;
  ledger: Map<string, LedgerRow>;
  /** The follow-up writes an order's invoice makes due once it is in Xero (listed with its `synced` mark). */
  dueAfter(order: Order): WorkItem[];
}

/** Records Xero's answer for orders in one statement, listing the follow-ups their invoices made due. */
async function recordAnswers(
  step: Step,
  page: Pick<InvoicePage, 'dueAfter'>,
  answers: { synced?: SyncedOrder[]; failed?: FailedOrder[] },
  orders: Map<string, Order>,
): Promise<void> {
  const work = (answers.synced ?? []).flatMap((s) => page.dueAfter(orders.get(s.orderId)!));
  const { db } = step.deps;
  step.work.listed(await recordOrders(db, step.input.businessId, step.input.requestId, { ...answers, work }));
}

export function invoiceNumberOf(step: Step, order: Order): string {
  const rendered = renderInvoiceNumber(step.settings.invoiceNumberTemplate, order);
  return rendered.ok ? rendered.invoiceNumber : order.id;
}

/** The contact of an order: the manual one, or its name's resolution (found before the walk began). */
export function contactOf(
  step: Step,
  order: Order,
  contacts: Map<string, ContactResolution>,
): ContactRef | { error: string } {
  const mapping = step.input.contactMapping;
  if (mapping.mode === 'manual') return { contactId: mapping.contactId };
  const name = contactNameFor(order, 'by-channel', step.business.settings.walkInContactName);
  const resolved = contacts.get(contactKey(name));
  if (resolved?.contactId) return { contactId: resolved.contactId };
  return { error: resolved?.error ?? `Contact "${name}" could not be resolved` };
}

/**
 * Maps an order to its invoice; an order that cannot be mapped, or that the organisation would refuse (a date in
 * its locked period, a currency it has not enabled), fails here, with the reason, before any call.
 */
export function planOrder(
  step: Step,
  order: Order,
  contacts: Map<string, ContactResolution>,
): Planned | { orderId: string; invoiceNumber: string; error: string } {
  const contact = contactOf(step, order, contacts);
  const mapping =
    'error' in contact
      ? { kind: 'error' as const, message: contact.error }
      : mapOrder(order, step.settings, contact);
  if (mapping.kind === 'invoice') {
    // What the organisation itself would refuse (a locked period, a currency not enabled) fails here too.
    const refused = organisationProblem(
      orderLabel(order),
      order.currency,
      mapping,
      step.facts,
      writeOptions(step),
    );
    if (refused) return { orderId: order.id, invoiceNumber: mapping.invoice.InvoiceNumber, error: refused };
    return { order, mapping };
  }
  const error = mapping.kind === 'error' ? mapping.message : 'voided orders are not pushed';
  return { orderId: order.id, invoiceNumber: invoiceNumberOf(step, order), error };
}

export const orderLabel = (order: Pick<Order, 'number' | 'id'>) => `Order ${order.number} (${order.id})`;

/** What the request writes besides invoices: approved documents (then locked periods bind) and payments. */
export function writeOptions(step: Step): WriteOptions {
  return {
    approving: step.settings.invoiceStatus === 'AUTHORISED',
    recordPayments: step.input.options.recordPayments,
  };
}

/**
 * Writes one page: orders whose earlier write has an unknown outcome are looked up first, then one call writes
 * the rest (PUT, or POST for the "update" re-sync policy) with summarizeErrors=false and a key derived from the
 * content. Returns every outcome, each already recorded: the ledger says synced or failed, and so do the
 * request's results.
 */
export async function writeInvoices(step: Step, page: InvoicePage): Promise<OrderOutcomeRow[]> {
  const pending = page.toWrite.filter((p) => page.pendingIds.has(p.order.id)).map((p) => p.order);
  const adopted = await reconcilePending(step, page, pending);
  // A pending order Xero does not have is written again with the others.
  const toWrite = page.toWrite.filter((p) => !adopted.ids.has(p.order.id));
  if (toWrite.length === 0) return adopted.outcomes;
  return [...adopted.outcomes, ...(await pushInvoices(step, page, toWrite))];
}

/** Orders whose earlier write has an unknown outcome: ask Xero by invoice number before writing again. */
export async function reconcilePending(
  step: Step,
  page: Pick<InvoicePage, 'dueAfter'>,
  orders: Order[],
): Promise<{ ids: Set<string>; outcomes: OrderOutcomeRow[] }> {
  const ids = new Set<string>();
  if (orders.length === 0) return { ids, outcomes: [] };
  const numbers = new Map(orders.map((o) => [invoiceNumberOf(step, o), o]));
  const found: Invoice[] = [];
  for (const group of invoiceNumberGroups([...numbers.keys()]))
    found.push(...(await step.xero.getInvoicesByNumbers(step.ctx, group)));
  const synced = found.flatMap((inv): SyncedOrder[] => {
    const order = inv.invoiceNumber ? numbers.get(inv.invoiceNumber) : undefined;
    if (!order || inv.reference !== order.id || !inv.invoiceID || ids.has(order.id)) return [];
    ids.add(order.id);
    return [
      {
        orderId: order.id,
        invoiceNumber: inv.invoiceNumber!,
        xeroInvoiceId: inv.invoiceID,
        xeroContactId: inv.contact?.contactID ?? null,
        // Money check of an invoice found in Xero (an earlier attempt's answer was lost): Total against the order's.
        moneyCheck: checkFoundInvoice(order, inv).mismatch,
      },
    ];
  });
  await recordAnswers(step, page, { synced }, new Map(orders.map((o) => [o.id, o])));
  return { ids, outcomes: synced.map(syncedOutcome) };
}

async function pushInvoices(step: Step, page: InvoicePage, planned: Planned[]): Promise<OrderOutcomeRow[]> {
  const { db } = step.deps;
  const { businessId, requestId } = step.input;
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
    step.input.options.resyncPolicy === 'update' &&
    planned.some((p) => page.ledger.get(p.order.id)?.status === 'synced');
  let results: Invoice[];
  try {
    results = update
      ? await step.xero.updateOrCreateInvoices(step.ctx, invoices, { idempotencyKey: key })
      : await step.xero.createInvoices(step.ctx, invoices, { idempotencyKey: key });
  } catch (err) {
    // Never sent (the daily budget is spent, or the request is pausing): nothing to look up later.
    if (err instanceof DailyQuotaExhausted || err instanceof PauseRequested)
      await markNotSent(
        db,
        businessId,
        planned.map((p) => p.order.id),
      );
    throw err;
  }
  return settleInvoices(step, page, planned, results);
}

async function settleInvoices(
  step: Step,
  page: InvoicePage,
  planned: Planned[],
  results: Invoice[],
): Promise<OrderOutcomeRow[]> {
  const synced: SyncedOrder[] = [];
  const failed: FailedOrder[] = [];
  const duplicates: Order[] = [];
  // Money check (src/engine/money-checks.ts): Xero's totals against the order's, kept on the ledger row.
  const sent = planned.map((p) => ({ order: p.order, invoice: p.mapping.invoice }));
  const checks = new Map(
    checkInvoiceAnswers(sent, results, step.settings).map((c) => [c.orderId, c.mismatch]),
  );
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
        moneyCheck: checks.get(p.order.id) ?? null,
      });
    } else if (errors.some((e) => /must be unique/i.test(e))) duplicates.push(p.order);
    else failed.push({ orderId: p.order.id, invoiceNumber: number, error: errors.join('; ') });
  });
  // Xero's answer is kept at once, in one statement: the ledger's marks, the request's results, the work now due.
  await recordAnswers(step, page, { synced, failed }, new Map(planned.map((p) => [p.order.id, p.order])));
  return [
    ...synced.map(syncedOutcome),
    ...failed.map(failedOutcome),
    ...(await settleDuplicates(step, page, duplicates)),
  ];
}

/** "Invoice # must be unique": ours from an earlier attempt is adopted; anyone else's is a real conflict. */
async function settleDuplicates(
  step: Step,
  page: Pick<InvoicePage, 'dueAfter'>,
  orders: Order[],
): Promise<OrderOutcomeRow[]> {
  if (orders.length === 0) return [];
  const adopted = await reconcilePending(step, page, orders);
  const conflicts = orders
    .filter((o) => !adopted.ids.has(o.id))
    .map((o) => {
      const invoiceNumber = invoiceNumberOf(step, o);
      const error = `Invoice number ${invoiceNumber} already exists in Xero for another document; change the invoice number template`;
      return { orderId: o.id, invoiceNumber, error };
    });
  return [...adopted.outcomes, ...(await failOrders(step, conflicts))];
}

/** Fails orders in the ledger and in the request's results, with the reason; returns their outcomes. */
export async function failOrders(step: Step, failed: FailedOrder[]): Promise<OrderOutcomeRow[]> {
  await recordOrders(step.deps.db, step.input.businessId, step.input.requestId, { failed });
  return failed.map(failedOutcome);
}
