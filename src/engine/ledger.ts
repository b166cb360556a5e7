import { statementParams } from '../db/params';
import type { Param } from '../db/params';
import type { Db } from '../db/pool';
import type { OrderOutcome } from '../contract';
import type { SyncCounts } from '../definitions';
import { MONEY_CHECK_KINDS } from './money-checks';
import type { MoneyCheck, MoneyCheckKind } from './money-checks';
import { addWorkSql, removeWorkSql } from './work-queue';
import type { FollowUp, QueueChange, WorkItem } from './work-queue';

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
  refundStatus: 'none' | 'pending' | 'done';
  allocationStatus: 'none' | 'pending' | 'done';
  xeroContactId: string | null;
}

const LEDGER_COLUMNS = `order_id, status, request_id, invoice_number, xero_invoice_id, payments_status,
  credit_note_status, credit_note_id, refund_status, allocation_status, xero_contact_id`;

interface LedgerDbRow {
  order_id: string;
  status: LedgerRow['status'];
  request_id: string;
  invoice_number: string;
  xero_invoice_id: string | null;
  payments_status: LedgerRow['paymentsStatus'];
  credit_note_status: LedgerRow['creditNoteStatus'];
  credit_note_id: string | null;
  refund_status: LedgerRow['refundStatus'];
  allocation_status: LedgerRow['allocationStatus'];
  xero_contact_id: string | null;
}

function ledgerRowOf(r: LedgerDbRow): LedgerRow {
  return {
    orderId: r.order_id,
    status: r.status,
    requestId: r.request_id,
    invoiceNumber: r.invoice_number,
    xeroInvoiceId: r.xero_invoice_id,
    paymentsStatus: r.payments_status,
    creditNoteStatus: r.credit_note_status,
    creditNoteId: r.credit_note_id,
    refundStatus: r.refund_status,
    allocationStatus: r.allocation_status,
    xeroContactId: r.xero_contact_id,
  };
}

