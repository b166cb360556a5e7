import { callContextFor } from '../businesses/call-context';
import { getBusiness } from '../businesses/store';
import { localDateOf, rangeUtc } from '../calendar';
import type { ReconciliationCheck } from '../contract';
import type { Db } from '../db/pool';
import { decimalFromNumber, formatDecimal, parseDecimal } from '../money';
import type { Order } from '../orders/schema';
import { INVOICE_IDS_PER_CALL } from '../xero/gateway';
import type { XeroGateway } from '../xero/gateway';

/**
 * "Check against Xero" (docs/reconciliation.md): reads back the invoices the ledger says are in Xero for a scope,
 * through the gateway and its limiter, as cheaply as Xero allows: by `IDs` (50 a call), `summaryOnly`, and
 * `If-Modified-Since` the batch's oldest ledger write, so Xero answers only the invoices changed since. Reports an
 * invoice voided or deleted that the product did not void, or whose total is not what the ledger keeps.
 */

export const CHECK_IDS_PER_CALL = INVOICE_IDS_PER_CALL;

export interface CheckDeps {
  db: Db;
  newXeroGateway: () => XeroGateway;
}

interface CheckScope {
  startDate: string;
  endDate: string;
  channel?: string;
  locationId?: string;
  dryRun: boolean;
}

interface HeldInvoice {
  order_id: string;
  latest: Order;
  invoice_number: string;
  xero_invoice_id: string;
  amount: string;
  voided_by_us: boolean;
  written_at: Date;
}

export async function checkAgainstXero(
  deps: CheckDeps,
  businessId: string,
  scope: CheckScope,
): Promise<ReconciliationCheck> {
  const business = (await getBusiness(deps.db, businessId))!;
  const held = await heldInvoices(deps.db, businessId, business.timeZone, scope);
  const batches: HeldInvoice[][] = [];
  for (let i = 0; i < held.length; i += CHECK_IDS_PER_CALL)
    batches.push(held.slice(i, i + CHECK_IDS_PER_CALL));
  const result: ReconciliationCheck = {
    invoices: held.length,
    calls: batches.length,
    ran: false,
    findings: [],
  };
  if (scope.dryRun) return result;
  const xero = deps.newXeroGateway();
  const ctx = callContextFor(business);
  for (const batch of batches) {
    const since = new Date(Math.min(...batch.map((h) => h.written_at.getTime())));
    const answered = await xero.getInvoicesByIds(
      ctx,
      batch.map((h) => h.xero_invoice_id),
      { summaryOnly: true, modifiedSince: since },
    );
    const byId = new Map(answered.map((i) => [i.invoiceID?.toLowerCase(), i]));
    for (const h of batch) {
      const inv = byId.get(h.xero_invoice_id.toLowerCase());
      if (!inv) continue; // not changed since the ledger's write
      const status = String(inv.status);
      const total = inv.total === undefined ? null : formatDecimal(decimalFromNumber(inv.total));
      const gone = status === 'VOIDED' || status === 'DELETED';
      let what: string | null = null;
      if (gone && !h.voided_by_us) what = `${status.toLowerCase()} in Xero since the sync`;
      else if (!gone && h.voided_by_us) what = 'voided by the product, but not voided in Xero';
      else if (!gone && total !== null && parseDecimal(total) !== parseDecimal(h.amount))
        what = `its total in Xero is ${total}, the ledger keeps ${h.amount}`;
      if (!what) continue;
      result.findings.push({
        day: localDateOf(h.latest.placedAt, business.timeZone),
        locationId: h.latest.location.id,
        locationName: h.latest.location.name,
        orderId: h.order_id,
        orderNumber: h.latest.number,
        invoiceNumber: h.invoice_number,
        amount: h.amount,
        xeroStatus: status,
        xeroTotal: total,
        what,
      });
    }
  }
  return { ...result, ran: true };
}

/** The scope's invoices per the ledger, with the amount it keeps and whether the product voided them. */
async function heldInvoices(
  db: Db,
  businessId: string,
  timeZone: string,
  scope: CheckScope,
): Promise<HeldInvoice[]> {
  const { fromUtc, toUtcExclusive } = rangeUtc(scope.startDate, scope.endDate, timeZone);
  const params: unknown[] = [businessId, fromUtc, toUtcExclusive];
  const where = ['o.business_id = $1', 'o.placed_at >= $2', 'o.placed_at < $3'];
  if (scope.channel) where.push(`o.channel = $${params.push(scope.channel)}`);
  if (scope.locationId) where.push(`o.location_id = $${params.push(scope.locationId)}`);
  const { rows } = await db.query<HeldInvoice>(
    `SELECT o.id AS order_id, COALESCE(r.payload, o.payload) AS latest, l.invoice_number, l.xero_invoice_id,
            COALESCE((SELECT (c.xero->>'total') FROM order_changes c WHERE c.business_id = o.business_id
                        AND c.order_id = o.id AND c.kind = 'amend' AND c.status = 'done'
                      ORDER BY c.updated_at DESC LIMIT 1),
                     to_char(l.xero_total, 'FM9999999999990.00'), o.payload->>'total') AS amount,
            EXISTS (SELECT 1 FROM order_changes c WHERE c.business_id = o.business_id AND c.order_id = o.id
                      AND c.kind = 'void' AND c.status = 'done' AND (c.xero->>'voided')::boolean) AS voided_by_us,
            l.updated_at AS written_at
     FROM orders o
     JOIN order_ledger l ON l.business_id = o.business_id AND l.order_id = o.id
       AND l.status = 'synced' AND l.xero_invoice_id IS NOT NULL
     LEFT JOIN order_revisions r ON r.business_id = o.business_id AND r.order_id = o.id AND r.revision = o.revision
     WHERE ${where.join(' AND ')}
     ORDER BY o.placed_at, o.id`,
    params,
  );
  return rows;
}
