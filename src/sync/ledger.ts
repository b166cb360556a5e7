import type { Db } from '../db/pool';
import type { SyncCounts } from '../definitions';
import { MONEY_CHECK_KINDS } from './money-checks';
import type { MoneyCheck, MoneyCheckKind } from './money-checks';

/**
 * The exactly-once ledger (table order_ledger) and each request's per-order outcomes (sync_request_orders).
 * An order is marked `pending` before its invoice is written and `synced` or `failed` after; a `pending` row
 * found later means the outcome of that write is unknown, and Xero is asked before writing again.
 */
export interface LedgerRow {
  orderId: string;
  status: 'pending' | 'synced' | 'failed';
  requestId: string;
  invoiceNumber: string;
  xeroInvoiceId: string | null;
  paymentsStatus: 'none' | 'pending' | 'done';
  creditNoteStatus: 'none' | 'pending' | 'done';
  creditNoteId: string | null;
  xeroContactId: string | null;
}

export type Outcome = 'synced' | 'failed' | 'skipped';

export async function ledgerRows(
  db: Db,
  businessId: string,
  orderIds: string[],
): Promise<Map<string, LedgerRow>> {
  const { rows } = await db.query<{
    order_id: string;
    status: LedgerRow['status'];
    request_id: string;
    invoice_number: string;
    xero_invoice_id: string | null;
    payments_status: LedgerRow['paymentsStatus'];
    credit_note_status: LedgerRow['creditNoteStatus'];
    credit_note_id: string | null;
    xero_contact_id: string | null;
  }>(
    `SELECT order_id, status, request_id, invoice_number, xero_invoice_id, payments_status, credit_note_status,
       credit_note_id, xero_contact_id
     FROM order_ledger WHERE business_id = $1 AND order_id = ANY($2)`,
    [businessId, orderIds],
  );
  return new Map(
    rows.map((r) => [
      r.order_id,
      {
        orderId: r.order_id,
        status: r.status,
        requestId: r.request_id,
        invoiceNumber: r.invoice_number,
        xeroInvoiceId: r.xero_invoice_id,
        paymentsStatus: r.payments_status,
        creditNoteStatus: r.credit_note_status,
        creditNoteId: r.credit_note_id,
        xeroContactId: r.xero_contact_id,
      },
    ]),
  );
}

/** Marks orders pending before their invoices are written (never downgrading a synced order). */
export async function markPending(
  db: Db,
  businessId: string,
  requestId: string,
  orders: Array<{ orderId: string; invoiceNumber: string }>,
): Promise<void> {
  if (orders.length === 0) return;
  await db.query(
    `INSERT INTO order_ledger (business_id, order_id, status, request_id, invoice_number, attempts)
     SELECT $1, o, 'pending', $2, n, 1 FROM unnest($3::text[], $4::text[]) AS t(o, n)
     ON CONFLICT (business_id, order_id) DO UPDATE SET status = 'pending', request_id = EXCLUDED.request_id,
       invoice_number = EXCLUDED.invoice_number, attempts = order_ledger.attempts + 1, error = NULL, updated_at = now()
     WHERE order_ledger.status <> 'synced'`,
    [businessId, requestId, orders.map((o) => o.orderId), orders.map((o) => o.invoiceNumber)],
  );
}

export async function markSynced(
  db: Db,
  businessId: string,
  requestId: string,
  rows: Array<{
    orderId: string;
    invoiceNumber: string;
    xeroInvoiceId: string;
    xeroContactId: string | null;
  }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO order_ledger (business_id, order_id, status, request_id, invoice_number, xero_invoice_id, xero_contact_id)
     SELECT $1, o, 'synced', $2, n, i, c FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS t(o, n, i, c)
     ON CONFLICT (business_id, order_id) DO UPDATE SET status = 'synced', request_id = EXCLUDED.request_id,
       invoice_number = EXCLUDED.invoice_number, xero_invoice_id = EXCLUDED.xero_invoice_id,
       xero_contact_id = COALESCE(EXCLUDED.xero_contact_id, order_ledger.xero_contact_id), error = NULL, updated_at = now()`,
    [
      businessId,
      requestId,
      rows.map((r) => r.orderId),
      rows.map((r) => r.invoiceNumber),
      rows.map((r) => r.xeroInvoiceId),
      rows.map((r) => r.xeroContactId),
    ],
  );
}

export async function markFailed(
  db: Db,
  businessId: string,
  requestId: string,
  rows: Array<{ orderId: string; invoiceNumber: string; error: string }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO order_ledger (business_id, order_id, status, request_id, invoice_number, error, attempts)
     SELECT $1, o, 'failed', $2, n, e, 1 FROM unnest($3::text[], $4::text[], $5::text[]) AS t(o, n, e)
     ON CONFLICT (business_id, order_id) DO UPDATE SET status = 'failed', request_id = EXCLUDED.request_id,
       error = EXCLUDED.error, updated_at = now()
     WHERE order_ledger.status <> 'synced'`,
    [
      businessId,
      requestId,
      rows.map((r) => r.orderId),
      rows.map((r) => r.invoiceNumber),
      rows.map((r) => r.error),
    ],
  );
}