export async function ledgerRows(
  db: Db,
  businessId: string,
  orderIds: string[],
): Promise<Map<string, LedgerRow>> {
  const { rows } = await db.query<LedgerDbRow>(
    `SELECT ${LEDGER_COLUMNS} FROM order_ledger WHERE business_id = $1 AND order_id = ANY($2)`,
    [businessId, orderIds],
  );
  return new Map(rows.map((r) => [r.order_id, ledgerRowOf(r)]));
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

/**
 * The ledger rows of `ids` locked in order_id order, as a CTE named `locked`. Every statement that writes several
 * ledger rows takes its locks through it (a claim by ORDER BY ... FOR UPDATE), so two writers sharing rows (a
 * payments writer marking its batch done while the refunds' writer claims the same orders) lock them in the same
 * order and never deadlock. Each statement used to lock in its own plan's order (the array's, the index's), and
 * PostgreSQL broke the deadlock after its 1 s deadlock_timeout by failing one of them: a stall and a failed write
 * in P3's slow phases (issue 24).
 */
function lockedInOrder(business: string, ids: string): string {
  return `locked AS MATERIALIZED (
    SELECT order_id FROM order_ledger WHERE business_id = ${business} AND order_id = ANY(${ids})
    ORDER BY order_id FOR UPDATE)`;
}

/** Orders marked pending whose write was never sent: they are written again without asking Xero first. */
export async function markNotSent(db: Db, businessId: string, orderIds: string[]): Promise<void> {
  if (orderIds.length === 0) return;
  await db.query(
    `WITH ${lockedInOrder('$1', '$2')}
     UPDATE order_ledger l SET status = 'failed', error = 'not sent: Xero''s daily call limit was used up', updated_at = now()
     FROM locked k WHERE l.business_id = $1 AND l.order_id = ANY($2) AND l.order_id = k.order_id AND l.status = 'pending'`,
    [businessId, orderIds],
  );
}

/** An order whose invoice is in Xero: its ids, and the invoice's money check. */
export interface SyncedOrder {
  orderId: string;
  invoiceNumber: string;
  xeroInvoiceId: string;
  xeroContactId: string | null;
  /** The invoice's money check (src/engine/money-checks.ts): null when Xero's amounts agree. */
  moneyCheck?: string | null;
  /** The invoice's Total as Xero answered it (a decimal string), for the reconciliation. */
  xeroTotal?: string | null;
}

/** An order that could not be written, with the reason. */
export interface FailedOrder {
  orderId: string;
  invoiceNumber: string;
  error: string;
}

/** What this request did with an order, for its per-order results (sync_request_orders). */
export interface OrderOutcomeRow {
  orderId: string;
  outcome: OrderOutcome;
  error?: string | null;
  xeroInvoiceId?: string | null;
  invoiceNumber?: string | null;
}

/** A `synced` mark as the request's result line for that order. */
export const syncedOutcome = (r: SyncedOrder): OrderOutcomeRow => ({
  orderId: r.orderId,
  outcome: 'synced',
  xeroInvoiceId: r.xeroInvoiceId,
  invoiceNumber: r.invoiceNumber,
});

/** A `failed` mark as the request's result line for that order. */
export const failedOutcome = (r: FailedOrder): OrderOutcomeRow => ({ ...r, outcome: 'failed' });

// The invoice's money check is kept in the same statement: set when Xero's amounts differ, cleared otherwise.
const markSyncedSql = ($: Param, businessId: string, requestId: string, rows: SyncedOrder[]) => `
  INSERT INTO order_ledger (business_id, order_id, status, request_id, invoice_number, xero_invoice_id,
    xero_contact_id, money_checks, xero_total)
  SELECT ${$(businessId)}, o, 'synced', ${$(requestId)}, n, i, c,
    CASE WHEN m IS NOT NULL THEN jsonb_build_object('invoice', m) END, x
  FROM unnest(${$(rows.map((r) => r.orderId))}::text[], ${$(rows.map((r) => r.invoiceNumber))}::text[],
    ${$(rows.map((r) => r.xeroInvoiceId))}::text[], ${$(rows.map((r) => r.xeroContactId))}::text[],
    ${$(rows.map((r) => r.moneyCheck ?? null))}::text[],
    ${$(rows.map((r) => r.xeroTotal ?? null))}::numeric[]) AS t(o, n, i, c, m, x)
  ON CONFLICT (business_id, order_id) DO UPDATE SET status = 'synced', request_id = EXCLUDED.request_id,
    xero_total = COALESCE(EXCLUDED.xero_total, order_ledger.xero_total),
    invoice_number = EXCLUDED.invoice_number, xero_invoice_id = EXCLUDED.xero_invoice_id,
    xero_contact_id = COALESCE(EXCLUDED.xero_contact_id, order_ledger.xero_contact_id), error = NULL,
    money_checks = CASE WHEN EXCLUDED.money_checks IS NOT NULL
                        THEN COALESCE(order_ledger.money_checks, '{}'::jsonb) || EXCLUDED.money_checks
                        ELSE NULLIF(COALESCE(order_ledger.money_checks, '{}'::jsonb) - 'invoice', '{}'::jsonb) END,
    updated_at = now()`;

// A failed order never downgrades one already synced.
const markFailedSql = ($: Param, businessId: string, requestId: string, rows: FailedOrder[]) => `
  INSERT INTO order_ledger (business_id, order_id, status, request_id, invoice_number, error, attempts)
  SELECT ${$(businessId)}, o, 'failed', ${$(requestId)}, n, e, 1
  FROM unnest(${$(rows.map((r) => r.orderId))}::text[], ${$(rows.map((r) => r.invoiceNumber))}::text[],
    ${$(rows.map((r) => r.error))}::text[]) AS t(o, n, e)
  ON CONFLICT (business_id, order_id) DO UPDATE SET status = 'failed', request_id = EXCLUDED.request_id,
    error = EXCLUDED.error, updated_at = now()
  WHERE order_ledger.status <> 'synced'`;

// A retried batch overwrites, never double counts; an order this request already synced stays synced when a
// retried batch sees it again.
const recordOutcomesSql = ($: Param, requestId: string, rows: OrderOutcomeRow[]) => `
  INSERT INTO sync_request_orders (request_id, order_id, outcome, error, xero_invoice_id, invoice_number)
  SELECT ${$(requestId)}, o, oc, e, x, n
  FROM unnest(${$(rows.map((r) => r.orderId))}::text[], ${$(rows.map((r) => r.outcome))}::text[],
    ${$(rows.map((r) => r.error ?? null))}::text[], ${$(rows.map((r) => r.xeroInvoiceId ?? null))}::text[],
    ${$(rows.map((r) => r.invoiceNumber ?? null))}::text[]) AS t(o, oc, e, x, n)
  ON CONFLICT (request_id, order_id) DO UPDATE SET outcome = EXCLUDED.outcome, error = EXCLUDED.error,
    xero_invoice_id = COALESCE(EXCLUDED.xero_invoice_id, sync_request_orders.xero_invoice_id),
    invoice_number = COALESCE(EXCLUDED.invoice_number, sync_request_orders.invoice_number), updated_at = now()
  WHERE NOT (sync_request_orders.outcome = 'synced' AND EXCLUDED.outcome = 'skipped')`;

/**
 * Records orders in one statement (so a page costs one round trip, and its marks and results never part): the
 * ledger marks orders `synced` or `failed`, and this request's results get a line for each of those and for
 * every other outcome given (skipped orders, follow-ups refused). The follow-up work the page makes due is listed
 * in the same statement (`work`); answers what of it was new, for the step's queue to count.
 */
export async function recordOrders(
  db: Db,
  businessId: string,
  requestId: string,
  orders: {
    synced?: SyncedOrder[];
    failed?: FailedOrder[];
    outcomes?: OrderOutcomeRow[];
    work?: WorkItem[];
  },
): Promise<QueueChange[]> {
  const { synced = [], failed = [], outcomes = [], work = [] } = orders;
  const results = [...synced.map(syncedOutcome), ...failed.map(failedOutcome), ...outcomes];
  const { $, values } = statementParams();
  const parts = [
    ...(synced.length > 0 ? [markSyncedSql($, businessId, requestId, synced)] : []),
    ...(failed.length > 0 ? [markFailedSql($, businessId, requestId, failed)] : []),
    ...(results.length > 0 ? [recordOutcomesSql($, requestId, results)] : []),
  ];
  const listing = work.length > 0 ? addWorkSql($, requestId, work) : null;
  if (parts.length === 0 && !listing) return [];
  const ctes = parts.map((sql, i) => `p${i} AS (${sql})`).join(', ');
  const sql = listing
    ? `WITH ${ctes ? `${ctes}, ` : ''}listed AS (${listing}) SELECT kind, elements FROM listed`
    : `WITH ${ctes} SELECT 1 WHERE false`;
  return (await db.query<QueueChange>(sql, values)).rows;
}

/** A follow-up write of an order, each with its own claim in the ledger: none -> pending -> done. */

const FOLLOW_UP_COLUMNS: Record<FollowUp, { status: string; claimedAt: string; claimedBy: string }> = {
  payments: { status: 'payments_status', claimedAt: 'payments_claimed_at', claimedBy: 'payments_claimed_by' },
  credit_note: {
    status: 'credit_note_status',
    claimedAt: 'credit_note_claimed_at',
    claimedBy: 'credit_note_claimed_by',
  },
  refund: { status: 'refund_status', claimedAt: 'refund_claimed_at', claimedBy: 'refund_claimed_by' },
  allocation: {
    status: 'allocation_status',
    claimedAt: 'allocation_claimed_at',
    claimedBy: 'allocation_claimed_by',
  },
};

/** Who writes: the request, and the attempt of its step (claims of an earlier attempt are taken over). */
export interface Claimant {
  requestId: string;
  attempt: string;
  /** How old another request's claim must be before it is taken over. */
  foreignStaleMs: number;
}

export interface Claims {
  /** Claimed now, never written before: write them. */
  fresh: Set<string>;
  /** Claimed now from a claim left pending long ago (a crash): ask Xero whether the write happened. */
  stale: Set<string>;
  /** Pending under another writer's recent claim (it may have a write in flight): leave them for later. */
  busy: Set<string>;
  /** Already written (or no longer writable: no invoice in Xero): nothing to do. */
  settled: Set<string>;
  /** The ledger rows of the orders claimed (fresh or stale), as they were before the claim. */
  rows: Map<string, LedgerRow>;
}

/**
 * Claims the right to write orders' follow-ups: only one writer ever gets a row. A pending claim is taken over
 * when it was left by an earlier attempt of this request (Temporal retries a step only after giving up on it),
 * when its writer said its call is over (`releaseToSettle`), or when another request's claim is older than any
 * call can take; otherwise it is left alone.
 */
export async function claimFollowUps(
  db: Db,
  businessId: string,
  kind: FollowUp,
  orderIds: string[],
  who: Claimant,
): Promise<Claims> {
  const claims: Claims = {
    fresh: new Set(),
    stale: new Set(),
    busy: new Set(),
    settled: new Set(),
    rows: new Map(),
  };
  if (orderIds.length === 0) return claims;
  const { status, claimedAt, claimedBy } = FOLLOW_UP_COLUMNS[kind];
  const { rows } = await db.query<LedgerDbRow & { was: string; claimed: boolean }>(
    `WITH old AS (
       SELECT ${LEDGER_COLUMNS}, ${status} AS was, ${claimedAt} AS at, ${claimedBy} AS by FROM order_ledger
       WHERE business_id = $1 AND order_id = ANY($2) AND status = 'synced' ORDER BY order_id FOR UPDATE),
     upd AS (
       UPDATE order_ledger l SET ${status} = 'pending', ${claimedAt} = clock_timestamp(),
         ${claimedBy} = $3 || ' ' || $4, updated_at = now()
       FROM old WHERE l.business_id = $1 AND l.order_id = ANY($2) AND l.order_id = old.order_id
         AND (old.was = 'none' OR (old.was = 'pending' AND (old.by IS NULL
              OR (split_part(old.by, ' ', 1) = $3 AND old.by <> $3 || ' ' || $4)
              OR old.at < clock_timestamp() - $5 * interval '1 millisecond')))
       RETURNING l.order_id)
     SELECT old.*, upd.order_id IS NOT NULL AS claimed FROM old LEFT JOIN upd USING (order_id)`,
    [businessId, orderIds, who.requestId, who.attempt, who.foreignStaleMs],
  );
  const seen = new Set(rows.map((r) => r.order_id));
  for (const r of rows) {
    if (r.claimed) {
      (r.was === 'none' ? claims.fresh : claims.stale).add(r.order_id);
      claims.rows.set(r.order_id, ledgerRowOf(r));
    } else (r.was === 'pending' ? claims.busy : claims.settled).add(r.order_id);
  }
  for (const id of orderIds) if (!seen.has(id)) claims.settled.add(id);
  return claims;
}

/**
 * Marks follow-ups written; payments keep their Xero ids. A money check given with a row is kept under the
 * follow-up's kind in the same statement (set when Xero's amounts differ, cleared when they agree). With
 * `written`, the batch's work leaves the request's queue in the same statement; answers what was removed.
 */
export async function completeFollowUps(
  db: Db,
  businessId: string,
  kind: FollowUp,
  rows: Array<{ orderId: string; ids?: string[]; moneyCheck?: string | null }>,
  written?: { requestId: string; items: Array<Pick<WorkItem, 'kind' | 'orderId'>> },
): Promise<QueueChange[]> {
  if (rows.length === 0) return [];
  const { status, claimedAt, claimedBy } = FOLLOW_UP_COLUMNS[kind];
  const { $, values } = statementParams();
  const ids = kind === 'payments' ? ', payment_ids = u.ids' : '';
  const kindText = $(kind);
  const business = $(businessId);
  const orderIds = $(rows.map((r) => r.orderId));
  const done = `
    UPDATE order_ledger l SET ${status} = 'done', ${claimedAt} = NULL, ${claimedBy} = NULL${ids},
      money_checks = CASE WHEN NOT u.checked THEN l.money_checks
                          WHEN u.m IS NOT NULL THEN COALESCE(l.money_checks, '{}'::jsonb) || jsonb_build_object(${kindText}::text, u.m)
                          ELSE NULLIF(COALESCE(l.money_checks, '{}'::jsonb) - ${kindText}::text, '{}'::jsonb) END,
      updated_at = now()
    FROM (SELECT o, string_to_array(i, ',') AS ids, m, c AS checked
          FROM unnest(${orderIds}::text[], ${$(rows.map((r) => (r.ids ?? []).join(',')))}::text[],
            ${$(rows.map((r) => r.moneyCheck ?? null))}::text[], ${$(rows.map((r) => r.moneyCheck !== undefined))}::bool[])
          AS t(o, i, m, c)) AS u
    , locked k WHERE l.business_id = ${business} AND l.order_id = ANY(${orderIds}) AND l.order_id = u.o
      AND k.order_id = u.o`;
  const locked = lockedInOrder(business, orderIds);
  if (!written || written.items.length === 0) {
    await db.query(`WITH ${locked} ${done}`, values);
    return [];
  }
  const gone = removeWorkSql($, written.requestId, written.items);
  const sql = `WITH ${locked}, done AS (${done}), gone AS (${gone}) SELECT kind, elements FROM gone`;
  return (await db.query<QueueChange>(sql, values)).rows;
}

/**
 * After a write whose outcome is unknown (no answer, 5xx): the call is over, so nothing of ours is in flight; the
 * claims stay pending and whoever claims them next asks Xero whether the write happened.
 */
export async function releaseToSettle(
  db: Db,
  businessId: string,
  kind: FollowUp,
  orderIds: string[],
): Promise<void> {
  if (orderIds.length === 0) return;
  const { status, claimedBy } = FOLLOW_UP_COLUMNS[kind];
  await db.query(
    `WITH ${lockedInOrder('$1', '$2')}
     UPDATE order_ledger l SET ${claimedBy} = NULL, updated_at = now()
     FROM locked k WHERE l.business_id = $1 AND l.order_id = ANY($2) AND l.order_id = k.order_id AND l.${status} = 'pending'`,
    [businessId, orderIds],
  );
}

/** Gives claims back after Xero refused the write: a later request (retry-failed) may try again. */
export async function releaseFollowUps(
  db: Db,
  businessId: string,
  kind: FollowUp,
  orderIds: string[],
): Promise<void> {
  if (orderIds.length === 0) return;
  const { status, claimedAt, claimedBy } = FOLLOW_UP_COLUMNS[kind];
  await db.query(
    `WITH ${lockedInOrder('$1', '$2')}
     UPDATE order_ledger l SET ${status} = 'none', ${claimedAt} = NULL, ${claimedBy} = NULL, updated_at = now()
     FROM locked k WHERE l.business_id = $1 AND l.order_id = ANY($2) AND l.order_id = k.order_id AND l.${status} = 'pending'`,
    [businessId, orderIds],
  );
}

/**
 * A credit note Xero created: its id is kept at once (so a retry never creates it twice), and its allocation and
 * refund become due, or are marked done when the plan needs none.
 */
export async function recordCreditNote(
  db: Db,
  businessId: string,
  rows: Array<{ orderId: string; creditNoteId: string; allocation: boolean; refund: boolean }>,
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `WITH ${lockedInOrder('$1', '$2')}
     UPDATE order_ledger l SET credit_note_status = 'done', credit_note_claimed_at = NULL,
       credit_note_claimed_by = NULL, credit_note_id = u.id,
       allocation_status = CASE WHEN u.a THEN l.allocation_status ELSE 'done' END,
       refund_status = CASE WHEN u.r THEN l.refund_status ELSE 'done' END, updated_at = now()
     FROM unnest($2::text[], $3::text[], $4::bool[], $5::bool[]) AS u(o, id, a, r), locked k
     WHERE l.business_id = $1 AND l.order_id = ANY($2) AND l.order_id = u.o AND k.order_id = u.o`,
    [
      businessId,
      rows.map((r) => r.orderId),
      rows.map((r) => r.creditNoteId),
      rows.map((r) => r.allocation),
      rows.map((r) => r.refund),
    ],
  );
}

