import type { CreateSyncRequestBody } from '../api/sync-requests/schemas';
import type { Business } from '../businesses/store';
import type { ManualSyncInput } from '../definitions';
import { contactKey, normaliseContactName } from '../sync/contacts';
import { estimateCalls, estimateQuotaWindows, etaSeconds } from '../sync/estimate';
import { batchAt, planBatches } from '../sync/planning';
import type { TenantLimiter } from '../xero/limiter';
import { buildInput, findContact, ownRequest } from './submit';
import type { SubmitDeps } from './submit';

/** Xero's documented daily limit per organisation (assumed until the organisation tells us what is left). */
export const XERO_DAY_LIMIT = 5000;

export interface PreviewDeps extends SubmitDeps {
  limiter: Pick<TenantLimiter, 'dailyQuota'>;
}

type Warning = {
  code:
    | 'unmapped_tax_code'
    | 'unmapped_payment_method'
    | 'contact_name_clash'
    | 'manual_contact_archived'
    | 'already_synced'
    | 'no_orders';
  message: string;
  count: number;
  examples: string[];
};

interface RangeStats {
  total: number;
  completed: number;
  refunded: number;
  voided: number;
  alreadySynced: number;
  payments: number;
  taxCodes: string[];
  paymentMethods: string[];
  contactNames: string[];
}

/**
 * What a request would do, without doing it: counts, a call estimate (an upper bound: every contact is assumed
 * new) and the daily quota windows it needs, and warnings. One Xero read at most (the manual contact).
 */
export async function previewSyncRequest(
  deps: PreviewDeps,
  businessId: string,
  body: Omit<CreateSyncRequestBody, 'businessId'> & { businessId?: string },
) {
  const request = ownRequest(businessId, body);
  const { input, business } = await buildInput(deps, businessId, request, 'preview', false);
  const stats = await rangeStats(deps, input);
  const toSync =
    stats.total - stats.voided - (input.options.resyncPolicy === 'skip' ? stats.alreadySynced : 0);
  const calls = estimateCalls({
    orders: toSync,
    withPayments: input.options.recordPayments,
    paidOrders: stats.payments,
    refundedOrders: stats.refunded,
    newContacts: input.contactMapping.mode === 'auto' ? new Set(stats.contactNames.map(contactKey)).size : 0,
  });
  return {
    orders: {
      total: stats.total,
      completed: stats.completed,
      refunded: stats.refunded,
      voided: stats.voided,
      alreadySynced: stats.alreadySynced,
      toSync,
    },
    estimate: { calls, ...(await quotaEstimate(deps, business, calls.total, input)) },
    warnings: await warnings(deps, business, input, stats),
  };
}

async function quotaEstimate(deps: PreviewDeps, business: Business, calls: number, input: ManualSyncInput) {
  const quota = await deps.limiter.dailyQuota(business.xeroTenantId!);
  const now = Date.now();
  // What we last saw is stale once its window has reset (or a day later, when the reset time is unknown).
  const stale =
    quota.observedAt === null ||
    (quota.resetAt ? quota.resetAt.getTime() <= now : now - quota.observedAt.getTime() > 86_400_000);
  const dayRemaining = stale || quota.dayRemaining === null ? XERO_DAY_LIMIT : quota.dayRemaining;
  const reserve = Math.min(input.dailyReserve, XERO_DAY_LIMIT - 1);
  const resetMs = quota.resetAt && !stale ? quota.resetAt.getTime() - now : 86_400_000;
  return {
    quotaWindows:
      calls === 0 ? 0 : estimateQuotaWindows({ calls, dayRemaining, dayLimit: XERO_DAY_LIMIT, reserve }),
    dayRemaining,
    dayLimit: XERO_DAY_LIMIT,
    dailyReserve: reserve,
    etaSeconds: etaSeconds({
      remainingCalls: calls,
      perMinute: input.callsPerMinute,
      dayRemaining,
      reserve,
      secondsUntilDayReset: Math.ceil(Math.max(0, resetMs) / 1000),
      dayLimit: XERO_DAY_LIMIT,
    }),
  };
}

