import { importOrdersFile } from '../../src/orders/import';
import type { Order } from '../../src/orders/schema';
import { parseDecimal, sumDecimal } from '../../src/money';
import { loadDemoOrders, ndjsonFile, simCreditNotes, simInvoices, simStats } from './orders';
import { submitSync, syncToEnd } from './requests';
import type { TestSystem } from './system';

/**
 * The revisions scenario of issue 26 (docs/revisions.md), shared by the faults and the crash tests: a month of
 * orders synced; later payments for 15 unpaid B2B orders, refunds for 8 POS orders (4 full, 4 partial) and voids
 * of 4 paid online orders imported as revisions; the month synced again; Xero checked against the latest
 * revision of every order.
 */

export const MONTH = { startDate: '2025-03-01', endDate: '2025-03-31' };
const CHANNELS = ['pos', 'online', 'b2b'] as const;

/** A month of demo orders of every channel, stored (about 250: enough B2B, POS and online ones to revise). */
export function loadMonth(system: TestSystem, businessId: string): Promise<Order[]> {
  return loadDemoOrders(system.database.db, {
    businessId,
    from: MONTH.startDate,
    to: MONTH.endDate,
    ordersPerDay: 8,
    seed: 26,
  });
}

/** Submits one request per channel for the month, at once, and answers their ids once all have ended. */
export async function syncMonth(system: TestSystem, businessId: string): Promise<string[]> {
  const ran = await Promise.all(
    CHANNELS.map((channel) => syncToEnd(system, { businessId, channel, ...MONTH })),
  );
  for (const r of ran) if (r.result.state !== 'completed') throw new Error(`${r.id} ended ${r.result.state}`);
  return ran.map((r) => r.id);
}

/** Every channel's request for the month is refused as having nothing to send (409 nothing_to_send, issue 25). */
export async function expectNothingToSend(system: TestSystem, businessId: string): Promise<void> {
  for (const channel of CHANNELS)
    await expect(submitSync(system, { businessId, channel, ...MONTH })).rejects.toThrow(
      /answered 409: .*"nothing_to_send"/,
    );
}

export interface Revised {
  paid: Order[];
  fullRefunds: Order[];
  partialRefunds: Order[];
  voided: Order[];
}

const LATER = '2025-04-';

/** The revisions: each order's next content (the originals are left as they are). */
export function reviseMonth(orders: Order[]): Revised {
  const completed = (channel: Order['channel'], paid: boolean) =>
    orders.filter((o) => o.channel === channel && o.status === 'completed' && o.payments.length > 0 === paid);
  const pos = completed('pos', true).slice(0, 8);
  const refund = (o: Order, amount: string): Order => ({
    ...o,
    status: 'refunded',
    refunds: [{ id: 'rf-1', amount, refundedAt: `${LATER}05T12:00:00+08:00`, reason: 'Returned' }],
  });
  const revised: Revised = {
    paid: completed('b2b', false)
      .slice(0, 15)
      .map((o) => ({
        ...o,
        payments: [{ id: 'later-1', method: 'paynow', amount: o.total, paidAt: `${LATER}10T10:00:00+08:00` }],
      })),
    fullRefunds: pos.slice(0, 4).map((o) => refund(o, o.total)),
    partialRefunds: pos.slice(4).map((o) => refund(o, '1.00')),
    voided: completed('online', true)
      .slice(0, 4)
      .map((o) => ({ ...o, status: 'voided', voidedAt: `${LATER}08T09:00:00+08:00` })),
  };
  const sizes = Object.values(revised).map((list: Order[]) => list.length);
  if (sizes.join() !== '15,4,4,4') throw new Error(`the month has too few orders to revise: ${sizes.join()}`);
  return revised;
}

/** Imports the revisions: each is recorded as a revision of an order in Xero. */
export async function importRevisions(system: TestSystem, revised: Revised): Promise<void> {
  const lines = Object.values(revised).flat() as Order[];
  const summary = await importOrdersFile(system.database.db, ndjsonFile(lines));
  if (summary.revised !== 27 || summary.failed !== 0)
    throw new Error(`revisions not recorded: ${JSON.stringify(summary)}`);
}

/** Xero write calls (PUT, POST, DELETE) the simulator has answered for the demo organisation. */
export async function writeCalls(system: TestSystem): Promise<number> {
  const stats = await simStats(system.xero.baseUrl);
  return Object.entries(stats.calls.byEndpoint)
    .filter(([endpoint]) => /^(PUT|POST|DELETE) /.test(endpoint))
    .reduce((n, [, calls]) => n + calls, 0);
}

const amount = (n: number | undefined) => parseDecimal(String(n ?? 0));

/**
 * Xero holds the latest revision of every order, each change once: every first-synced order's invoice once; the
 * later payments paid once; each refund one credit note (paid back); each voided invoice VOIDED with no payment
 * left; and exactly the payments and credit notes all that makes (a change applied twice would add one).
 */
export async function expectLatestRevision(
  system: TestSystem,
  orders: Order[],
  revised: Revised,
): Promise<void> {
  const invoices = await simInvoices(system.xero.baseUrl);
  const notes = await simCreditNotes(system.xero.baseUrl);
  const stats = await simStats(system.xero.baseUrl);
  const live = orders.filter((o) => o.status !== 'voided');
  expect({ invoices: invoices.length, duplicates: stats.duplicateReferences }).toEqual({
    invoices: live.length,
    duplicates: [],
  });
  const invoiceOf = (o: Order) => invoices.find((i) => i.Reference === o.id)!;
  for (const o of revised.paid)
    expect([
      o.id,
      invoiceOf(o).Status,
      amount(invoiceOf(o).AmountPaid),
      invoiceOf(o).Payments?.length,
    ]).toEqual([o.id, 'PAID', parseDecimal(o.total), 1]);
  for (const o of [...revised.fullRefunds, ...revised.partialRefunds]) {
    const mine = notes.filter((n) => n.CreditNoteNumber === `${invoiceOf(o).InvoiceNumber}-CN-rf-1`);
    expect([o.id, mine.length, amount(mine[0]?.Total), amount(mine[0]?.RemainingCredit)]).toEqual([
      o.id,
      1,
      parseDecimal(o.refunds![0]!.amount),
      0n,
    ]);
  }
  for (const o of revised.voided)
    expect([o.id, invoiceOf(o).Status, amount(invoiceOf(o).AmountPaid), invoiceOf(o).Payments]).toEqual([
      o.id,
      'VOIDED',
      0n,
      [],
    ]);
  const refundedFirst = live.filter((o) => o.status === 'refunded');
  const salesPayments = sumDecimal(live.map((o) => BigInt(o.payments.length)));
  expect({ creditNotes: stats.stored.creditNotes, payments: stats.stored.payments }).toEqual({
    creditNotes: refundedFirst.length + 8,
    // First sync: sales payments and the paid back refunds of refunded orders; then 15 later payments and 8
    // refund payments (the POS orders were paid in full). Deleted payments stay stored, as DELETED.
    payments: Number(salesPayments) + refundedFirst.filter((o) => o.payments.length > 0).length + 15 + 8,
  });
}