/** The request's outcome counts, kept incrementally (a trigger on sync_request_orders): one row, any size. */
export async function requestCounts(db: Db, requestId: string): Promise<SyncCounts> {
  const { rows } = await db.query<{ synced: number; failed: number; skipped: number }>(
    'SELECT synced, failed, skipped FROM sync_request_progress WHERE request_id = $1',
    [requestId],
  );
  const r = rows[0] ?? { synced: 0, failed: 0, skipped: 0 };
  return { found: r.synced + r.failed + r.skipped, synced: r.synced, failed: r.failed, skipped: r.skipped };
}

/**
 * Records money checks of one kind (src/engine/money-checks.ts) on the orders' ledger rows: a mismatch message is
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
    `WITH ${lockedInOrder('$1', '$3')}
     UPDATE order_ledger l SET money_checks = NULLIF(
       CASE WHEN u.m IS NULL THEN COALESCE(l.money_checks, '{}'::jsonb) - $2::text
            ELSE COALESCE(l.money_checks, '{}'::jsonb) || jsonb_build_object($2::text, u.m) END, '{}'::jsonb),
       updated_at = now()
     FROM unnest($3::text[], $4::text[]) AS u(o, m), locked k
     -- A clean answer only touches a row that holds an earlier difference of this kind (to clear it).
     WHERE l.business_id = $1 AND l.order_id = ANY($3) AND l.order_id = u.o AND k.order_id = u.o
       AND (u.m IS NOT NULL OR l.money_checks ? $2::text)`,
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