/** Claims the right to write an order's payments (or credit note): only one writer ever gets a row. */
export async function claimFollowUp(
  db: Db,
  businessId: string,
  column: 'payments_status' | 'credit_note_status',
  orderIds: string[],
): Promise<Set<string>> {
  if (orderIds.length === 0) return new Set();
  const { rows } = await db.query<{ order_id: string }>(
    `UPDATE order_ledger SET ${column} = 'pending', updated_at = now()
     WHERE business_id = $1 AND order_id = ANY($2) AND status = 'synced' AND ${column} = 'none'
     RETURNING order_id`,
    [businessId, orderIds],
  );
  return new Set(rows.map((r) => r.order_id));
}

export async function completeFollowUp(
  db: Db,
  businessId: string,
  column: 'payments_status' | 'credit_note_status',
  rows: Array<{ orderId: string; ids: string[] }>,
): Promise<void> {
  if (rows.length === 0) return;
  const idsColumn = column === 'payments_status' ? 'payment_ids = ids' : 'credit_note_id = ids[1]';
  await db.query(
    `UPDATE order_ledger l SET ${column} = 'done', ${idsColumn}, updated_at = now()
     FROM (SELECT o, string_to_array(i, ',') AS ids FROM unnest($2::text[], $3::text[]) AS t(o, i)) AS u
     WHERE l.business_id = $1 AND l.order_id = u.o`,
    [businessId, rows.map((r) => r.orderId), rows.map((r) => r.ids.join(','))],
  );
}

/** Records what this request did with each order; a retried batch overwrites, never double counts. */
export async function recordOutcomes(
  db: Db,
  requestId: string,
  rows: Array<{
    orderId: string;
    outcome: Outcome;
    error?: string | null;
    xeroInvoiceId?: string | null;
    invoiceNumber?: string | null;
  }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO sync_request_orders (request_id, order_id, outcome, error, xero_invoice_id, invoice_number)
     SELECT $1, o, oc, e, x, n FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(o, oc, e, x, n)
     ON CONFLICT (request_id, order_id) DO UPDATE SET outcome = EXCLUDED.outcome, error = EXCLUDED.error,
       xero_invoice_id = COALESCE(EXCLUDED.xero_invoice_id, sync_request_orders.xero_invoice_id),
       invoice_number = COALESCE(EXCLUDED.invoice_number, sync_request_orders.invoice_number), updated_at = now()
     -- An order this request already synced stays synced when a retried batch sees it again.
     WHERE NOT (sync_request_orders.outcome = 'synced' AND EXCLUDED.outcome = 'skipped')`,
    [
      requestId,
      rows.map((r) => r.orderId),
      rows.map((r) => r.outcome),
      rows.map((r) => r.error ?? null),
      rows.map((r) => r.xeroInvoiceId ?? null),
      rows.map((r) => r.invoiceNumber ?? null),
    ],
  );
}

export async function requestCounts(db: Db, requestId: string): Promise<SyncCounts> {
  const { rows } = await db.query<{ outcome: Outcome; n: number }>(
    'SELECT outcome, count(*)::int AS n FROM sync_request_orders WHERE request_id = $1 GROUP BY outcome',
    [requestId],
  );
  const counts: SyncCounts = { found: 0, synced: 0, failed: 0, skipped: 0 };
  for (const r of rows) {
    counts[r.outcome] = r.n;
    counts.found += r.n;
  }
  return counts;
}

/** Remembers a created credit note before it is allocated or refunded, so a retry never creates it twice. */
export async function setCreditNoteId(
  db: Db,
  businessId: string,
  orderId: string,
  creditNoteId: string,
): Promise<void> {
  await db.query(
    'UPDATE order_ledger SET credit_note_id = $3, updated_at = now() WHERE business_id = $1 AND order_id = $2',
    [businessId, orderId, creditNoteId],
  );
}

/**
 * Records money checks of one kind (src/sync/money-checks.ts) on the orders' ledger rows: a mismatch message is
 * kept under its kind, a check that now agrees removes it. Per-order results show these messages.
 */
export async function recordMoneyChecks(
  db: Db,
  businessId: string,
  kind: MoneyCheckKind,
  checks: MoneyCheck[],
): Promise<void> {
  if (checks.length === 0) return;
  await db.query(
    `UPDATE order_ledger l SET money_checks = NULLIF(
       CASE WHEN u.m IS NULL THEN COALESCE(l.money_checks, '{}'::jsonb) - $2::text
            ELSE COALESCE(l.money_checks, '{}'::jsonb) || jsonb_build_object($2::text, u.m) END, '{}'::jsonb),
       updated_at = now()
     FROM unnest($3::text[], $4::text[]) AS u(o, m)
     WHERE l.business_id = $1 AND l.order_id = u.o`,
    [businessId, kind, checks.map((c) => c.orderId), checks.map((c) => c.mismatch)],
  );
}

/** The money-check messages of orders, in a fixed order of kinds (orders without any are left out). */
export async function moneyMismatches(
  db: Db,
  businessId: string,
  orderIds: string[],
): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ order_id: string; money_checks: Record<string, string> }>(
    `SELECT order_id, money_checks FROM order_ledger
     WHERE business_id = $1 AND order_id = ANY($2) AND money_checks IS NOT NULL`,
    [businessId, orderIds],
  );
  return new Map(rows.map((r) => [r.order_id, moneyCheckMessages(r.money_checks)]));
}

export function moneyCheckMessages(checks: Record<string, string> | null): string[] {
  return MONEY_CHECK_KINDS.flatMap((kind) => (checks?.[kind] ? [checks[kind]] : []));
}
