import { createHash } from 'node:crypto';
import type { Payment } from 'xero-node';
import type { Order } from '../src/orders/schema';
import type { Dependencies } from '../src/runtime';
import { paymentsFor } from '../src/sync/invoice-mapping';
import type { MappingSettings, PaymentDraft } from '../src/sync/invoice-mapping';
import {
  claimFollowUp,
  completeFollowUp,
  ledgerRows,
  recordMoneyChecks,
  recordOutcomes,
} from '../src/sync/ledger';
import { checkPayments } from '../src/sync/money-checks';
import type { CallContext, XeroGateway } from '../src/xero/gateway';
import { elementErrors, toXeroPayment } from '../src/xero/wire';

/**
 * Records the payments of orders whose invoices are in Xero, exactly once: an order's payments are claimed in
 * the ledger before the write, and a claim left pending by a crash is settled by reading the invoice's
 * payments back from Xero instead of paying again.
 */
export async function recordPayments(
  deps: Dependencies,
  xero: XeroGateway,
  ctx: CallContext,
  settings: MappingSettings,
  orders: Order[],
  requestId: string,
): Promise<void> {
  if (settings.invoiceStatus !== 'AUTHORISED') return; // Xero takes payments on AUTHORISED invoices only
  const withPayments = orders.filter((o) => o.payments.length > 0);
  if (withPayments.length === 0) return;
  const ledger = await ledgerRows(
    deps.db,
    ctx.businessId,
    withPayments.map((o) => o.id),
  );
  const unsettled = withPayments.filter((o) => ledger.get(o.id)?.paymentsStatus === 'pending');
  const settled = await settleUnknown(deps, xero, ctx, unsettled, (o) => ledger.get(o.id)!.invoiceNumber);
  const claimed = await claimFollowUp(
    deps.db,
    ctx.businessId,
    'payments_status',
    withPayments.map((o) => o.id),
  );
  const todo = withPayments.filter((o) => claimed.has(o.id) || (unsettled.includes(o) && !settled.has(o.id)));
  const drafts = todo.flatMap((o) =>
    draftsFor(o, ledger.get(o.id)!.invoiceNumber, ledger.get(o.id)!.xeroInvoiceId, settings),
  );
  if (drafts.length === 0) return;
  const payments = drafts.map((d) => toXeroPayment(d.draft, d.invoiceId));
  const key = createHash('sha256')
    .update(`${requestId}|payments|${JSON.stringify(payments)}`)
    .digest('hex');
  const results = await xero.createPayments(ctx, payments, { idempotencyKey: key });
  await settleResults(deps, ctx, requestId, drafts, results);
  // Money check (src/sync/money-checks.ts): each payment Xero made against the order's, flagged on the ledger row.
  const sent = drafts.map((d) => ({ orderId: d.orderId, amount: d.draft.amount }));
  await recordMoneyChecks(deps.db, ctx.businessId, 'payments', checkPayments(sent, results));
}

interface DraftFor {
  orderId: string;
  invoiceId: string;
  draft: PaymentDraft;
}

function draftsFor(
  order: Order,
  invoiceNumber: string,
  invoiceId: string | null,
  settings: MappingSettings,
): DraftFor[] {
  const mapped = paymentsFor(order, invoiceNumber, settings);
  if (mapped.kind === 'error' || !invoiceId) return [];
  return mapped.payments.map((draft) => ({ orderId: order.id, invoiceId, draft }));
}

/** Claims left pending by a crash: Xero already holding payments on the invoice means they were made. */
async function settleUnknown(
  deps: Dependencies,
  xero: XeroGateway,
  ctx: CallContext,
  orders: Order[],
  numberOf: (o: Order) => string,
): Promise<Set<string>> {
  if (orders.length === 0) return new Set();
  const invoices = await xero.getInvoicesByNumbers(ctx, orders.map(numberOf));
  const byNumber = new Map(invoices.map((i) => [i.invoiceNumber, i]));
  const done = orders.flatMap((o) => {
    const ids = (byNumber.get(numberOf(o))?.payments ?? []).map((p) => p.paymentID ?? '').filter(Boolean);
    return ids.length > 0 ? [{ orderId: o.id, ids }] : [];
  });
  await completeFollowUp(deps.db, ctx.businessId, 'payments_status', done);
  return new Set(done.map((d) => d.orderId));
}

async function settleResults(
  deps: Dependencies,
  ctx: CallContext,
  requestId: string,
  drafts: DraftFor[],
  results: Payment[],
): Promise<void> {
  const idsByOrder = new Map<string, string[]>();
  const errorsByOrder = new Map<string, string[]>();
  drafts.forEach((d, i) => {
    const result = results[i];
    const errors = result ? elementErrors(result) : ['Xero returned no element for this payment'];
    if (errors.length === 0 && result?.paymentID)
      idsByOrder.set(d.orderId, [...(idsByOrder.get(d.orderId) ?? []), result.paymentID]);
    else errorsByOrder.set(d.orderId, [...(errorsByOrder.get(d.orderId) ?? []), ...errors]);
  });
  await completeFollowUp(
    deps.db,
    ctx.businessId,
    'payments_status',
    [...idsByOrder].map(([orderId, ids]) => ({ orderId, ids })),
  );
  await recordOutcomes(
    deps.db,
    requestId,
    [...errorsByOrder].map(([orderId, errors]) => ({
      orderId,
      outcome: 'failed' as const,
      error: `Invoice created, but its payment was refused: ${errors.join('; ')}`,
    })),
  );
}