/** One pass over the range's orders in PostgreSQL: counts, payments, the codes and names used. */
async function rangeStats(deps: SubmitDeps, input: ManualSyncInput): Promise<RangeStats> {
  const plan = planBatches(input);
  const from = batchAt(plan, 0).fromUtc;
  const to = batchAt(plan, plan.batchCount - 1).toUtcExclusive;
  const params: unknown[] = [input.businessId, input.channel, from, to];
  let where = 'o.business_id = $1 AND o.channel = $2 AND o.placed_at >= $3 AND o.placed_at < $4';
  if (input.locationId !== null) {
    params.push(input.locationId);
    where += ` AND o.location_id = $${params.length}`;
  }
  const contactName =
    input.channel === 'pos' ? `o.payload->'location'->>'name'` : `o.payload->'customer'->>'name'`;
  const { rows } = await deps.db.query<RangeStats>(
    `WITH r AS (SELECT o.* FROM orders o WHERE ${where})
     SELECT
       (SELECT count(*)::int FROM r) AS total,
       (SELECT count(*)::int FROM r WHERE status = 'completed') AS completed,
       (SELECT count(*)::int FROM r WHERE status = 'refunded') AS refunded,
       (SELECT count(*)::int FROM r WHERE status = 'voided') AS voided,
       (SELECT count(*)::int FROM r JOIN order_ledger l ON l.business_id = r.business_id AND l.order_id = r.id
          WHERE l.status = 'synced' AND r.status <> 'voided') AS "alreadySynced",
       (SELECT coalesce(sum(jsonb_array_length(payload->'payments')), 0)::int FROM r WHERE status <> 'voided') AS payments,
       ARRAY(SELECT DISTINCT l->>'taxCode' FROM r, jsonb_array_elements(r.payload->'lines') l
          WHERE r.status <> 'voided' ORDER BY 1) AS "taxCodes",
       ARRAY(SELECT DISTINCT p->>'method' FROM r, jsonb_array_elements(r.payload->'payments') p
          WHERE r.status <> 'voided' ORDER BY 1) AS "paymentMethods",
       ARRAY(SELECT DISTINCT ${contactName.replace(/o\./g, 'r.')} FROM r
          WHERE r.status <> 'voided' AND ${contactName.replace(/o\./g, 'r.')} IS NOT NULL ORDER BY 1) AS "contactNames"`,
    params,
  );
  return rows[0]!;
}

async function warnings(
  deps: SubmitDeps,
  business: Business,
  input: ManualSyncInput,
  stats: RangeStats,
): Promise<Warning[]> {
  const { taxTypes, paymentAccounts } = business.settings;
  const out: Warning[] = [];
  const push = (code: Warning['code'], items: string[], message: string) => {
    if (items.length > 0) out.push({ code, message, count: items.length, examples: items.slice(0, 10) });
  };
  if (stats.total === 0)
    out.push({
      code: 'no_orders',
      message: 'No orders in this range; check the channel, location and dates.',
      count: 0,
      examples: [],
    });
  push(
    'unmapped_tax_code',
    stats.taxCodes.filter((c) => !Object.hasOwn(taxTypes, c)),
    'Order tax codes with no Xero TaxType in the business settings; their orders will fail until they are mapped.',
  );
  if (input.options.recordPayments)
    push(
      'unmapped_payment_method',
      stats.paymentMethods.filter((m) => !Object.hasOwn(paymentAccounts, m)),
      'Payment methods with no Xero bank account in the business settings; their payments will not be recorded.',
    );
  if (input.contactMapping.mode === 'auto')
    push(
      'contact_name_clash',
      nameClashes(stats.contactNames),
      'Names that differ only in case or spacing; Xero treats them as one contact, so their invoices share it.',
    );
  if (input.options.resyncPolicy === 'skip' && stats.alreadySynced > 0)
    out.push({
      code: 'already_synced',
      message: `${stats.alreadySynced} orders are already in Xero and will be skipped (resyncPolicy "update" rewrites them).`,
      count: stats.alreadySynced,
      examples: [],
    });
  if (input.contactMapping.mode === 'manual') {
    const contact = await findContact(deps, business, input.contactMapping.contactId);
    const status = String(contact?.contactStatus ?? 'MISSING');
    if (status !== 'ACTIVE')
      out.push({
        code: 'manual_contact_archived',
        message: contact
          ? `The manual contact "${contact.name}" is ${status.toLowerCase()} in Xero; unarchive it or pick another, or every invoice will fail.`
          : `The manual contact ${input.contactMapping.contactId} does not exist in the connected Xero organisation.`,
        count: 1,
        examples: [contact?.name ?? input.contactMapping.contactId],
      });
  }
  return out;
}

/** Groups of distinct spellings that resolve to one contact key, e.g. "John Doe" / "john  doe". */
function nameClashes(names: string[]): string[] {
  const byKey = new Map<string, Set<string>>();
  for (const name of names) {
    const spellings = byKey.get(contactKey(name)) ?? new Set<string>();
    spellings.add(normaliseContactName(name) === name ? name : JSON.stringify(name));
    byKey.set(contactKey(name), spellings);
  }
  return [...byKey.values()].filter((s) => s.size > 1).map((s) => [...s].join(' / '));
}
