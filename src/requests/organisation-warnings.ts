import type { PreviewWarning } from '../contract';
import { localDateSql } from '../calendar';
import type { Db } from '../db/pool';
import type { ManualSyncInput } from '../definitions';
import { rangeWhere } from '../orders/store';
import { bindingLock, monthlyInvoiceCap, xeroDay } from '../xero/organisation';
import type { OrganisationFacts } from '../xero/organisation';
import { orderRangeOf } from '../engine/plan';

/**
 * The preview's warnings from the organisation's facts: orders dated in its locked period, orders in a currency it
 * has not enabled, and months past its plan's invoice cap. One query over the range, only when there are facts.
 */
interface FactsCounts {
  locked: number;
  lockedExamples: string[];
  currencies: Array<{ currency: string; orders: number }>;
  months: Array<{ month: string; invoices: number }>;
}

async function factsCounts(db: Db, input: ManualSyncInput, lockDate: string | null): Promise<FactsCounts> {
  const params: unknown[] = [];
  const where = rangeWhere(orderRangeOf(input), params);
  const add = (value: unknown) => `$${params.push(value)}`;
  const update = add(input.options.resyncPolicy === 'update');
  const tz = add(input.timeZone);
  const payments = add(input.options.recordPayments);
  const lock = add(lockDate);
  const local = (instant: string) => localDateSql(instant, tz);
  // An order is locked when its invoice, a payment it records or its refund is dated on or before the lock date:
  // the rule src/engine/organisation-rules.ts applies to each order before writing it.
  const { rows } = await db.query<FactsCounts>(
    `WITH r AS (
       SELECT o.*, l.status = 'synced' AS synced FROM orders o
       LEFT JOIN order_ledger l ON l.business_id = o.business_id AND l.order_id = o.id WHERE ${where}),
     d AS (
       SELECT id, number, placed_at, synced, payload->>'currency' AS currency, ${local('placed_at')} AS day,
         (SELECT min(${local("p->>'paidAt'")}) FROM jsonb_array_elements(payload->'payments') p
            WHERE ${payments} AND (p->>'amount')::numeric <> 0) AS paid_day,
         CASE WHEN status = 'refunded'
           THEN ${local("coalesce(payload->'refund'->>'refundedAt', (SELECT max(x->>'refundedAt') FROM jsonb_array_elements(payload->'refunds') x), payload->>'placedAt')")} END AS refund_day
       FROM r WHERE status <> 'voided' AND (synced IS NOT TRUE OR ${update})),
     k AS (
       SELECT d.*, coalesce(${lock}::date IS NOT NULL
         AND (day <= ${lock}::date OR paid_day <= ${lock}::date OR refund_day <= ${lock}::date), false) AS locked
       FROM d)
     SELECT
       (SELECT count(*)::int FROM k WHERE locked) AS locked,
       ARRAY(SELECT 'Order ' || number || ' of ' || day FROM k WHERE locked ORDER BY placed_at, id LIMIT 10)
         AS "lockedExamples",
       ARRAY(SELECT json_build_object('currency', currency, 'orders', n) FROM (
         SELECT currency, count(*)::int AS n FROM k GROUP BY 1 ORDER BY 1) c) AS currencies,
       ARRAY(SELECT json_build_object('month', month, 'invoices', n) FROM (
         SELECT to_char(day, 'YYYY-MM') AS month, count(*)::int AS n FROM k
         WHERE synced IS NOT TRUE AND NOT locked GROUP BY 1 ORDER BY 1) m) AS months`,
    params,
  );
  return rows[0]!;
}

export async function organisationWarnings(
  db: Db,
  input: ManualSyncInput,
  facts: OrganisationFacts,
): Promise<PreviewWarning[]> {
  const approving = input.options.invoiceStatus === 'AUTHORISED';
  const lock = approving ? bindingLock(facts) : null;
  const counts = await factsCounts(db, input, lock?.date ?? null);
  const out: PreviewWarning[] = [];
  if (lock && counts.locked > 0)
    out.push({
      code: 'locked_period',
      message:
        `${counts.locked} order(s) have their invoice, a payment or their refund dated on or before Xero's ` +
        `${lock.kind} lock date ${xeroDay(lock.date)} (both lock dates bind, an adviser's connection too): they ` +
        'will fail before anything of them is written. Ask your adviser to move the lock date in Xero, then ' +
        'retry the failed orders.',
      count: counts.locked,
      examples: counts.lockedExamples,
    });
  const disabled = counts.currencies.filter(
    (c) =>
      c.currency !== facts.baseCurrency &&
      facts.currencies !== null &&
      !facts.currencies.includes(c.currency),
  );
  if (disabled.length > 0) {
    const orders = disabled.reduce((n, c) => n + c.orders, 0);
    out.push({
      code: 'currency_not_enabled',
      message:
        `${orders} order(s) are in a currency Xero organisation ${facts.name ?? facts.tenantId} has not enabled ` +
        `(${disabled.map((c) => c.currency).join(', ')}): they will fail before any write. Ask your adviser to add ` +
        'the currency in Xero (Settings → Currencies), then retry the failed orders.',
      count: orders,
      examples: disabled.map((c) => `${c.currency}: ${c.orders} order(s)`),
    });
  }
  const cap = approving ? capWarning(facts, counts.months) : null;
  if (cap) out.push(cap);
  return out;
}

/** Per month of invoice date, this request's approved invoices against the plan's cap. */
function capWarning(facts: OrganisationFacts, months: FactsCounts['months']): PreviewWarning | null {
  const cap = monthlyInvoiceCap(facts.planClass);
  if (cap === null || months.length === 0) return null;
  const over = months.reduce((n, m) => n + Math.max(0, m.invoices - cap), 0);
  const busiest = months.reduce((a, m) => (m.invoices > a.invoices ? m : a));
  return {
    code: 'plan_invoice_cap',
    message:
      `Xero organisation ${facts.name ?? facts.tenantId} is on the ${facts.planClass} plan, which approves at most ` +
      `${cap} sales invoices a calendar month (by invoice date). This request would approve up to ` +
      `${busiest.invoices} in ${busiest.month}${over > 0 ? `, ${over} past the cap in all` : ''}. Invoices already ` +
      'in Xero for those months are not counted here, so fewer may fit. Past the cap Xero refuses the invoice ' +
      '("You have reached the limit of invoices you can approve."): those orders fail. Upgrade the plan, or send ' +
      'them as drafts (invoiceStatus "DRAFT"), then retry the failed orders.',
    count: over,
    examples: months.map((m) => `${m.month}: ${m.invoices} of ${cap}`),
    months: months.map((m) => ({ ...m, cap })),
  };
}
